"""Whatever JSON arrives, a parser either returns well-formed items or raises PayloadSchemaError
(→ 422); it never crashes the intake with anything else (→ 500, retried forever by senders).

Seeded random mutations of every sample plus random bodies; deterministic across runs.
"""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import orjson
import pytest

from awooop.hub.envelope import PREVIEW_LIMIT, build_envelope
from awooop.hub.providers import (
    ALERT_PROVIDERS,
    PROVIDERS,
    ParsedItem,
    PayloadSchemaError,
    Severity,
    Stage,
    parse_delivery,
)
from awooop.hub.providers.heartbeat import build_heartbeat_delivery
from tests.unit.providers.support import load_sample, sample_names

STRINGS = [
    "",
    " ",
    "firing",
    "resolved",
    "critical",
    "4",
    "1",
    "2026-08-20T10:00:00Z",
    "2026-08-20T17:00:00.123456789+08:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-05:00",
    "not a time",
    "http://example.com/x?a=1&b=2",
    "javascript:alert(1)",
    "[fd00::1]:9100",
    "10.0.0.1:9100",
    "https://",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
    "sentry:release",
    "\u0000\ud7ff\U0001f440 ünï",
    "x" * 600,
]
KEYS = [
    "alerts",
    "labels",
    "annotations",
    "status",
    "startsAt",
    "endsAt",
    "fingerprint",
    "version",
    "externalURL",
    "generatorURL",
    "data",
    "issue",
    "event",
    "error",
    "metric_alert",
    "alert_rule",
    "id",
    "event_id",
    "tags",
    "contexts",
    "trace",
    "request",
    "headers",
    "project",
    "projects",
    "triggering_rules",
    "action",
    "update_id",
    "message",
    "edited_message",
    "chat",
    "from",
    "date",
    "text",
    "events",
    "title",
    "alertname",
    "timestamp",
    "instance",
    "service.name",
    "_trace_id",
]
NUMBERS: list[Any] = [0, -1, 1, 7, 2**31, 2**63 - 1, -(2**63), 1.5, 1e300, -1e300, 1787220000123]
ITERATIONS_PER_SAMPLE = 150
RANDOM_BODIES = 400


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth >= 3 or roll < 0.35:
        return rng.choice([None, True, False, rng.choice(NUMBERS), rng.choice(STRINGS), rng.choice(STRINGS)])
    if roll < 0.55:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def mutate(rng: random.Random, body: Any) -> Any:
    """Replace one random node (or add one random key) somewhere in ``body``."""
    body = copy.deepcopy(body)
    node = body
    for _ in range(rng.randint(0, 6)):
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
            if rng.random() < 0.3 or not isinstance(node[key], dict | list):
                node[key if rng.random() < 0.8 else rng.choice(KEYS)] = random_value(rng)
                return body
            node = node[key]
        elif isinstance(node, list) and node:
            index = rng.randrange(len(node))
            if rng.random() < 0.3 or not isinstance(node[index], dict | list):
                node[index] = random_value(rng)
                return body
            node = node[index]
        else:
            break
    return random_value(rng) if rng.random() < 0.1 else body


def check_items(provider: str, body: Any, headers: dict[str, str]) -> None:
    # Round-trip through orjson: the hub only ever hands parsers orjson-decoded bodies.
    body = orjson.loads(orjson.dumps(body))
    try:
        items = parse_delivery(provider, body, headers)
    except PayloadSchemaError as error:
        if not error.field:
            pytest.fail(f"schema error without a field: {error}")
        return
    for item in items:
        check_item(provider, item)


def check_item(provider: str, item: ParsedItem) -> None:
    assert item.stage in get_args(Stage)
    assert item.severity is None or item.severity in get_args(Severity)
    assert isinstance(item.provider_event_id, str)
    assert item.provider_event_id
    assert item.provider_ts is None or item.provider_ts.utcoffset() == timedelta(0)  # aware, UTC
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in item.labels.items())
    assert set(item.log_correlation) <= {"trace_id", "span_id", "request_id", "service", "pod", "container", "host"}
    for refs in item.source_refs.values():
        assert refs
        assert all(isinstance(value, str) and value for value in refs.values())
    envelope = build_envelope(provider, item)
    assert len(envelope.content_preview) <= PREVIEW_LIMIT
    assert "\n" not in envelope.content_preview
    assert envelope.source_ref_count == sum(len(refs) for refs in envelope.source_refs.values())


@pytest.mark.parametrize("name", sample_names())
def test_mutated_samples_never_crash(name: str) -> None:
    sample = load_sample(name)
    rng = random.Random(name)
    for _ in range(ITERATIONS_PER_SAMPLE):
        check_items(sample.provider, mutate(rng, sample.body), sample.headers)


@pytest.mark.parametrize("provider", ALERT_PROVIDERS)
def test_mutated_heartbeats_never_crash(provider: str) -> None:
    raw, headers = build_heartbeat_delivery(
        provider,
        project_id="p",
        reason="fuzz",
        run_ref=None,
        operator_id="op",
        auth_method="operator_key",
        now=datetime(2026, 8, 20, tzinfo=UTC),
    )
    body = orjson.loads(raw)
    rng = random.Random(f"heartbeat-{provider}")
    for _ in range(ITERATIONS_PER_SAMPLE * 2):
        check_items(provider, mutate(rng, body), headers)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_random_bodies_never_crash(provider: str) -> None:
    rng = random.Random(provider)
    resources = ["issue", "event_alert", "error", "metric_alert", "installation", "Issue", "seer"]
    for _ in range(RANDOM_BODIES):
        headers = {"sentry-hook-resource": rng.choice(resources)} if rng.random() < 0.8 else {}
        check_items(provider, random_value(rng), headers)
