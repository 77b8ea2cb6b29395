"""Heartbeat monitors: create, change, pause, ping, expire. Services flush, never commit.

States: ``new`` (never pinged: nothing to miss yet), ``up`` (pinged; expires at its deadline),
``expired`` (the deadline passed: an incident is open), ``paused`` (disabled: never alerts; pings
are still recorded). A ping moves new/up/expired to ``up`` (paused stays paused) and resolves the
open incident. Expiry opens the incident through the incidents' own writes
(``incidents.service``: one open incident per recurrence key ``hb:<project>:<name>``) and queues
``monitor_expired``; the resolving ping queues ``monitor_recovered`` (dedupe key per incident).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core import clock
from awooop.core.clock import as_utc
from awooop.core.ids import uuid7
from awooop.errors import BadRequest, Conflict, NotFound
from awooop.incidents import service as incidents
from awooop.incidents.service import TITLE_MAX, NewIncident
from awooop.models import Monitor
from awooop.monitors import repository
from awooop.monitors.repository import EXPIRED, NEW, PAUSED, UP
from awooop.monitors.schemas import MonitorCreate, MonitorRead, MonitorUpdate
from awooop.notify.outbox import NewMessage, enqueue

WATCHDOG = "watchdog"
DEFAULT_GRACE_SECONDS = 60
DEFAULT_SEVERITY = "critical"
DEFAULT_PRIORITY = "P3"
EVALUATE_BATCH = 100


def recurrence_key(project_id: str, name: str) -> str:
    return f"hb:{project_id}:{name}"


def ping_path(project_id: str, name: str) -> str:
    return f"/api/v1/hub/{project_id}/heartbeats/{quote(name, safe='')}/ping"


def incident_title(monitor: Monitor) -> str:
    message = monitor.alert_message or f"{monitor.name} is expired"
    return f"Heartbeat {monitor.name} missed: {message}"[:TITLE_MAX]


def deadline_of(monitor: Monitor) -> datetime | None:
    if monitor.deadline_ms is None:
        return None
    return datetime.fromtimestamp(monitor.deadline_ms / 1000, tz=UTC)


def to_read(monitor: Monitor, now: datetime | None = None) -> MonitorRead:
    now = now or clock.utcnow()
    last = as_utc(monitor.last_ping_at) if monitor.last_ping_at else None
    return MonitorRead(
        project_id=monitor.project_id,
        name=monitor.name,
        kind=monitor.kind,
        provider=monitor.provider,
        description=monitor.description,
        interval_seconds=monitor.interval_seconds,
        grace_seconds=monitor.grace_seconds,
        enabled=monitor.enabled,
        alert_message=monitor.alert_message,
        severity=monitor.severity,
        labels=dict(monitor.labels or {}),
        owner_team=monitor.owner_team,
        tags=list(monitor.tags or []),
        priority=monitor.priority,
        state=monitor.state,
        last_ping_at=last,
        last_ping_age_seconds=None if last is None else max(0.0, (now - last).total_seconds()),
        deadline=deadline_of(monitor),
        open_incident_id=monitor.open_incident_id,
        ping_count=monitor.ping_count,
        ping_path=ping_path(monitor.project_id, monitor.name),
        created_at=as_utc(monitor.created_at),
        updated_at=as_utc(monitor.updated_at),
    )


def new_row(
    project_id: str,
    spec: MonitorCreate,
    *,
    kind: str | None = None,
    now: datetime,
    grace_default: int = DEFAULT_GRACE_SECONDS,
) -> dict[str, Any]:
    """A monitors row (every column) for ``spec``; it starts ``new`` (or ``paused``)."""
    if spec.interval_seconds is None:
        raise BadRequest("interval_seconds is required", field="interval_seconds")
    enabled = True if spec.enabled is None else spec.enabled
    return {
        "id": uuid7(),
        "project_id": project_id,
        "name": spec.name,
        "kind": kind or spec.kind,
        "provider": spec.provider,
        "description": spec.description,
        "interval_seconds": spec.interval_seconds,
        "grace_seconds": grace_default if spec.grace_seconds is None else spec.grace_seconds,
        "enabled": enabled,
        "alert_message": spec.alert_message,
        "severity": spec.severity or DEFAULT_SEVERITY,
        "labels": spec.labels or {},
        "owner_team": spec.owner_team,
        "tags": spec.tags or [],
        "priority": spec.priority or DEFAULT_PRIORITY,
        "state": NEW if enabled else PAUSED,
        "last_ping_at": None,
        "deadline_ms": None,
        "open_incident_id": None,
        "ping_count": 0,
        "created_at": now,
        "updated_at": now,
    }


async def create_monitor(
    session: AsyncSession, project_id: str, spec: MonitorCreate, *, grace_default: int = DEFAULT_GRACE_SECONDS
) -> Monitor:
    if not await repository.project_exists(session, project_id):
        raise NotFound(f"project {project_id!r} not found")
    if await repository.get_monitor(session, project_id, spec.name) is not None:
        raise Conflict(f"monitor {spec.name!r} already exists in project {project_id!r}")
    row = new_row(project_id, spec, now=clock.utcnow(), grace_default=grace_default)
    await repository.insert_missing(session, [row])
    return await require_monitor(session, project_id, spec.name)


async def require_monitor(session: AsyncSession, project_id: str, name: str, *, lock: bool = False) -> Monitor:
    if lock:
        found = await repository.lock_monitor(session, project_id, name)
    else:
        found = await repository.get_monitor(session, project_id, name)
    if found is None:
        raise NotFound(f"monitor {name!r} not found in project {project_id!r}", reason="monitor_not_found")
    return found


async def list_monitors(session: AsyncSession, projects: Collection[str] | None) -> Sequence[Monitor]:
    return await repository.list_monitors(session, projects)


def _rearm(monitor: Monitor, now: datetime) -> None:
    """Enabled again (or re-timed): a fresh deadline from now when it was ever pinged."""
    if monitor.state == EXPIRED:
        return  # still missing: only a ping ends an expiry
    if monitor.last_ping_at is None:
        monitor.state, monitor.deadline_ms = NEW, None
        return
    monitor.state = UP
    monitor.deadline_ms = repository.epoch_ms(now) + (monitor.interval_seconds + monitor.grace_seconds) * 1000


async def update_monitor(session: AsyncSession, project_id: str, name: str, change: MonitorUpdate) -> Monitor:
    monitor = await require_monitor(session, project_id, name, lock=True)
    values = change.model_dump(exclude_unset=True)
    enabled = values.pop("enabled", None)
    for field, value in values.items():
        if value is None and field in {"interval_seconds", "grace_seconds", "severity", "priority"}:
            continue
        empty: object = {} if field == "labels" else []
        setattr(monitor, field, empty if value is None and field in {"labels", "tags"} else value)
    now = clock.utcnow()
    if enabled is not None and enabled != monitor.enabled:
        await _set_enabled(monitor, enabled, now)
    elif monitor.state == UP and ("interval_seconds" in values or "grace_seconds" in values):
        _rearm(monitor, now)
    monitor.updated_at = now
    await session.flush()
    return monitor


async def _set_enabled(monitor: Monitor, enabled: bool, now: datetime) -> None:
    monitor.enabled = enabled
    if not enabled:
        # Paused: never alerts. An incident already open stays open until a ping resolves it.
        monitor.state = PAUSED
        monitor.deadline_ms = None
    else:
        monitor.state = EXPIRED if monitor.open_incident_id else UP
        _rearm(monitor, now)


async def set_enabled(session: AsyncSession, project_id: str, name: str, *, enabled: bool) -> Monitor:
    """Pause (``enabled=False``) or resume; resuming starts a fresh interval from now."""
    monitor = await require_monitor(session, project_id, name, lock=True)
    now = clock.utcnow()
    if monitor.enabled != enabled:
        await _set_enabled(monitor, enabled, now)
        monitor.updated_at = now
        await session.flush()
    return monitor


async def delete_monitor(session: AsyncSession, project_id: str, name: str) -> None:
    """Delete; an incident it holds open is resolved with it (quietly: nobody is waiting for a ping)."""
    monitor = await require_monitor(session, project_id, name, lock=True)
    if monitor.open_incident_id:
        await _resolve(session, monitor, clock.utcnow(), notify=False)
    await repository.delete_monitor(session, monitor.id)


async def record_ping(
    session: AsyncSession, project_id: str, name: str, at: datetime | None = None, *, newer_only: bool = False
) -> str | None:
    """One UPDATE; the monitor's new state, or None when the project has no monitor ``name``
    (``newer_only``: or its last ping is not older than ``at``). A ping of an expired monitor
    resolves its incident and queues ``monitor_recovered``."""
    now = at or clock.utcnow()
    pinged = await repository.ping(session, project_id, name, now, newer_only=newer_only)
    if pinged is None:
        return None
    if pinged.open_incident_id is not None:
        monitor = await repository.lock_monitor_by_id(session, pinged.id)
        if monitor is not None and monitor.open_incident_id:
            await _resolve(session, monitor, now, notify=True)
    return pinged.state


async def _resolve(session: AsyncSession, monitor: Monitor, now: datetime, *, notify: bool) -> None:
    incident_id = monitor.open_incident_id
    assert incident_id is not None
    key = recurrence_key(monitor.project_id, monitor.name)
    found = (await incidents.lock_open_incidents(session, monitor.project_id, [key])).get(key)
    if found is not None and found.id == incident_id:
        now = max(now, as_utc(found.opened_at))  # a provider signal may predate the expiry by a moment
        found.resolve(now)
        await incidents.save_incidents(session, [found])
        if notify:
            payload = {
                **_payload(monitor, incident_id),
                "opened_at": as_utc(found.opened_at).isoformat(),
                "resolved_at": now.isoformat(),
            }
            await enqueue(session, [NewMessage(monitor.project_id, "monitor_recovered", incident_id, payload)])
    await repository.clear_open_incident(session, monitor.id, incident_id)
    monitor.open_incident_id = None


def _payload(monitor: Monitor, incident_id: str) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "monitor": monitor.name,
        "title": incident_title(monitor),
        "severity": monitor.severity,
        "priority": monitor.priority,
        "owner_team": monitor.owner_team,
        "tags": list(monitor.tags or []),
        "recurrence_key": recurrence_key(monitor.project_id, monitor.name),
        "interval_seconds": monitor.interval_seconds,
        "grace_seconds": monitor.grace_seconds,
        "last_ping_at": as_utc(monitor.last_ping_at).isoformat() if monitor.last_ping_at else None,
    }


async def expire_due(session: AsyncSession, now: datetime | None = None, *, limit: int = EVALUATE_BATCH) -> int:
    """Expire the monitors past their deadline: one incident and one ``monitor_expired`` each.

    The due rows are locked and skipped by concurrent evaluators, and the state moves to
    ``expired`` in the same transaction, so each missed deadline is handled exactly once."""
    now = now or clock.utcnow()
    due = await repository.lock_due(session, now, limit)
    if not due:
        return 0
    new = [
        NewIncident(
            project_id=m.project_id,
            title=incident_title(m),
            severity=m.severity,
            recurrence_key=recurrence_key(m.project_id, m.name),
            firing_marker=recurrence_key(m.project_id, m.name),
            opened_at=now,
        )
        for m in due
    ]
    opened = {(i.project_id, i.recurrence_key): i.id for i in await incidents.open_incidents(session, new)}
    messages: list[NewMessage] = []
    for monitor in due:
        key = recurrence_key(monitor.project_id, monitor.name)
        incident_id = opened.get((monitor.project_id, key))
        if incident_id is None:  # one is already open for this key (left by a deleted namesake): reuse it
            existing = await incidents.lock_open_incidents(session, monitor.project_id, [key])
            incident_id = existing[key].id if key in existing else None
        monitor.state, monitor.open_incident_id, monitor.updated_at = EXPIRED, incident_id, now
        if incident_id is not None and incident_id in opened.values():
            payload = {**_payload(monitor, incident_id), "opened_at": now.isoformat()}
            messages.append(NewMessage(monitor.project_id, "monitor_expired", incident_id, payload))
    await session.flush()
    await enqueue(session, messages)
    return len(due)
