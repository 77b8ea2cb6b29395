"""AwoooP's own generic alert schema (docs/providers.md): one object, ``{"events": [...]}`` or a
JSON array of objects; one item per event object."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from awooop.hub.providers._common import (
    compact_refs,
    correlation,
    epoch_ts,
    first_of,
    http_url,
    id_str,
    nonempty,
    opt_str,
    parse_ts,
    require_object,
    severity_of,
)
from awooop.hub.providers._heartbeat import ALERTNAME as HEARTBEAT_ALERTNAME
from awooop.hub.providers._heartbeat import NAMESPACE, SUMMARY, TARGET_RESOURCE, HeartbeatContext
from awooop.hub.providers._prometheus import DASHBOARD_KEYS, RUNBOOK_KEYS
from awooop.hub.providers.base import INTAKE_AUTH_DOC, ParsedItem, PayloadSchemaError, ProviderSpec, Stage

_STAGES: dict[str, Stage] = {"firing": "firing", "resolved": "resolved"}
_STRING_FIELDS = ("namespace", "target_resource", "fingerprint", "summary", "source_url")
_CORRELATION_FIELDS = ("trace_id", "span_id", "request_id")
_EPOCH_MS_THRESHOLD = 100_000_000_000  # larger Unix times are milliseconds (JavaScript Date.now)


def parse_generic(body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
    if isinstance(body, list):
        return [_event(event, f"[{index}]") for index, event in enumerate(body)]
    root = require_object(body, "body")
    if "events" not in root:
        return [_event(root, "")]
    events = root["events"]
    if not isinstance(events, list):
        raise PayloadSchemaError("events", "must be a list of event objects")
    return [_event(event, f"events[{index}]") for index, event in enumerate(events)]


def _field(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _event(raw: Any, where: str) -> ParsedItem:
    event = require_object(raw, where or "body")
    alertname = nonempty(opt_str(event, "alertname", _field(where, "alertname")))
    title = nonempty(opt_str(event, "title", _field(where, "title")))
    if not (alertname or title):
        raise PayloadSchemaError(_field(where, "title"), "required: a non-empty title or alertname")
    status = event.get("status")
    if status is None:
        status = "firing"
    stage = _STAGES.get(status) if isinstance(status, str) else None
    if stage is None:
        raise PayloadSchemaError(_field(where, "status"), "must be 'firing' or 'resolved'")
    text = {name: opt_str(event, name, _field(where, name)) for name in _STRING_FIELDS}
    source_url = text["source_url"]
    if source_url and not http_url(source_url):
        raise PayloadSchemaError(_field(where, "source_url"), "must be an http(s) URL")
    labels = _scalar_map(event.get("labels"), _field(where, "labels"))
    annotations = _scalar_map(event.get("annotations"), _field(where, "annotations"))
    direct = {name: opt_str(event, name, _field(where, name)) for name in _CORRELATION_FIELDS}
    return ParsedItem(
        content=event,
        provider_event_id=_event_id(event, where),
        stage=stage,
        channel_type="alert",
        alertname=alertname or title,
        severity=severity_of(opt_str(event, "severity", _field(where, "severity"))),
        namespace=nonempty(text["namespace"]),
        target_resource=nonempty(text["target_resource"]),
        fingerprint=nonempty(text["fingerprint"]),
        provider_ts=_timestamp(event.get("timestamp"), _field(where, "timestamp")),
        labels=labels,
        summary=nonempty(text["summary"])
        or first_of(annotations, ("summary", "description"))
        or (title if alertname else None),
        source_url=source_url or None,
        source_refs=compact_refs(
            {
                "alert": {
                    "generator_url": source_url or None,
                    "runbook_url": http_url(first_of(annotations, RUNBOOK_KEYS)),
                    "dashboard_url": http_url(first_of(annotations, DASHBOARD_KEYS)),
                }
            }
        ),
        log_correlation=correlation({k: v for k, v in direct.items() if v}, labels, annotations),
    )


def _event_id(event: Mapping[str, Any], where: str) -> str:
    if event.get("event_id") is None:
        # No sender id: the content hash, identical to the envelope's content_sha256.
        return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()
    event_id = id_str(event["event_id"])
    if event_id is None or not event_id.strip():
        raise PayloadSchemaError(_field(where, "event_id"), "must be a non-empty string or integer")
    return event_id


def _scalar_map(value: Any, field: str) -> dict[str, str]:
    """Labels and annotations: flat objects; numbers and booleans are stringified, nulls dropped."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadSchemaError(field, "must be an object of strings")
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, str):
            out[key] = item
        elif isinstance(item, bool):
            out[key] = "true" if item else "false"
        elif isinstance(item, int | float):
            out[key] = str(item)
        elif item is not None:
            raise PayloadSchemaError(f"{field}.{key}", "must be a string, number or boolean")
    return out


def _timestamp(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return parse_ts(value)
        except ValueError:
            raise PayloadSchemaError(field, "must be an ISO-8601 timestamp") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > _EPOCH_MS_THRESHOLD else value
        parsed = epoch_ts(seconds)
        if parsed is not None:
            return parsed
    raise PayloadSchemaError(field, "must be an ISO-8601 string or Unix seconds")


def generic_heartbeat(hb: HeartbeatContext) -> tuple[dict[str, Any], dict[str, str]]:
    body = {
        "event_id": f"heartbeat-{hb.now:%Y%m%dT%H%M%SZ}",
        "alertname": HEARTBEAT_ALERTNAME,
        "status": "firing",
        "severity": "info",
        "namespace": NAMESPACE,
        "target_resource": TARGET_RESOURCE,
        "fingerprint": hb.fingerprint,
        "labels": hb.markers,
        "annotations": hb.annotations,
        "summary": SUMMARY,
        "timestamp": hb.iso,
        "awooop": hb.extras,
    }
    return body, {}


SPEC = ProviderSpec(
    name="generic",
    channel_type="alert",
    parse=parse_generic,
    auth="intake_token",
    summary="Generic alert",
    description='AwoooP\'s generic schema: one event object, `{"events": [...]}`, or an array. '
    f"Auth: {INTAKE_AUTH_DOC}.",
    heartbeat=generic_heartbeat,
)
