"""The parser contract other modules code against, and the shared helpers' tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from awooop.hub.providers import (
    ALERT_PROVIDERS,
    PARSERS,
    PROVIDERS,
    PayloadSchemaError,
    UnknownProviderError,
    parse_delivery,
)
from awooop.hub.providers._common import correlation, parse_ts, severity_of
from awooop.hub.providers._prometheus import label_fingerprint, silence_url
from tests.unit.providers.support import load_sample, sample_names


def test_one_parser_per_provider() -> None:
    assert set(PARSERS) == set(PROVIDERS)
    assert set(ALERT_PROVIDERS) == set(PROVIDERS) - {"telegram"}


def test_unknown_provider_is_a_programming_error() -> None:
    with pytest.raises(UnknownProviderError):
        parse_delivery("pagerduty", {}, {})


def test_schema_error_carries_field_and_message() -> None:
    error = PayloadSchemaError("alerts[2].status", "must be 'firing' or 'resolved'")
    assert isinstance(error, ValueError)
    assert (error.field, error.message) == ("alerts[2].status", "must be 'firing' or 'resolved'")
    assert str(error) == "alerts[2].status: must be 'firing' or 'resolved'"


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("body", [None, "text", 3, True])
def test_non_object_bodies_are_schema_errors(provider: str, body: object) -> None:
    with pytest.raises(PayloadSchemaError):
        parse_delivery(provider, body, {"sentry-hook-resource": "issue"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("critical", "critical"),
        (" CRITICAL ", "critical"),
        ("fatal", "critical"),
        ("page", "critical"),
        ("P1", "critical"),
        ("error", "error"),
        ("high", "error"),
        ("major", "error"),
        ("warning", "warning"),
        ("warn", "warning"),
        ("medium", "warning"),
        ("info", "info"),
        ("low", "info"),
        ("none", "info"),
        ("debug", "info"),
        ("something-else", "warning"),
        ("", None),
        (None, None),
        (3, None),
    ],
)
def test_severity_normalisation(raw: object, expected: str | None) -> None:
    assert severity_of(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-08-20T09:41:07.318476211Z", datetime(2026, 8, 20, 9, 41, 7, 318476, tzinfo=UTC)),
        ("2026-08-20T17:41:07.5+08:00", datetime(2026, 8, 20, 9, 41, 7, 500000, tzinfo=UTC)),
        ("2026-08-20T10:02:09.481000+00:00", datetime(2026, 8, 20, 10, 2, 9, 481000, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
    ],
)
def test_timestamps(text: str, expected: datetime | None) -> None:
    assert parse_ts(text) == expected


def test_label_fingerprint_matches_alertmanager_for_every_am_and_signoz_sample() -> None:
    checked = 0
    for name in sample_names():
        if not name.startswith(("alertmanager", "signoz")):
            continue
        sample = load_sample(name)
        for alert in sample.body["alerts"]:
            assert label_fingerprint(alert["labels"]) == alert["fingerprint"], name
            checked += 1
    assert checked >= 10


def test_grafana_fingerprints_cover_hidden_labels() -> None:
    # Grafana hashes private labels it strips from the payload: its fingerprint is opaque.
    sample = load_sample("grafana_firing_two_alerts")
    alert = sample.body["alerts"][0]
    assert label_fingerprint(alert["labels"]) != alert["fingerprint"]


def test_empty_label_set_fingerprint_is_the_fnv_offset() -> None:
    assert label_fingerprint({}) == "cbf29ce484222325"


def test_correlation_ranks_and_sources() -> None:
    labels = {"instance": "10.0.0.1:9100", "service.name": "api"}
    annotations = {"host": "web-1", "service": "api-gw", "requestId": "r-1", "trace_id": " "}
    assert correlation(labels, annotations) == {
        "host": "web-1",  # explicit host beats the instance's host part
        "service": "api-gw",  # `service` outranks `service.name`
        "request_id": "r-1",
    }


def _reference_silence_filter(labels: dict[str, str]) -> str:
    """The obvious (slow) construction the fast one must equal."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    def name(text: str) -> str:
        return text if re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", text) else quoted(text)

    matchers = ", ".join(f"{name(key)}={quoted(labels[key])}" for key in sorted(labels))
    return quote("{" + matchers + "}", safe="")


@pytest.mark.parametrize(
    "labels",
    [
        {"alertname": "A"},
        {"alertname": "TargetDown", "instance": "10.0.0.1:9100", "job": "node"},
        {"service.name": "checkout", "k8s.pod.name": "api-1", "alertname": "Lat"},
        {"alertname": 'say "hi"\\now', "path": "/a b?c=d&e#f%", "line": "x\ny"},
        {"alertname": "Ünïcödé ✓", "名前": "値", "emoji": "\U0001f440", "plus": "a+b~c"},
    ],
)
def test_silence_link_equals_the_reference_encoding(labels: dict[str, str]) -> None:
    link = silence_url("http://am.example:9093/", labels)
    assert link == "http://am.example:9093/#/silences/new?filter=" + _reference_silence_filter(labels)


def test_no_silence_link_without_external_url() -> None:
    assert silence_url(None, {"alertname": "A"}) is None
    assert silence_url("http://am.example:9093", {}) is None
