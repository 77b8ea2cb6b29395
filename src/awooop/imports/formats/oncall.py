"""Grafana OnCall's public API: alert groups (``GET /api/v1/alert_groups/``: ``results[]``),
optionally with their alerts (``GET /api/v1/alerts/?alert_group_id=``) embedded as ``alerts``.

A group becomes a firing event at ``created_at`` and, when resolved, a resolved event at
``resolved_at``. When one of its alerts carries an Alertmanager or Grafana Alerting payload (the
integration's original webhook), that payload gives the envelope and the fingerprint.
"""

from __future__ import annotations

from typing import Any

from awooop.hub.providers._common import http_url
from awooop.imports.formats._common import (
    alertmanager_payload,
    require_dict,
    require_text,
    require_timestamp,
    string_values,
    text,
    timestamp,
)
from awooop.imports.records import ImportedRecord, Parsed, SourcePayload

ORIGIN = "oncall"
ITEM_PATHS = ("results.item", "item")
_PERMALINK_ORDER = ("web", "slack", "telegram")


def parse(record: Any) -> list[Parsed]:
    group = require_dict(record, "record")
    group_id = require_text(group, "id")
    state = require_text(group, "state")
    created = require_timestamp(group, "created_at")
    payload = _payload(group)
    labels = {"integration_id": text(group, "integration_id") or "", "route_id": text(group, "route_id") or ""}
    labels = {key: value for key, value in labels.items() if value}
    for label in group.get("labels") or []:  # newer OnCall: [{"key": {"name"}, "value": {"name"}}]
        if isinstance(label, dict):
            key, value = label.get("key"), label.get("value")
            if isinstance(key, dict) and isinstance(value, dict) and text(key, "name"):
                labels.setdefault(text(key, "name") or "", text(value, "name") or "")
    permalinks = string_values(group.get("permalinks"))
    source_url = next((http_url(permalinks[k]) for k in _PERMALINK_ORDER if k in permalinks), None)
    common: dict[str, Any] = {
        "origin_system": ORIGIN,
        "provider": ORIGIN,
        "alertname": text(group, "title"),
        "labels": labels,
        "summary": text(group, "title"),
        "source_url": source_url,
        "occurrences": group["alerts_count"] if isinstance(group.get("alerts_count"), int) else None,
        "payload": payload,
    }
    events: list[Parsed] = [
        ImportedRecord(origin_id=f"{group_id}:firing", stage="firing", occurred_at=created, **common)
    ]
    if state == "resolved":
        resolved = timestamp(group, "resolved_at") or created
        common["occurrences"] = None
        events.append(
            ImportedRecord(origin_id=f"{group_id}:resolved", stage="resolved", occurred_at=resolved, **common)
        )
    return events


def _payload(group: dict[str, Any]) -> SourcePayload | None:
    """The first alert's original webhook payload AwoooP has a parser for."""
    candidates: list[Any] = []
    alerts = group.get("alerts")
    if isinstance(alerts, list):
        candidates.extend(alerts)
    candidates.append(group.get("last_alert"))
    for alert in candidates:
        if isinstance(alert, dict):
            found = alertmanager_payload(alert.get("payload"))
            if found is not None:
                return found
    return None
