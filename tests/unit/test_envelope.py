"""The source envelope: hashing, redaction wiring, preview, refs, recurrence key, work item id."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from awooop.hub import envelope as envelope_module
from awooop.hub.envelope import (
    ID_LIMIT,
    NAME_LIMIT,
    PREVIEW_LIMIT,
    build_envelope,
    content_preview,
    recurrence_key,
    work_item_id,
)
from awooop.hub.providers import ParsedItem
from awooop.hub.redaction import REDACTION_VERSION, redact_json

SECRET = "hunter2-Example"


def item(**overrides: Any) -> ParsedItem:
    fields: dict[str, Any] = {
        "content": {"b": 1, "a": "é"},
        "provider_event_id": "fp1:2026-08-20T10:00:00Z:firing",
        "stage": "firing",
        "channel_type": "alert",
        "alertname": "HighErrorRate",
        "severity": "critical",
        "namespace": "prod",
        "target_resource": "checkout",
        "fingerprint": None,
        "provider_ts": datetime(2026, 8, 20, 10, tzinfo=UTC),
        "labels": {"alertname": "HighErrorRate", "team": "payments"},
        "summary": "5xx ratio above 5%",
        "source_url": "https://prometheus.example/graph?g0.expr=up",
        "source_refs": {"alert": {"generator_url": "https://prometheus.example/graph", "runbook_url": "https://rb"}},
        "log_correlation": {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
        **overrides,
    }
    return ParsedItem(**fields)


# --- fixed vectors (computed independently with hashlib) ---------------------------------


@pytest.mark.parametrize(
    ("project_id", "key", "expected"),
    [
        ("default", "fp:b4b99d28110359b4", "wi_8d6323c35f95a7b8"),
        ("payments-prod", "k:generic|DiskFull|payments|", "wi_e868317371670625"),
        ("default", "fp:source-provider-heartbeat:sentry", "wi_cbc78290addaf1a2"),
    ],
)
def test_work_item_id_vectors(project_id: str, key: str, expected: str) -> None:
    assert work_item_id(project_id, key) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("alertmanager", "b4b99d28110359b4", "KubePodCrashLooping", "payments", "pod-1"), "fp:b4b99d28110359b4"),
        (("generic", None, "DiskFull", "payments", None), "k:generic|DiskFull|payments|"),
        (("generic", "", "DiskFull", None, "db-1"), "k:generic|DiskFull||db-1"),
        (("sentry", None, None, None, None), "k:sentry|||"),
    ],
)
def test_recurrence_key_vectors(args: tuple[Any, ...], expected: str) -> None:
    assert recurrence_key(*args) == expected


def test_content_hash_and_length_are_over_sorted_utf8_json() -> None:
    env = build_envelope("generic", item())
    # {"a":"é","b":1}: keys sorted, compact, UTF-8 (é is two bytes).
    assert env.content_sha256 == "aa58fba8483623bed37c1b02edfccbdd9a53123837c20bfa4cb4049993a2872e"
    assert env.content_length == 16


def test_hash_ignores_key_order() -> None:
    first = build_envelope("generic", item(content={"x": {"b": 1, "a": [1, 2]}, "y": None}))
    second = build_envelope("generic", item(content={"y": None, "x": {"a": [1, 2], "b": 1}}))
    assert first.content_sha256 == second.content_sha256


def test_envelope_fields() -> None:
    env = build_envelope("alertmanager", item(fingerprint="fp1"))
    assert env.provider == "alertmanager"
    assert env.channel_type == "alert"
    assert env.stage == "firing"
    assert env.recurrence_key == "fp:fp1"
    assert env.source_ref_count == 2
    assert env.redaction_version == REDACTION_VERSION
    assert env.provider_ts == datetime(2026, 8, 20, 10, tzinfo=UTC)
    redacted, _ = redact_json({"b": 1, "a": "é"})
    assert env.content_redacted == orjson.dumps(redacted, option=orjson.OPT_SORT_KEYS).decode()
    assert env.content_preview == "[firing] HighErrorRate critical prod/checkout: 5xx ratio above 5%"


def test_recurrence_key_without_fingerprint() -> None:
    assert build_envelope("generic", item()).recurrence_key == "k:generic|HighErrorRate|prod|checkout"


# --- preview ---------------------------------------------------------------------------------


PREVIEW_CASES = [
    # (alertname, severity, namespace, target_resource, summary) -> preview
    (("A", "info", "ns", "t", "s"), "[firing] A info ns/t: s"),
    (("A", None, None, "t", None), "[firing] A t"),
    (("A", None, "ns", None, "s"), "[firing] A ns: s"),
    ((None, None, None, "@ana", "hi"), "[firing] @ana: hi"),
    ((None, None, None, None, "hi"), "[firing] hi"),
    ((None, None, None, None, None), "[firing]"),
    (("A\nB", None, None, None, "x\n\n  y\tz"), "[firing] A B: x y z"),
]


@pytest.mark.parametrize(("parts", "expected"), PREVIEW_CASES)
def test_preview_omits_missing_parts_and_folds_whitespace(parts: tuple[str | None, ...], expected: str) -> None:
    alertname, severity, namespace, target, summary = parts
    preview = content_preview(
        "firing", alertname=alertname, severity=severity, namespace=namespace, target_resource=target, summary=summary
    )
    assert preview == expected


def test_preview_is_capped_with_an_ellipsis() -> None:
    preview = content_preview(
        "message", alertname=None, severity=None, namespace=None, target_resource="@ana", summary="word " * 200
    )
    assert len(preview) == PREVIEW_LIMIT
    assert preview.endswith("…")
    assert "\n" not in preview
    assert preview.startswith("[message] @ana: word word")


def test_chat_preview() -> None:
    env = build_envelope(
        "telegram",
        item(
            stage="message",
            channel_type="chat",
            alertname=None,
            severity=None,
            namespace=None,
            target_resource="@d_orlova",
            summary="/ack 4821\nlooking",
            channel_chat_id="318274650",
        ),
    )
    assert env.content_preview == "[message] @d_orlova: /ack 4821 looking"
    assert env.channel_chat_id == "318274650"


# --- column widths ------------------------------------------------------------------------


def test_long_names_fit_their_columns_without_colliding() -> None:
    first = build_envelope("generic", item(alertname="A" * 300 + "1", fingerprint="f" * 300 + "1"))
    second = build_envelope("generic", item(alertname="A" * 300 + "2", fingerprint="f" * 300 + "2"))
    assert first.alertname is not None
    assert second.alertname is not None
    assert len(first.alertname) == NAME_LIMIT
    assert first.alertname != second.alertname
    assert first.recurrence_key != second.recurrence_key
    assert len(first.recurrence_key) <= 1024


def test_long_provider_event_id_fits() -> None:
    env = build_envelope("generic", item(provider_event_id="x" * 2000))
    assert len(env.provider_event_id) == ID_LIMIT
    assert env.provider_event_id != build_envelope("generic", item(provider_event_id="x" * 1999)).provider_event_id


# --- redaction wiring (a stand-in redactor, independent of the real rule set) ----------------


def _fake_text(text: str) -> tuple[str, int]:
    count = text.count("SECRET")
    return text.replace("SECRET", "[REDACTED:test]"), count


def _fake_json(value: Any) -> tuple[Any, int]:
    if isinstance(value, str):
        return _fake_text(value)
    if isinstance(value, dict):
        pairs = [(key, _fake_json(child)) for key, child in value.items()]
        return {key: red for key, (red, _) in pairs}, sum(count for _, (_, count) in pairs)
    if isinstance(value, list):
        reds = [_fake_json(child) for child in value]
        return [red for red, _ in reds], sum(count for _, count in reds)
    return value, 0


@pytest.fixture
def fake_redactor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envelope_module, "redact_text", _fake_text)
    monkeypatch.setattr(envelope_module, "redact_json", _fake_json)


@pytest.mark.usefixtures("fake_redactor")
def test_everything_shown_is_redacted_but_correlation_ids_and_hash_are_not() -> None:
    raw = item(
        content={"text": "token SECRET here"},
        summary="login with SECRET",
        target_resource="db-SECRET",
        labels={"token": "SECRET"},
        source_url="https://x.example/?t=SECRET",
        source_refs={"alert": {"generator_url": "https://x.example/?t=SECRET"}},
        log_correlation={"request_id": "SECRET-req", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "pod": "p-SECRET"},
    )
    env = build_envelope("generic", raw)
    assert "SECRET" not in env.content_redacted
    assert "SECRET" not in env.content_preview
    assert env.labels == {"token": "[REDACTED:test]"}
    assert env.target_resource == "db-[REDACTED:test]"
    assert env.source_url == "https://x.example/?t=[REDACTED:test]"
    assert env.source_refs == {"alert": {"generator_url": "https://x.example/?t=[REDACTED:test]"}}
    assert env.source_ref_count == 1
    # Ids are never altered (the real rules find no credential in them); other fields are redacted.
    assert env.log_correlation == {
        "request_id": "SECRET-req",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "pod": "p-[REDACTED:test]",
    }
    assert env.has_redacted_content is True
    # The hash is of the raw content: the dedup identity must not move when rules change.
    assert env.content_sha256 == hashlib.sha256(orjson.dumps(raw.content, option=orjson.OPT_SORT_KEYS)).hexdigest()


@pytest.mark.usefixtures("fake_redactor")
def test_clean_item_is_not_flagged() -> None:
    env = build_envelope("generic", item())
    assert env.has_redacted_content is False
    assert env.labels == {"alertname": "HighErrorRate", "team": "payments"}


# --- the real rule set (awooop.hub.redaction): these assertions are about its rules -----------


def test_real_redaction_rules_hide_a_password_everywhere_it_is_shown() -> None:
    raw = item(
        content={"annotations": {"description": f"db login failed: password={SECRET}"}},
        summary=f"db login failed: password={SECRET}",
        labels={"alertname": "DbLogin", "dsn": f"postgresql://app:{SECRET}@db-1:5432/shop"},
        log_correlation={"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "pod": "checkout-api-7d9f8b6c5-x2kqz"},
    )
    env = build_envelope("generic", raw)
    assert SECRET not in env.content_redacted
    assert SECRET not in env.content_preview
    assert SECRET not in orjson.dumps(env.labels).decode()
    assert "[REDACTED:" in env.content_redacted
    assert env.has_redacted_content is True
    assert env.redaction_version == REDACTION_VERSION
    assert env.log_correlation == raw.log_correlation
    assert env.content_preview.startswith("[firing] HighErrorRate critical prod/checkout: db login failed:")
