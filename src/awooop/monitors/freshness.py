"""Provider freshness as monitors, fed by the evaluator from the freshness read model (never from the
intake hot path): a ``freshness`` monitor's pings are the provider's newest real event, a
``synthetic`` monitor's the newest recorded synthetic heartbeat (``awooop heartbeat --every S`` or
the console button; a heartbeat that fails is not recorded, so silence means the intake path for
that provider is broken). One read per pass (one index probe per project, provider and stage), only
when such monitors exist; a signal is recorded only when newer than the monitor's last ping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import as_utc
from awooop.dossier.freshness import collect_freshness
from awooop.monitors import repository, service


@dataclass(frozen=True, slots=True)
class Signal:
    project_id: str
    name: str
    at: datetime


async def pending_signals(session: AsyncSession) -> list[Signal]:
    """Provider monitors whose provider has a signal newer than their last ping (read only)."""
    monitors = await repository.list_provider_monitors(session)
    if not monitors:
        return []
    entries = await collect_freshness(session, sorted({m.project_id for m in monitors}))
    latest = {(e.project_id, e.provider): (e.last_event_at, e.last_heartbeat_at) for e in entries}
    found: list[Signal] = []
    for monitor in sorted(monitors, key=lambda m: (m.project_id, m.name)):
        event_at, heartbeat_at = latest.get((monitor.project_id, monitor.provider or ""), (None, None))
        signal = event_at if monitor.kind == "freshness" else heartbeat_at
        if signal is not None and (monitor.last_ping_at is None or as_utc(monitor.last_ping_at) < as_utc(signal)):
            found.append(Signal(monitor.project_id, monitor.name, as_utc(signal)))
    return found


async def record_signals(session: AsyncSession, signals: list[Signal]) -> None:
    """Ping with each signal; one another evaluator already recorded is skipped by the UPDATE itself."""
    for signal in signals:
        await service.record_ping(session, signal.project_id, signal.name, signal.at, newer_only=True)
