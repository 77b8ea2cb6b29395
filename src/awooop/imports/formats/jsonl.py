"""AwoooP's own export (``awooop export``): one JSON object per line, one event per object.

The envelope travels as exported; the importer redacts it again with the current rules. An
event keeps the origin it had (history imported from Alerta stays "imported from alerta");
a live event of the exporting installation gets origin ``awooop`` with its event id.
"""

from __future__ import annotations

from typing import Any, get_args

from awooop.hub.providers.base import Severity, Stage
from awooop.imports.formats._common import require_dict, require_text, require_timestamp, timestamp
from awooop.imports.records import ExportedEvent, Parsed, RecordRefused

ORIGIN = "awooop"
EXPORT_VERSION = 1
_STAGES = frozenset(get_args(Stage))
_SEVERITIES = frozenset(get_args(Severity))
_TEXT_FIELDS = (
    "provider",
    "channel_chat_id",
    "content_preview",
    "content_redacted",
    "redaction_version",
    "source_url",
    "content_sha256",
    "alertname",
    "namespace",
    "target_resource",
    "fingerprint",
    "recurrence_key",
)
_MAP_FIELDS = ("source_refs", "log_correlation", "labels")


def parse(record: Any) -> list[Parsed]:
    obj = require_dict(record, "line")
    if obj.get("awooop_export") != EXPORT_VERSION:
        raise RecordRefused(f"not an AwoooP export line (awooop_export must be {EXPORT_VERSION})")
    event_id = require_text(obj, "event_id")
    stage = require_text(obj, "stage")
    if stage not in _STAGES:
        raise RecordRefused(f"unknown stage {stage[:20]!r}")
    channel_type = require_text(obj, "channel_type")
    if channel_type not in ("alert", "chat"):
        raise RecordRefused(f"unknown channel_type {channel_type[:20]!r}")
    severity = obj.get("severity")
    if severity is not None and severity not in _SEVERITIES:
        raise RecordRefused(f"unknown severity {str(severity)[:20]!r}")
    row: dict[str, Any] = {
        "channel_type": channel_type,
        "stage": stage,
        "provider_event_id": require_text(obj, "provider_event_id"),
        "severity": severity,
        "received_at": require_timestamp(obj, "received_at"),
        "provider_ts": timestamp(obj, "provider_ts"),
        "has_source_envelope": obj.get("has_source_envelope") is True,
        "has_redacted_content": obj.get("has_redacted_content") is True,
        "is_duplicate": obj.get("is_duplicate") is True,
    }
    for name in _TEXT_FIELDS:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            raise RecordRefused(f"{name} must be a string")
        row[name] = value
    for name in _MAP_FIELDS:
        value = obj.get(name) or {}
        if not isinstance(value, dict):
            raise RecordRefused(f"{name} must be an object")
        row[name] = value
    for name in ("content_length", "source_ref_count", "origin_occurrences"):
        value = obj.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise RecordRefused(f"{name} must be an integer")
        row[name] = value
    origin_system, origin_id = obj.get("origin_system"), obj.get("origin_id")
    if isinstance(origin_system, str) and isinstance(origin_id, str) and origin_system and origin_id:
        row["origin_system"], row["origin_id"] = origin_system, origin_id
    else:
        row["origin_system"], row["origin_id"] = ORIGIN, event_id
    return [ExportedEvent(row)]
