"""Derived fields are built from redacted values only, and correlation ids written inside free
text reach log_correlation, for every provider (real parsers, real rule set)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from awooop.hub.envelope import build_envelope
from awooop.hub.providers import parse_delivery
from awooop.hub.providers._prometheus import silence_labels, silence_url
from awooop.hub.providers.textids import text_correlation

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
REQUEST = "req_01J5Z8Q4T7K2M9XG3N6B1C0D4E"
PASSWORD = "Hunter2-FAKE-silence"


def am_body(labels: dict[str, str], annotations: dict[str, str], version: str = "4") -> dict[str, Any]:
    return {
        "version": version,
        "status": "firing",
        "receiver": "awooop",
        "externalURL": "http://alertmanager.monitoring.svc:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "DbLogin", "severity": "critical", **labels},
                "annotations": annotations,
                "startsAt": "2026-08-20T10:05:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
                "fingerprint": "3859e6f8ec935266",
            }
        ],
    }


def envelopes(provider: str, body: Any, headers: dict[str, str] | None = None) -> list[Any]:
    return [build_envelope(provider, item) for item in parse_delivery(provider, body, headers or {})]


def test_silence_url_is_built_from_redacted_labels_only() -> None:
    body = am_body({"db_password": PASSWORD, "client": "203.0.113.9", "namespace": "payments"}, {})
    (env,) = envelopes("alertmanager", body)
    url = env.source_refs["alert"]["silence_url"]
    assert PASSWORD not in unquote(url)
    assert "203.0.113.9" not in unquote(url)
    assert 'namespace="payments"' in unquote(url)
    assert 'alertname="DbLogin"' in unquote(url)
    assert "db_password" not in unquote(url)  # a redacted label is left out of the matcher


def test_silence_labels_keep_every_clean_label() -> None:
    labels = {"alertname": "A", "pod": "checkout-api-7d9f8b6c5-x2k4q", "token": "FAKEtoken0123456789"}
    assert silence_labels(labels) == {"alertname": "A", "pod": "checkout-api-7d9f8b6c5-x2k4q"}
    clean = {"alertname": "A", "severity": "critical"}
    assert silence_url("http://am:9093", silence_labels(clean)) == silence_url("http://am:9093", clean)


def test_percent_encoded_secret_in_a_link_is_redacted() -> None:
    body = am_body({}, {"runbook_url": "https://wiki.example.com/run?q=%7Bpassword%3D%22" + PASSWORD + "%22%7D"})
    (env,) = envelopes("alertmanager", body)
    assert PASSWORD not in unquote(env.source_refs["alert"]["runbook_url"])
    assert env.has_redacted_content


def test_a_secret_in_a_sender_id_is_redacted_and_stays_unique() -> None:
    first = {"alertname": "A", "event_id": f"evt password={PASSWORD}", "fingerprint": f"fp password={PASSWORD}"}
    second = {**first, "event_id": "evt password=Other-FAKE-pw99", "fingerprint": "fp password=Other-FAKE-pw99"}
    (one,) = envelopes("generic", first)
    (two,) = envelopes("generic", second)
    for env in (one, two):
        assert PASSWORD not in env.provider_event_id
        assert PASSWORD not in (env.fingerprint or "")
        assert PASSWORD not in env.recurrence_key
        assert env.provider_event_id.startswith("evt password=[REDACTED:password]~")
    assert one.provider_event_id != two.provider_event_id
    assert one.recurrence_key != two.recurrence_key


def test_clean_sender_ids_are_unchanged() -> None:
    (env,) = envelopes("generic", {"alertname": "A", "event_id": "evt-42", "fingerprint": "3859e6f8ec935266"})
    assert (env.provider_event_id, env.fingerprint) == ("evt-42", "3859e6f8ec935266")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"failed trace_id={TRACE} span_id={SPAN}", {"trace_id": TRACE, "span_id": SPAN}),
        (f"traceparent: 00-{TRACE}-{SPAN}-01", {"trace_id": TRACE, "span_id": SPAN}),
        (f"x-request-id: {REQUEST}", {"request_id": REQUEST}),
        (
            f'{{\\"traceId\\": \\"{TRACE}\\", \\"requestId\\": \\"{REQUEST}\\"}}',
            {"trace_id": TRACE, "request_id": REQUEST},
        ),
        (f"parent_span_id={SPAN}", {}),
        ("trace_id=00000000000000000000000000000000", {}),
        ("request_id: missing", {}),
        ("trace_id=not-a-trace", {}),
    ],
)
def test_text_correlation(text: str, expected: dict[str, str]) -> None:
    assert text_correlation(text.encode()) == expected


def _payload(provider: str, text: str) -> tuple[Any, dict[str, str]]:
    if provider in ("alertmanager", "signoz"):
        return am_body({}, {"description": text}), {}
    if provider == "grafana":
        return am_body({}, {"description": text}, version="1"), {}
    if provider == "generic":
        return {"alertname": "A", "summary": text}, {}
    if provider == "sentry":
        event = {"event_id": "a" * 32, "title": "Error", "message": text, "level": "error"}
        return {"action": "triggered", "data": {"event": event, "triggered_rule": "r"}}, {
            "sentry-hook-resource": "event_alert"
        }
    return {
        "update_id": 7,
        "message": {"message_id": 1, "date": 1787220000, "chat": {"id": -100, "type": "group"}, "text": text},
    }, {}


@pytest.mark.parametrize("provider", ["alertmanager", "signoz", "grafana", "generic", "sentry", "telegram"])
def test_ids_in_free_text_reach_log_correlation_unredacted(provider: str) -> None:
    text = f"checkout failed traceparent=00-{TRACE}-{SPAN}-01 x-request-id: {REQUEST} password={PASSWORD}"
    body, headers = _payload(provider, text)
    (env,) = envelopes(provider, body, headers)
    assert env.log_correlation["trace_id"] == TRACE
    assert env.log_correlation["span_id"] == SPAN
    assert env.log_correlation["request_id"] == REQUEST
    assert PASSWORD not in env.content_redacted
    assert TRACE in env.content_redacted  # ids are never redacted


@pytest.mark.parametrize("provider", ["alertmanager", "generic"])
def test_label_ids_win_over_text_ids(provider: str) -> None:
    other = "1" * 32
    body, headers = _payload(provider, f"trace_id={other}")
    if provider == "generic":
        body["trace_id"] = TRACE
    else:
        body["alerts"][0]["labels"]["trace_id"] = TRACE
    (env,) = envelopes(provider, body, headers)
    assert env.log_correlation["trace_id"] == TRACE


def test_a_correlation_id_holding_a_credential_is_left_out() -> None:
    body = {"alertname": "A", "request_id": "token=ghp_FAKE0123456789abcdefghijklmnopqrstuv", "trace_id": TRACE}
    (env,) = envelopes("generic", body)
    assert env.log_correlation == {"trace_id": TRACE}
    assert "ghp_FAKE" not in env.content_redacted
