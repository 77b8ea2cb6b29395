"""Provider freshness as monitors, fed by the evaluator from the freshness read model (never from the
intake hot path): a ``freshness`` monitor's pings are the provider's newest real event, a
``synthetic`` monitor's the newest recorded synthetic heartbeat (``awooop heartbeat --every S`` or
the console button; a heartbeat that fails is not recorded, so silence means the intake path for
that provider is broken). One read per pass (one index probe per project, provider and stage), only
when such monitors exist; a signal is recorded only when newer than the monitor's last ping.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.dossier.freshness import collect_freshness
from awooop.monitors import repository, service


async def sync_provider_monitors(session: AsyncSession) -> int:
    """Ping provider monitors with their provider's newest signal; how many moved."""
    monitors = await repository.list_provider_monitors(session)
    if not monitors:
        return 0
    entries = await collect_freshness(session, sorted({m.project_id for m in monitors}))
    latest = {(e.project_id, e.provider): (e.last_event_at, e.last_heartbeat_at) for e in entries}
    moved = 0
    for monitor in sorted(monitors, key=lambda m: (m.project_id, m.name)):
        event_at, heartbeat_at = latest.get((monitor.project_id, monitor.provider or ""), (None, None))
        signal = event_at if monitor.kind == "freshness" else heartbeat_at
        if signal is None:
            continue
        if await service.record_ping(session, monitor.project_id, monitor.name, signal, newer_only=True) is not None:
            moved += 1
    return moved
