"""Helpers shared by the format parsers (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from awooop.hub.providers._common import parse_ts
from awooop.imports.records import RecordRefused, SourcePayload


def require_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordRefused(f"{what} is not a JSON object")
    return value


def text(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def require_text(obj: Mapping[str, Any], key: str) -> str:
    value = text(obj, key)
    if value is None:
        raise RecordRefused(f"{key} missing")
    return value


def timestamp(obj: Mapping[str, Any], key: str) -> datetime | None:
    raw = obj.get(key)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise RecordRefused(f"{key} is not a timestamp")
    try:
        return parse_ts(raw)
    except ValueError:
        raise RecordRefused(f"{key} is not a timestamp: {raw[:40]!r}") from None


def require_timestamp(obj: Mapping[str, Any], key: str) -> datetime:
    value = timestamp(obj, key)
    if value is None:
        raise RecordRefused(f"{key} missing")
    return value


def tag_labels(tags: Any) -> dict[str, str]:
    """``["cluster=prod", "team:payments", "urgent"]`` → labels; a bare tag maps to itself."""
    labels: dict[str, str] = {}
    if not isinstance(tags, list):
        return labels
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            continue
        for separator in ("=", ":"):
            name, found, value = tag.partition(separator)
            if found and name.strip():
                labels.setdefault(name.strip(), value.strip())
                break
        else:
            labels.setdefault(tag.strip(), tag.strip())
    return labels


def string_values(obj: Any) -> dict[str, str]:
    if not isinstance(obj, dict):
        return {}
    return {str(key): value for key, value in obj.items() if isinstance(value, str) and value.strip()}


def alertmanager_payload(raw: Any) -> SourcePayload | None:
    """An Alertmanager webhook body, or one alert of it (what Alerta keeps as rawData), if ``raw``
    is one; a JSON string is decoded first. Anything else: None (the event has no envelope)."""
    if isinstance(raw, str | bytes):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(raw, dict):
        return None
    if isinstance(raw.get("alerts"), list) and isinstance(raw.get("version"), str):
        return SourcePayload("grafana" if "orgId" in raw else "alertmanager", raw)
    if isinstance(raw.get("labels"), dict) and raw.get("status") in ("firing", "resolved") and "startsAt" in raw:
        return SourcePayload("alertmanager", {"version": "4", "status": raw["status"], "alerts": [raw]})
    return None
