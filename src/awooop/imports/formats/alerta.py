"""Alerta 9 answers: ``GET /alerts`` (``alerts[]``), ``GET /alert/{id}`` (``alert``) and
``GET /alerts/history`` (``history[]``).

An alert that carries its ``history`` becomes one event per state change in it; an alert without
history (list answers) becomes one event for its latest state; a history entry becomes one
event. ``rawData`` holding an Alertmanager alert gives the envelope (parsed by AwoooP's own
Alertmanager parser) and the fingerprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from awooop.hub.providers._common import correlation, http_url, severity_of
from awooop.hub.providers._prometheus import TARGET_KEYS
from awooop.hub.providers.base import Severity
from awooop.imports.formats._common import (
    alertmanager_payload,
    require_dict,
    require_text,
    require_timestamp,
    string_values,
    tag_labels,
    text,
    timestamp,
)
from awooop.imports.records import Ignored, ImportedRecord, ImportStage, Parsed, RecordRefused, SourcePayload

ORIGIN = "alerta"
ITEM_PATHS = ("alerts.item", "history.item", "alert", "item")
_RESOLVED_STATUSES = frozenset({"closed", "expired"})
_FIRING_STATUSES = frozenset({"open", "unknown"})
# History types that record a change of status or severity; notes, values and actions do not.
_STATE_TYPES = frozenset({"new", "severity", "status", "expired", "timeout", "auto-unshelve"})
# Alerta's own severities beyond the words AwoooP already knows (normal/ok/cleared end a problem).
_SEVERITIES: dict[str, Severity | None] = {
    "security": "critical",
    "indeterminate": None,
    "normal": None,
    "ok": None,
    "cleared": None,
    "unknown": None,
    "trace": "info",
}
_NOT_A_RESOURCE = frozenset({"n/a", "-", ""})
_REF_ATTRIBUTES = {
    "runbook_url": ("runbook_url", "runbook", "runbookUrl"),
    "dashboard_url": ("dashboard", "dashboard_url", "grafana_url"),
    "external_url": ("externalUrl", "external_url"),
}


def parse(record: Any) -> list[Parsed]:
    """An alert (with or without history) or one history entry → its events."""
    obj = require_dict(record, "record")
    if "alert" in obj and isinstance(obj["alert"], dict) and "resource" not in obj:
        obj = obj["alert"]  # a whole GET /alert/{id} answer passed as one record
    if "createTime" in obj or "lastReceiveTime" in obj:
        return _alert(obj)
    if "updateTime" in obj and "type" in obj:
        return [_history_entry(obj, context=None, payload=None)]
    raise RecordRefused("neither an Alerta alert nor a history entry (no createTime / updateTime)")


def _alert(alert: dict[str, Any]) -> list[Parsed]:
    alert_id = require_text(alert, "id")
    payload = alertmanager_payload(alert.get("rawData"))
    history = alert.get("history")
    if isinstance(history, list) and history:
        return [_history_entry(require_dict(entry, "history entry"), alert, payload) for entry in history]
    status = require_text(alert, "status")
    stage = _stage(status)
    if stage is None:
        return [Ignored(f"status {status}")]
    at = timestamp(alert, "lastReceiveTime") or require_timestamp(alert, "createTime")
    if stage == "resolved":
        at = timestamp(alert, "updateTime") or at
    duplicates = alert.get("duplicateCount")
    occurrences = duplicates + 1 if isinstance(duplicates, int) and duplicates >= 0 else None
    return [_record(alert, f"alert:{alert_id}", stage=stage, at=at, payload=payload, occurrences=occurrences)]


def _history_entry(entry: dict[str, Any], context: dict[str, Any] | None, payload: SourcePayload | None) -> Parsed:
    entry_id = require_text(entry, "id")
    kind = require_text(entry, "type")
    at = require_timestamp(entry, "updateTime")
    if kind not in _STATE_TYPES:
        return Ignored(f"history type {kind}")
    status = text(entry, "status") or (text(context, "status") if context else None) or "open"
    stage = _stage(status)
    if stage is None:
        return Ignored(f"status {status}")
    merged = {**(context or {}), **entry}
    origin_id = f"history:{entry_id}:{kind}:{entry['updateTime']}"
    return _record(merged, origin_id, stage=stage, at=at, payload=payload, occurrences=None)


def _stage(status: str) -> ImportStage | None:
    if status in _RESOLVED_STATUSES:
        return "resolved"
    if status in _FIRING_STATUSES:
        return "firing"
    return None  # ack, assign, shelved, blackout: the problem neither started nor ended


def _severity(raw: str | None, labels: Mapping[str, str]) -> Severity | None:
    if raw is None:
        return None
    if raw in _SEVERITIES:
        found = _SEVERITIES[raw]
        # A closed Prometheus alert keeps its original severity as a tag.
        return found if found is not None else severity_of(labels.get("severity"))
    return severity_of(raw)


class _Places:
    """Labels and target by the fields they come from, bounded: every state change of an alert
    repeats its tags, environment, group, origin, service and resource. The derivation is pure,
    so a hit is exact; each record gets its own copy of the labels."""

    LIMIT = 20_000

    def __init__(self) -> None:
        self.found: dict[bytes, tuple[dict[str, str], str | None]] = {}

    def __call__(self, obj: dict[str, Any]) -> tuple[dict[str, str], str | None]:
        try:
            key = orjson.dumps([obj.get(name) for name in _PLACE_FIELDS])
        except TypeError:  # not JSON values (never from a reader); derive without the memo
            return _places(obj)
        found = self.found.get(key)
        if found is None:
            if len(self.found) >= self.LIMIT:
                self.found.clear()
            found = self.found[key] = _places(obj)
        return dict(found[0]), found[1]


_PLACE_FIELDS = ("tags", "environment", "group", "origin", "service", "resource")


def _places(obj: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    labels = tag_labels(obj.get("tags"))
    for key in ("environment", "group", "origin"):
        value = text(obj, key)
        if value:
            labels.setdefault(key, value)
    services = [s for s in obj.get("service") or [] if isinstance(s, str) and s.strip()]
    if services:
        labels.setdefault("service", ",".join(services))
    resource = text(obj, "resource")
    target = resource if resource and resource not in _NOT_A_RESOURCE else None
    if target is None:
        target = next((labels[key] for key in TARGET_KEYS if labels.get(key)), None)
    return labels, target


_PLACES = _Places()


def _record(
    obj: dict[str, Any],
    origin_id: str,
    *,
    stage: ImportStage,
    at: datetime,
    payload: SourcePayload | None,
    occurrences: int | None,
) -> ImportedRecord:
    labels, target = _PLACES(obj)
    attributes = string_values(obj.get("attributes"))
    refs = {
        name: url
        for name, keys in _REF_ATTRIBUTES.items()
        if (url := next((http_url(attributes[key]) for key in keys if key in attributes), None))
    }
    return ImportedRecord(
        origin_system=ORIGIN,
        origin_id=origin_id,
        stage=stage,
        occurred_at=at,
        provider=ORIGIN,
        alertname=text(obj, "event"),
        severity=_severity(text(obj, "severity"), labels),
        namespace=labels.get("namespace"),
        target_resource=target,
        labels=labels,
        summary=text(obj, "text"),
        source_url=http_url(text(obj, "href")),
        source_refs={"alert": refs} if refs else {},
        log_correlation=correlation(labels, attributes),
        occurrences=occurrences,
        payload=payload,
    )
