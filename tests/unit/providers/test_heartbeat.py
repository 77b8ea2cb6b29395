"""Synthetic heartbeats: each provider's own webhook format, round-tripped through its parser."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest

from awooop.hub.envelope import build_envelope
from awooop.hub.providers import ALERT_PROVIDERS, parse_delivery
from awooop.hub.providers.heartbeat import (
    HeartbeatUnsupportedError,
    build_heartbeat_delivery,
    is_heartbeat,
)
from tests.unit.providers.support import load_sample

NOW = datetime(2026, 8, 20, 18, 0, 5, 250000, tzinfo=timezone(timedelta(hours=8)))


def deliver(provider: str, **overrides: Any) -> tuple[bytes, dict[str, str]]:
    arguments: dict[str, Any] = {
        "project_id": "payments",
        "reason": "scheduled_provider_freshness_smoke",
        "run_ref": "run-42",
        "operator_id": "op-ana",
        "auth_method": "operator_key",
        "now": NOW,
        **overrides,
    }
    return build_heartbeat_delivery(provider, **arguments)


def find_extras(value: Any) -> dict[str, Any] | None:
    """The heartbeat's extras object, wherever the provider format keeps it."""
    if isinstance(value, dict):
        extras = value.get("awooop")
        if isinstance(extras, dict):
            return extras
        value = list(value.values())
    if isinstance(value, list):
        for child in value:
            found = find_extras(child)
            if found is not None:
                return found
    return None


@pytest.mark.parametrize("provider", ALERT_PROVIDERS)
def test_heartbeat_round_trips_through_its_parser(provider: str) -> None:
    raw, headers = deliver(provider)
    assert isinstance(raw, bytes)
    assert all(name == name.lower() for name in headers)
    items = parse_delivery(provider, orjson.loads(raw), headers)
    assert len(items) == 1
    item = items[0]
    assert item.fingerprint == f"source-provider-heartbeat:{provider}"
    assert (item.alertname, item.severity, item.namespace, item.target_resource) == (
        "SourceProviderHeartbeat",
        "info",
        "awooop",
        "source-provider-ingestion",
    )
    assert item.labels["synthetic"] == "true"
    assert item.labels["awooop_heartbeat"] == "true"
    assert item.labels["provider"] == provider
    assert item.stage == "firing"  # the hub stamps `heartbeat` after parsing
    assert item.provider_ts == datetime(2026, 8, 20, 10, 0, 5, 250000, tzinfo=UTC)
    assert is_heartbeat(item)


@pytest.mark.parametrize("provider", ALERT_PROVIDERS)
def test_heartbeat_extras_reach_the_dossier(provider: str) -> None:
    raw, headers = deliver(provider)
    (item,) = parse_delivery(provider, orjson.loads(raw), headers)
    assert find_extras(item.content) == {
        "project_id": "payments",
        "reason": "scheduled_provider_freshness_smoke",
        "run_ref": "run-42",
        "operator_id": "op-ana",
        "auth_method": "operator_key",
        "synthetic": True,
        "side_effects": {"incident_created": False, "telegram_sent": False, "approval_created": False},
    }


@pytest.mark.parametrize("provider", ALERT_PROVIDERS)
def test_stamped_heartbeat_envelope(provider: str) -> None:
    raw, headers = deliver(provider)
    (item,) = parse_delivery(provider, orjson.loads(raw), headers)
    stamped = replace(item, stage="heartbeat", provider_event_id="heartbeat-20260820T100005Z")
    envelope = build_envelope(provider, stamped)
    assert envelope.stage == "heartbeat"
    assert envelope.provider_event_id == "heartbeat-20260820T100005Z"
    assert envelope.recurrence_key == f"fp:source-provider-heartbeat:{provider}"
    assert envelope.content_preview.startswith(
        "[heartbeat] SourceProviderHeartbeat info awooop/source-provider-ingestion: Low-noise provider freshness smoke"
    )
    assert is_heartbeat(stamped)


def test_alertmanager_family_summary_and_reason_annotations() -> None:
    raw, _ = deliver("alertmanager", reason="manual check")
    alert = orjson.loads(raw)["alerts"][0]
    assert alert["annotations"]["reason"] == "manual check"
    assert alert["annotations"]["summary"].startswith("Low-noise provider freshness smoke")
    assert orjson.loads(raw)["version"] == "4"


def test_sentry_heartbeat_is_an_event_alert_delivery() -> None:
    raw, headers = deliver("sentry")
    assert headers["sentry-hook-resource"] == "event_alert"
    event = orjson.loads(raw)["data"]["event"]
    assert len(event["event_id"]) == 32
    assert ["synthetic", "true"] in event["tags"]


def test_grafana_heartbeat_is_version_1() -> None:
    raw, _ = deliver("grafana")
    assert orjson.loads(raw)["version"] == "1"


def test_telegram_has_no_heartbeat() -> None:
    with pytest.raises(HeartbeatUnsupportedError):
        deliver("telegram")
    with pytest.raises(ValueError, match="pagerduty"):
        deliver("pagerduty")


def test_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deliver("generic", now=datetime(2026, 8, 20, 10, 0, 5))


@pytest.mark.parametrize("name", ["alertmanager_firing_single", "sentry_event_alert", "telegram_message_text"])
def test_real_deliveries_are_not_heartbeats(name: str) -> None:
    sample = load_sample(name)
    assert not any(is_heartbeat(item) for item in parse_delivery(sample.provider, sample.body, sample.headers))


def test_marker_labels_alone_do_not_make_a_heartbeat() -> None:
    sample = load_sample("alertmanager_firing_single")
    (item,) = parse_delivery(sample.provider, sample.body, sample.headers)
    assert not is_heartbeat(replace(item, labels={**item.labels, "awooop_heartbeat": "true"}))
