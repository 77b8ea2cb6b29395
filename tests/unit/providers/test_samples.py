"""Every shared provider sample → the documented items and envelope fields (docs/providers.md)."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import unquote

import pytest

from awooop.hub.envelope import build_envelope
from awooop.hub.providers import parse_delivery
from tests.unit.providers.expected_alertmanager import AM_EXT, EXPECTED_AM_FAMILY
from tests.unit.providers.expected_sentry_telegram import EXPECTED_SENTRY_TELEGRAM
from tests.unit.providers.support import load_sample, sample_names

EXPECTED: dict[str, list[dict[str, Any]]] = {**EXPECTED_AM_FAMILY, **EXPECTED_SENTRY_TELEGRAM}

ITEM_FIELDS = {
    "provider_event_id",
    "stage",
    "channel_type",
    "channel_chat_id",
    "alertname",
    "severity",
    "namespace",
    "target_resource",
    "fingerprint",
    "provider_ts",
    "summary",
    "labels",
}
ENVELOPE_FIELDS = {
    "source_url",
    "source_refs",
    "source_ref_count",
    "log_correlation",
    "content_preview",
    "recurrence_key",
}


def test_every_sample_has_expectations() -> None:
    assert sorted(EXPECTED) == sample_names()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_items(name: str) -> None:
    sample = load_sample(name)
    pristine = copy.deepcopy(sample.body)
    items = parse_delivery(sample.provider, sample.body, sample.headers)
    assert len(items) == len(EXPECTED[name])
    for index, (item, expected) in enumerate(zip(items, EXPECTED[name], strict=True)):
        envelope = build_envelope(sample.provider, item)
        for field, value in expected.items():
            if field in ITEM_FIELDS:
                actual = getattr(item, field)
            elif field in ENVELOPE_FIELDS:
                actual = getattr(envelope, field)
            elif field == "source_ref_keys":
                actual = {f"{group}.{key}" for group, refs in envelope.source_refs.items() for key in refs}
            elif field == "labels_include":
                actual = {key: item.labels.get(key) for key in value}
            else:
                pytest.fail(f"unknown expectation {field}")
            assert actual == value, f"{name} item {index}: {field}"
    assert sample.body == pristine, "parsing and envelope building must not mutate the body"


def test_item_counts() -> None:
    counts = {}
    for name in sample_names():
        sample = load_sample(name)
        counts[name] = len(parse_delivery(sample.provider, sample.body, sample.headers))
    assert counts["alertmanager_group_mixed_5"] == 5
    assert counts["alertmanager_truncated_max_alerts"] == 2
    assert counts["grafana_firing_two_alerts"] == 2
    assert all(count == 1 for name, count in counts.items() if name.startswith(("sentry", "telegram", "signoz")))


def test_truncated_group_is_flagged_in_every_item() -> None:
    sample = load_sample("alertmanager_truncated_max_alerts")
    items = parse_delivery(sample.provider, sample.body, sample.headers)
    assert [item.content["group"]["truncatedAlerts"] for item in items] == [4, 4]


def test_am_item_content_is_the_alert_plus_its_group() -> None:
    sample = load_sample("alertmanager_group_mixed_5")
    item = parse_delivery(sample.provider, sample.body, sample.headers)[3]
    assert item.content["alert"] == sample.body["alerts"][3]
    assert item.content["group"] == {
        "receiver": "ops\\.intake",
        "status": "firing",
        "groupKey": sample.body["groupKey"],
        "externalURL": AM_EXT,
        "version": "4",
        "truncatedAlerts": 0,
        "groupLabels": {"alertname": "TargetDown", "cluster": "prod-eu-1"},
        "commonLabels": sample.body["commonLabels"],
        "notification_reason": "some alerts resolved",
    }


def test_grafana_group_drops_rendered_message_keeps_org() -> None:
    sample = load_sample("grafana_firing_two_alerts")
    group = parse_delivery(sample.provider, sample.body, sample.headers)[0].content["group"]
    assert "message" not in group
    assert "title" not in group
    assert (group["orgId"], group["state"], group["version"]) == (1, "alerting", "1")


def test_alertmanager_silence_link_matches_exactly_the_alert_labels() -> None:
    sample = load_sample("alertmanager_group_mixed_5")
    item = parse_delivery(sample.provider, sample.body, sample.headers)[0]
    link = item.source_refs["alert"]["silence_url"]
    prefix = AM_EXT + "/#/silences/new?filter="
    assert link.startswith(prefix)
    assert unquote(link.removeprefix(prefix)) == (
        '{alertname="TargetDown", cluster="prod-eu-1", instance="10.42.1.17:9100", '
        'job="node-exporter", namespace="monitoring", severity="critical"}'
    )


def test_sentry_content_is_the_whole_body() -> None:
    sample = load_sample("sentry_event_alert")
    (item,) = parse_delivery(sample.provider, sample.body, sample.headers)
    assert item.content == sample.body


def test_telegram_content_is_the_update() -> None:
    sample = load_sample("telegram_edited_message")
    (item,) = parse_delivery(sample.provider, sample.body, sample.headers)
    assert item.content == sample.body
    assert item.summary == "/ack 4821 смотрю, откатываю релиз \U0001f440"
