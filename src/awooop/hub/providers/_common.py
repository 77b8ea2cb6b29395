"""Helpers shared by the provider parsers: field checks, timestamps, severity, correlation ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from awooop.hub.providers.base import PayloadSchemaError, Severity

_SEVERITY: dict[str, Severity] = {
    **dict.fromkeys(("critical", "crit", "fatal", "page", "p1", "p0", "sev1", "emergency"), "critical"),
    **dict.fromkeys(("error", "err", "high", "major", "p2", "sev2"), "error"),
    **dict.fromkeys(("warning", "warn", "medium", "minor", "p3", "sev3"), "warning"),
    **dict.fromkeys(("info", "informational", "low", "none", "debug", "notice", "p4", "p5"), "info"),
}

# Correlation aliases, matched after lower-casing and dropping "-", "_", "." and spaces, so that
# trace_id / traceId / trace.id / TraceID all meet. Lower rank wins; ties keep the first source.
_KEY_FOLD = str.maketrans("", "", "-_. ")
_CORRELATION_ALIASES: dict[str, tuple[str, int]] = {
    "traceid": ("trace_id", 0),
    "spanid": ("span_id", 0),
    "requestid": ("request_id", 0),
    "xrequestid": ("request_id", 1),
    "service": ("service", 0),
    "servicename": ("service", 1),
    "pod": ("pod", 0),
    "podname": ("pod", 1),
    "k8spodname": ("pod", 1),
    "container": ("container", 0),
    "containername": ("container", 1),
    "k8scontainername": ("container", 1),
    "host": ("host", 0),
    "hostname": ("host", 1),  # also host.name
    "servername": ("host", 2),  # Sentry's server_name tag
    "instance": ("host", 3),  # host part only (see _host_of)
}
_INSTANCE_RANK = 3
# Label names repeat across alerts: remember each name's alias (or None); bounded because the
# names come from senders.
_ALIAS_CACHE: dict[str, tuple[str, int] | None] = {}
_ALIAS_CACHE_LIMIT = 4096


def require_object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadSchemaError(field, "must be a JSON object")
    return value


def opt_str(obj: Mapping[str, Any], key: str, field: str) -> str | None:
    """The string at ``key``; None when absent or null; 422 for any other type."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise PayloadSchemaError(field, "must be a string")


def nonempty(value: Any) -> str | None:
    """A non-blank string or None (lenient reader for optional, display-only fields)."""
    if isinstance(value, str) and value.strip():
        return value
    return None


def id_str(value: Any) -> str | None:
    """Provider ids arrive as strings or integers; booleans are not ids."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def str_map(value: Any, field: str, *, required: bool) -> dict[str, str]:
    """A flat string→string object (labels, annotations); 422 names the offending key."""
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise PayloadSchemaError(field, "must be an object of strings")
    if all(type(v) is str for v in value.values()):
        return value
    bad = next(k for k, v in value.items() if type(v) is not str)
    raise PayloadSchemaError(f"{field}.{bad}", "must be a string")


def http_url(value: Any) -> str | None:
    """Keep only http(s) links: refs are rendered as hrefs, so no javascript: or data: URLs."""
    if isinstance(value, str) and value[:8].lower().startswith(("http://", "https://")):
        return value
    return None


def parse_ts(value: str) -> datetime | None:
    """ISO-8601 (any offset, up to 9 fractional digits) → aware UTC; Go's zero time → None.

    Raises ValueError for text that is not a timestamp; naive times are taken as UTC.
    """
    parsed = datetime.fromisoformat(value)
    if parsed.year <= 1:  # Go zero time 0001-01-01T00:00:00Z means "not set"
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 9999 with a negative offset
        raise ValueError(value) from None


def lenient_ts(value: Any) -> datetime | None:
    """Optional display timestamp: ISO text or Unix seconds; anything unreadable → None."""
    if isinstance(value, str):
        try:
            return parse_ts(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_ts(value)
    return None


def epoch_ts(value: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def severity_of(raw: Any) -> Severity | None:
    """Normalise a provider severity; missing → None, unrecognised → warning (see docs)."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    return _SEVERITY.get(raw.strip().lower(), "warning")


def first_of(mapping: Mapping[str, str], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = mapping.get(key)
        if value and value.strip():
            return value
    return None


def _host_of(instance: str) -> str | None:
    """``10.0.0.1:9100`` → ``10.0.0.1``; ``[::1]:9100`` → ``::1``; URLs → their host."""
    if "://" in instance:
        return urlsplit(instance).hostname
    if instance.startswith("["):
        return instance[1 : instance.find("]")] or None
    host, sep, port = instance.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host or None
    return instance


def _alias(key: str) -> tuple[str, int] | None:
    try:
        return _ALIAS_CACHE[key]
    except KeyError:
        hit = _CORRELATION_ALIASES.get(key.translate(_KEY_FOLD).lower())
        if len(_ALIAS_CACHE) < _ALIAS_CACHE_LIMIT:
            _ALIAS_CACHE[key] = hit
        return hit


def correlation(*sources: Mapping[str, Any]) -> dict[str, str]:
    """Pick trace/span/request ids, service, pod, container, host from flat maps (first wins ties)."""
    best: dict[str, tuple[int, str]] = {}
    for source in sources:
        for key, value in source.items():
            hit = _alias(key)
            if hit is None or not isinstance(value, str) or not value.strip():
                continue
            name, rank = hit
            if name in best and best[name][0] <= rank:
                continue
            found = _host_of(value.strip()) if rank == _INSTANCE_RANK else value.strip()
            if found:
                best[name] = (rank, found)
    return {name: value for name, (_, value) in best.items()}


def present(**values: str | None) -> dict[str, str]:
    """Keyword arguments that hold a value (labels built from optional fields)."""
    return {key: value for key, value in values.items() if value}


def compact_refs(groups: Mapping[str, Mapping[str, str | None]]) -> dict[str, dict[str, str]]:
    """Drop empty values and empty groups: only real links and ids count as refs."""
    out: dict[str, dict[str, str]] = {}
    for group, refs in groups.items():
        kept = {key: value for key, value in refs.items() if value}
        if kept:
            out[group] = kept
    return out
