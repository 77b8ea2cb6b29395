"""Prometheus Alertmanager webhook (payload version 4): one item per alert."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awooop.hub.providers._common import compact_refs
from awooop.hub.providers._heartbeat import alertmanager_heartbeat
from awooop.hub.providers._prometheus import AlertView, Flavor, alert_refs, parse_family
from awooop.hub.providers.base import INTAKE_AUTH_DOC, ParsedItem, ProviderSpec


def _refs(view: AlertView) -> dict[str, dict[str, str]]:
    return compact_refs({"alert": alert_refs(view, with_silence=True)})


_FLAVOR = Flavor(title="Alertmanager", refs=_refs)


def parse_alertmanager(body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
    """Alertmanager does not sign bodies; its headers carry nothing the items need."""
    return parse_family(body, _FLAVOR)


SPEC = ProviderSpec(
    name="alertmanager",
    channel_type="alert",
    parse=parse_alertmanager,
    auth="intake_token",
    summary="Prometheus Alertmanager webhook",
    description=f"`webhook_config` payload version 4; one event per alert. Auth: {INTAKE_AUTH_DOC}.",
    forwards_watchdog=True,
    heartbeat=alertmanager_heartbeat,
)
