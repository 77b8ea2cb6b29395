"""The import's memoised envelope path gives exactly what the hub's envelope code gives."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from awooop.hub.envelope import build_envelope
from awooop.hub.providers import ParsedItem
from awooop.imports.convert import _row_without_payload
from awooop.imports.formats import FORMATS
from awooop.imports.records import ImportedRecord

LEGACY = Path(__file__).resolve().parents[2] / "fixtures" / "legacy"
SAMPLES = [
    ("alerta", "alerta_alerts.json", "alerts"),
    ("alerta", "alerta_alerts_history.json", "history"),
    ("opsgenie", "opsgenie_list_alerts.json", "data"),
    ("oncall", "oncall_alert_groups.json", "results"),
]


def _records() -> list[ImportedRecord]:
    found = []
    for fmt, name, key in SAMPLES:
        for raw in json.loads((LEGACY / name).read_text())[key]:
            try:
                parsed = FORMATS[fmt].parse(raw)
            except ValueError:
                continue
            found.extend(p for p in parsed if isinstance(p, ImportedRecord))
    return found


def _hub_row(record: ImportedRecord) -> dict[str, Any]:
    item = ParsedItem(
        content={},
        provider_event_id="",
        stage=record.stage,
        channel_type="alert",
        alertname=record.alertname,
        severity=record.severity,
        namespace=record.namespace,
        target_resource=record.target_resource,
        fingerprint=record.fingerprint,
        provider_ts=record.occurred_at,
        labels=record.labels,
        summary=record.summary,
        source_url=record.source_url,
        source_refs=record.source_refs,
        log_correlation=record.log_correlation,
    )
    envelope = build_envelope(record.provider, item)
    return {field.name: getattr(envelope, field.name) for field in dataclasses.fields(envelope)}


@pytest.mark.parametrize("record", _records(), ids=lambda r: r.origin_id[:40])
def test_the_memoised_path_matches_the_hub_envelope(record: ImportedRecord) -> None:
    fast = _row_without_payload(record)
    again = _row_without_payload(record)  # the second call is served from the memo
    hub = _hub_row(record)
    for name, value in fast.items():
        assert value == hub[name], name
        assert again[name] == value, name
