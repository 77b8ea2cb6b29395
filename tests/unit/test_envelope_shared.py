"""Equivalences the intake hot path relies on: envelopes built with the per-delivery memo of shared
content parts are identical to envelopes built without it, whatever the content looks like; the
parser's Go-zero-time shortcut agrees with ``parse_ts``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from awooop.hub.envelope import DeliveryMemo, build_envelope
from awooop.hub.providers import ParsedItem, parse_delivery
from awooop.hub.providers._common import parse_ts
from awooop.hub.providers._prometheus import GO_ZERO_TIME, _timestamp
from awooop.hub.service import prepare_rows
from tests.unit.providers.support import CASES_DIR, load_sample, sample_names
from tests.unit.test_envelope import item

CORPUS = Path(__file__).parent / "redaction" / "corpus" / "corpus.jsonl"


def _corpus_texts() -> list[str]:
    lines = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    return [line["marked"].replace("⟦", "").replace("⟧", "") for line in lines]


def _assert_same(provider: str, items: list[ParsedItem]) -> None:
    memo = DeliveryMemo()
    for parsed in items:
        assert build_envelope(provider, parsed, memo) == build_envelope(provider, parsed)


def _case_deliveries() -> list[tuple[str, Any, dict[str, str]]]:
    deliveries = []
    for path in sorted(CASES_DIR.glob("*.json")):
        case = orjson.loads(path.read_bytes())
        if "expect_error" not in case:
            deliveries.append((case["provider"], case["body"], case["headers"]))
    for name in sample_names():
        sample = load_sample(name)
        deliveries.append((sample.provider, sample.body, sample.headers))
    return deliveries


@pytest.mark.parametrize(("provider", "body", "headers"), _case_deliveries())
def test_every_case_and_sample_builds_the_same_envelopes_with_the_memo(
    provider: str, body: Any, headers: dict[str, str]
) -> None:
    _assert_same(provider, parse_delivery(provider, body, headers))


def test_shared_group_full_of_secrets_and_personal_data() -> None:
    texts = _corpus_texts()
    group = {
        "receiver": texts[0],
        "commonAnnotations": {f"k{index}": text for index, text in enumerate(texts)},
        "commonLabels": {"password": "hunter2-Example", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
        "env": [{"name": "DB_PASSWORD", "value": "s3cr3t-value"}, {"name": "MODE", "value": "fast"}],
        "headers": [["Authorization", "Bearer abcdefghijklmnopqrstuvwxyz012345"], ["Accept", "*/*"]],
        "ünïcode": "é", "Zed": None, "n": 1.5, "flag": True,
    }  # fmt: skip
    items = [
        item(content={"alert": {"labels": {"n": str(index)}, "note": text}, "group": group, "token": text})
        for index, text in enumerate(texts)
    ]
    _assert_same("alertmanager", items)


@pytest.mark.parametrize(
    "content",
    [
        {},
        {"value": "hunter2-Example", "name": "password", "group": {"a": "b"}},  # sibling-labelled value
        {"password": {"nested": "x"}, "secret": ["a", "b"], "api_key": "", "token": None},
        {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "b": "mail me: ops@example.com", "a": [1, 2]},
        {"é": 1, "e": 2, "Z": 3, "\U0001f600": 4, "\uffff": 5},  # code-point order = orjson's order
        {"x": "\ufffd", "y": 'line\nbreak "quoted" \\ back'},
    ],
)
def test_odd_contents_are_serialised_and_redacted_identically(content: dict[str, Any]) -> None:
    shared = {"same": content}
    _assert_same("generic", [item(content=content), item(content=content), item(content={**shared, "c": content})])


def test_prepare_rows_output_does_not_depend_on_the_memo() -> None:
    group = {"receiver": "team-x", "commonAnnotations": {"summary": "token=abcdef0123456789abcdef"}}
    items = [item(content={"alert": {"i": index}, "group": group}) for index in range(3)]
    together = prepare_rows(project_id="p", provider="alertmanager", items=items)
    alone = [prepare_rows(project_id="p", provider="alertmanager", items=[one])[0] for one in items]
    volatile = {"id", "received_at"}
    for row, single in zip(together, alone, strict=True):
        assert {k: v for k, v in row.items() if k not in volatile} == {
            k: v for k, v in single.items() if k not in volatile
        }
    assert together[0]["has_redacted_content"]


def test_memo_never_confuses_a_recycled_object_id() -> None:
    memo = DeliveryMemo()
    first = item(content={"group": {"a": "one"}})
    build_envelope("generic", first, memo)
    second = dataclasses.replace(first, content={"group": {"a": "two"}})
    assert build_envelope("generic", second, memo) == build_envelope("generic", second)


def test_go_zero_time_fast_path_agrees_with_parse_ts() -> None:
    assert parse_ts(GO_ZERO_TIME) is None
    assert _timestamp(GO_ZERO_TIME, "alerts[0].endsAt") is None
    assert _timestamp("0001-01-01T00:00:00.000Z", "x") == parse_ts("0001-01-01T00:00:00.000Z")
