"""A throwaway provider, written the way a new provider module would be: a parser, a heartbeat
format and a ``ProviderSpec``. Tests register it for their own duration only (``registered``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from awooop.hub.providers import registry
from awooop.hub.providers._heartbeat import HeartbeatContext
from awooop.hub.providers.base import ParsedItem, PayloadSchemaError, ProviderSpec


def parse_uptime(body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
    """``{"monitor": "...", "status": "down" | "up", "checked_at": "..."}``: one item."""
    monitor = body.get("monitor") if isinstance(body, dict) else None
    if not isinstance(monitor, str) or not monitor:
        raise PayloadSchemaError("monitor", "must be a non-empty string")
    labels = {str(key): str(value) for key, value in (body.get("labels") or {}).items()}
    return [
        ParsedItem(
            content=body,
            provider_event_id=f"{monitor}@{body.get('checked_at')}",
            stage="resolved" if body.get("status") == "up" else "firing",
            channel_type="alert",
            alertname="UptimeCheckFailed",
            severity="critical",
            namespace=None,
            target_resource=monitor,
            fingerprint=str(body.get("fingerprint") or f"uptime:{monitor}"),
            provider_ts=None,
            labels=labels,
            summary=None,
            source_url=None,
            source_refs={},
            log_correlation={},
        )
    ]


def uptime_heartbeat(hb: HeartbeatContext) -> tuple[dict[str, Any], dict[str, str]]:
    body = {
        "monitor": "awooop-heartbeat",
        "status": "down",
        "checked_at": hb.iso,
        "fingerprint": hb.fingerprint,
        "labels": hb.labels,
    }
    return body, {}


SPEC = ProviderSpec(
    name="uptime",
    channel_type="alert",
    parse=parse_uptime,
    auth="intake_token",
    summary="Uptime check webhook",
    description="One check result per delivery. Auth: the project's intake token.",
    heartbeat=uptime_heartbeat,
)


@contextmanager
def registered(**changes: Any) -> Iterator[ProviderSpec]:
    """The uptime provider (with ``changes`` to its spec) known to the hub until the block ends."""
    spec = replace(SPEC, **changes)
    registry.register(spec)
    try:
        yield spec
    finally:
        registry.unregister(spec.name)
