"""When a silence stops covering a held-back firing: announce it and start its run, once —
what routing would have done, late (it lives here, not in silences/, so remediation alone
writes runs and notifications; silences only answer what covers what).

A periodic task (``run_release_worker``, started with the notification worker) looks at pending
suppressions. For each one whose incident is still open (so still firing) and whose event no
live silence covers any more — the silence was expired, ran out, or its recurring window closed —
it queues the ``incident_opened`` notification that routing held back and, when the key has no
unfinished run and a playbook matches the event, the run. An incident that resolved meanwhile is
dropped. The pending → released/dropped change is a conditional UPDATE in the same transaction as
the effects, so across any number of nodes exactly one transaction performs them (PostgreSQL
blocks the others on the row and they then find it settled; SQLite writers run one at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.config import Settings
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.core.outage import OutageLog
from awooop.models import ChannelEvent, Incident, Run, SilenceSuppression
from awooop.notify.outbox import NewMessage, enqueue
from awooop.remediation import repository
from awooop.remediation.events import CommittedEvent, committed_event
from awooop.remediation.payloads import approval_payload, opened_payload
from awooop.runs import service as runs
from awooop.runs.playbooks import list_playbooks, match_attributes, match_playbook
from awooop.runs.service import NewRun, RunWriter
from awooop.runs.states import AWAITING_APPROVAL, QUEUED
from awooop.silences import repository as silences
from awooop.silences.cache import build_index
from awooop.silences.compiled import SilenceIndex
from awooop.silences.intake import event_labels
from awooop.silences.metrics import ACTIVE_SILENCES, SUPPRESSIONS_SETTLED

log = logging.getLogger(__name__)
RELEASE_ACTOR = "awooop-silences"
BATCH = 100
POLL_SECONDS = 5.0
_gauged: set[str] = set()


async def _start_run(session: AsyncSession, event: CommittedEvent, incident: Incident, now: datetime) -> Run | None:
    key = incident.recurrence_key
    if key in await runs.unfinished_runs_by_key(session, incident.project_id, [key]):
        return None
    playbook = match_playbook(await list_playbooks(session, incident.project_id), match_attributes(event))
    if playbook is None:
        return None
    writer = RunWriter(session)
    run = writer.add(
        NewRun(
            project_id=incident.project_id,
            agent_id=playbook.agent_id,
            mode=playbook.mode,
            actor=RELEASE_ACTOR,
            at=now,
            path=(QUEUED, AWAITING_APPROVAL) if playbook.requires_approval else (QUEUED,),
            playbook_id=playbook.id,
            action=playbook.action,
            recurrence_key=key,
            incident_id=incident.id,
            trigger_event_id=event.id,
            note=f"playbook {playbook.id} matched {event.alertname or key}; held back by a silence until it ended",
        )
    )
    await writer.flush()
    await repository.link_run_if_unlinked(session, event.id, run.id)
    if playbook.requires_approval:
        payload = approval_payload(run, incident, event)
        await enqueue(session, [NewMessage(incident.project_id, "approval_wait", str(run.id), payload)])
    return run


async def _settle_one(  # noqa: PLR0917 - one pass's loaded rows, passed through
    session: AsyncSession,
    held: SilenceSuppression,
    incident: Incident | None,
    event: ChannelEvent | None,
    index: SilenceIndex,
    now: datetime,
) -> str | None:
    if incident is None or event is None or incident.status != "open":
        dropped = await silences.settle(session, held.id, state="dropped", at=now, outcome="incident resolved")
        return "dropped" if dropped else None
    if index.covering(event_labels(event), now) is not None:
        return None  # still (or again) silenced: keep holding
    if not await silences.settle(session, held.id, state="released", at=now, outcome="released"):
        return None  # another node released it
    snapshot = committed_event(event)
    run = await _start_run(session, snapshot, incident, now)
    if held.notify_owed:
        payload = {**opened_payload(incident, snapshot, run), "released_from_silence": str(held.silence_id)}
        await enqueue(session, [NewMessage(incident.project_id, "incident_opened", held.incident_id, payload)])
    await session.flush()
    return "released"


async def release_due(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    """One pass over pending suppressions in the caller's transaction; counts by outcome."""
    at = now or utcnow()
    pending = list(await silences.pending_suppressions(session, BATCH))
    counts: dict[str, int] = {}
    if not pending:
        return counts
    incidents = await silences.get_incidents(session, {(p.project_id, p.incident_id) for p in pending})
    events = await silences.get_events(session, {p.event_id for p in pending})
    projects = {p.project_id for p in pending}
    live = await silences.live_silences(session, projects, at)
    indexes = {project: build_index([s for s in live if s.project_id == project]) for project in projects}
    for held in pending:
        outcome = await _settle_one(
            session,
            held,
            incidents.get((held.project_id, held.incident_id)),
            events.get(held.event_id),
            indexes[held.project_id],
            at,
        )
        if outcome is not None:
            counts[outcome] = counts.get(outcome, 0) + 1
            SUPPRESSIONS_SETTLED.labels(outcome).inc()
    return counts


async def refresh_gauge(session: AsyncSession, now: datetime | None = None) -> None:
    counts = dict(await silences.count_active(session, now or utcnow()))
    for project in _gauged - set(counts):  # projects whose silences all ended read 0, not their last count
        ACTIVE_SILENCES.labels(project).set(0)
    for project, count in counts.items():
        ACTIVE_SILENCES.labels(project).set(count)
    _gauged.update(counts)


async def run_release_worker(
    db: Database, settings: Settings, stop: asyncio.Event, *, poll_seconds: float = POLL_SECONDS
) -> None:
    del settings  # same start-up signature as the notification worker
    outage = OutageLog("silence release", log)
    while not stop.is_set():
        pause = poll_seconds
        try:
            async with db.transaction() as session:
                await release_due(session)
                await refresh_gauge(session)
        except Exception as exc:  # noqa: BLE001 - the loop outlives any round; OutageLog logs it
            pause = outage.failed(exc, poll_seconds)
        else:
            outage.succeeded()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)
