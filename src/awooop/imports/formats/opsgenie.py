"""Opsgenie's List Alerts answer (``GET /v2/alerts``: ``data[]``).

An alert becomes a firing event at ``createdAt`` and, once closed, a resolved event (at
``createdAt + report.closeTime`` when the report has it, else ``updatedAt``). ``count`` is kept as
the source's occurrence count. The list carries no original payload: no envelope.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from awooop.hub.providers._common import correlation, severity_of
from awooop.hub.providers._prometheus import NAMESPACE_KEYS, TARGET_KEYS
from awooop.imports.formats._common import (
    require_dict,
    require_text,
    require_timestamp,
    tag_labels,
    text,
    timestamp,
)
from awooop.imports.records import ImportedRecord, Parsed, RecordRefused

ORIGIN = "opsgenie"
ITEM_PATHS = ("data.item", "item")
# Tags are free text: plain host names count as a target too.
_TARGET_TAGS = (*TARGET_KEYS, "host", "hostname")


def parse(record: Any) -> list[Parsed]:
    alert = require_dict(record, "record")
    alert_id = require_text(alert, "id")
    status = require_text(alert, "status")
    if status not in ("open", "closed"):
        raise RecordRefused(f"status must be open or closed, not {status[:40]!r}")
    created = require_timestamp(alert, "createdAt")
    labels = tag_labels(alert.get("tags"))
    for key in ("source", "owner", "entity", "priority"):
        value = text(alert, key)
        if value:
            labels.setdefault(key, value)
    integration = alert.get("integration")
    if isinstance(integration, dict) and text(integration, "name"):
        labels.setdefault("integration", text(integration, "name") or "")
    alias = text(alert, "alias")
    count = alert.get("count")
    firing = ImportedRecord(
        origin_system=ORIGIN,
        origin_id=f"{alert_id}:firing",
        stage="firing",
        occurred_at=created,
        provider=ORIGIN,
        alertname=text(alert, "message"),
        severity=severity_of(text(alert, "priority")),
        namespace=next((labels[key] for key in NAMESPACE_KEYS if labels.get(key)), None),
        target_resource=text(alert, "entity") or next((labels[k] for k in _TARGET_TAGS if labels.get(k)), None),
        # The alias is Opsgenie's de-duplication key: the identity of the problem. When the sender
        # gave none, Opsgenie sets it to the alert id, which identifies nothing beyond this alert.
        fingerprint=alias if alias and alias != alert_id else None,
        labels=labels,
        summary=text(alert, "description"),
        log_correlation=correlation(labels),
        occurrences=count if isinstance(count, int) and count > 0 else None,
    )
    events: list[Parsed] = [firing]
    if status == "closed":
        report = alert.get("report")
        close_ms = report.get("closeTime") if isinstance(report, dict) else None
        if isinstance(close_ms, int) and close_ms >= 0:
            closed = created + timedelta(milliseconds=close_ms)
        else:
            closed = timestamp(alert, "updatedAt") or timestamp(alert, "lastOccurredAt") or created
        events.append(
            replace(firing, origin_id=f"{alert_id}:resolved", stage="resolved", occurred_at=closed, occurrences=None)
        )
    return events
