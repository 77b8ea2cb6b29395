"""The Watchdog pattern: an always-firing alert (Prometheus ships ``Watchdog``) proves the path
Prometheus → Alertmanager → AwoooP is alive. Such an alert from alertmanager, signoz or grafana is
a ping of the monitor ``<provider>-watchdog`` (created on first sight) and is never routed: no
incident, no run, no notification. It is still stored as an event, and every delivery counts —
duplicates too, because Alertmanager repeats a firing alert with the same identity, so its repeats
are exactly the duplicates the hub stores.

The hub calls ``divert`` once per stored batch; without a Watchdog row it costs one comparison per
row and no query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.config import Settings
from awooop.core.clock import as_utc
from awooop.hub.providers import WATCHDOG_PROVIDERS
from awooop.monitors import repository, service
from awooop.monitors.schemas import MonitorCreate

PROVIDERS = frozenset(WATCHDOG_PROVIDERS)
_ALERTNAME = itemgetter("alertname")
_config: dict[str, Any] = {"alertname": "Watchdog", "interval": 300, "grace": 300}


def configure(settings: Settings) -> None:
    """Per process, from the settings (``AWOOOP_WATCHDOG_*``)."""
    _config["alertname"] = settings.watchdog_alertname
    _config["interval"] = settings.watchdog_interval_seconds
    _config["grace"] = settings.watchdog_grace_seconds


def monitor_name(provider: str) -> str:
    return f"{provider}-watchdog"


def _is_watchdog(row: dict[str, Any], alertname: str) -> bool:
    return row["alertname"] == alertname and row["provider"] in PROVIDERS


async def divert(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The originals to route: ``rows`` minus duplicates and Watchdog alerts, whose firing
    deliveries (originals and duplicates) are recorded as pings."""
    alertname = str(_config["alertname"])
    # The hot path: one string comparison per row (in C: `in` over a map), no query.
    if alertname not in map(_ALERTNAME, rows):
        return [row for row in rows if not row["is_duplicate"]]
    latest: dict[tuple[str, str], datetime] = {}
    for row in rows:
        if _is_watchdog(row, alertname) and row["stage"] == "firing":
            key = (row["project_id"], row["provider"])
            at = as_utc(row["received_at"])
            latest[key] = max(at, latest.get(key, at))
    for (project_id, provider), at in sorted(latest.items()):
        await _ping(session, project_id, provider, at)
    return [row for row in rows if not row["is_duplicate"] and not _is_watchdog(row, alertname)]


async def _ping(session: AsyncSession, project_id: str, provider: str, at: datetime) -> None:
    name = monitor_name(provider)
    if await service.record_ping(session, project_id, name, at) is not None:
        return
    spec = MonitorCreate(
        name=name,
        interval_seconds=int(_config["interval"]),
        grace_seconds=int(_config["grace"]),
        description=f"{provider} {_config['alertname']} alert: the path from the alert source to AwoooP is alive",
        alert_message=f"No {_config['alertname']} alert from {provider}: the alerting pipeline may be down",
    )
    await repository.insert_missing(session, [service.new_row(project_id, spec, kind=service.WATCHDOG, now=at)])
    await service.record_ping(session, project_id, name, at)
