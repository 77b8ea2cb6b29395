"""Runs: creation, the one door for state changes, reads, operator decisions and agent claims.

Returns pydantic models from ``runs.schemas``: ``RunRead`` (a run), ``RunDetailRead`` (a run with
its transitions, newest linked events and incident), ``RunPage`` (``items`` + opaque
``next_cursor``), ``ClaimRead`` (a claimed run with its trigger event and incident).

Invariants (runs/README.md): only ``transition()`` changes the state of an existing run; it locks
the row, checks ``runs.states``, stamps the times and appends history. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import utcnow
from awooop.core.cursor import decode_cursor, encode_cursor
from awooop.core.ids import uuid7
from awooop.errors import BadRequest, Forbidden, InvalidTransition, NotFound
from awooop.incidents import repository as incident_repository
from awooop.incidents.schemas import IncidentRead
from awooop.models import Run, RunTransition
from awooop.runs import repository
from awooop.runs.repository import UnfinishedRun
from awooop.runs.schemas import (
    ClaimRead,
    LinkedEventRead,
    RunAlertLabel,
    RunDetailRead,
    RunPage,
    RunRead,
    RunReportCreate,
    RunTransitionRead,
    TriggerEventRead,
)
from awooop.runs.states import (
    AWAITING_APPROVAL,
    CANCELLED,
    INITIAL,
    QUEUED,
    RUNNING,
    STATES,
    TERMINAL,
    check_transition,
)

LINKED_EVENT_LIMIT = 50
# The agent of the completed shadow run every provider heartbeat records (remediation.routing).
HEARTBEAT_AGENT = "awooop-heartbeat"
MAX_PAGE = 200
OUTCOME_STATES = frozenset({"completed", "failed"})


@dataclass(frozen=True, slots=True)
class NewRun:
    """A run to create. ``path`` lists the states it passes through at creation, starting with
    ``queued`` (e.g. ``("queued", "awaiting_approval")``); every hop is checked and recorded."""

    project_id: str
    agent_id: str
    mode: str
    actor: str
    at: datetime
    path: tuple[str, ...] = (INITIAL,)
    playbook_id: str | None = None
    action: str | None = None
    recurrence_key: str | None = None
    incident_id: str | None = None
    trigger_event_id: uuid.UUID | None = None
    note: str | None = None


def _stamp(run: Run, to_state: str, at: datetime) -> None:
    run.state = to_state
    run.updated_at = at
    if to_state == RUNNING and run.started_at is None:
        run.started_at = at
    if to_state in TERMINAL:
        run.finished_at = at


class RunWriter:
    """Creates runs in batches: ``add`` builds a run and its creation history, ``flush`` writes
    them all (one INSERT for the runs, one for the history rows)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._history: list[dict[str, object]] = []

    def add(self, spec: NewRun) -> Run:
        if not spec.path or spec.path[0] != INITIAL:
            raise ValueError(f"a run is created {INITIAL}, not {spec.path[:1]}")
        run = Run(
            id=uuid7(),
            project_id=spec.project_id,
            state=INITIAL,
            mode=spec.mode,
            agent_id=spec.agent_id,
            playbook_id=spec.playbook_id,
            action=spec.action,
            recurrence_key=spec.recurrence_key,
            incident_id=spec.incident_id,
            trigger_event_id=spec.trigger_event_id,
            created_at=spec.at,
            updated_at=spec.at,
        )
        hops: list[tuple[str | None, str]] = [(None, INITIAL)]
        for previous, following in zip(spec.path, spec.path[1:], strict=False):
            check_transition(previous, following)
            _stamp(run, following, spec.at)
            hops.append((previous, following))
        self._history.extend(
            {
                "run_id": run.id,
                "from_state": from_state,
                "to_state": to_state,
                "actor": spec.actor,
                "note": spec.note if from_state is None else None,
                "at": spec.at,
            }
            for from_state, to_state in hops
        )
        self.session.add(run)
        return run

    async def flush(self) -> None:
        await self.session.flush()
        if self._history:
            # Core executemany: the ORM would insert one row per statement to fetch each new id.
            await self.session.execute(insert(RunTransition), self._history)
            self._history = []


async def create_run(session: AsyncSession, spec: NewRun) -> RunRead:
    writer = RunWriter(session)
    run = writer.add(spec)
    await writer.flush()
    return RunRead.model_validate(run)


def _visible(run: Run | None, projects: Collection[str] | None) -> Run:
    # Another project's run is "not found", never "forbidden": ids must not leak across tenants.
    if run is None or (projects is not None and run.project_id not in projects):
        raise NotFound("run not found")
    return run


async def transition(
    session: AsyncSession,
    run_id: uuid.UUID,
    to_state: str,
    *,
    actor: str,
    note: str | None = None,
    repair_outcome: str | None = None,
    projects: Collection[str] | None = None,
    only_from: str | None = None,
) -> Run:
    """THE ONLY writer of a run's state: lock, check the table, stamp times, append history.

    ``only_from`` narrows the table for one decision (e.g. reject needs awaiting_approval, though
    the table also lets a queued run be cancelled); it is checked under the row lock."""
    if repair_outcome is not None and to_state not in OUTCOME_STATES:
        raise BadRequest(f"repair_outcome goes with completed or failed, not {to_state}", field="repair_outcome")
    run = _visible(await repository.lock_run(session, run_id), projects)
    if only_from is not None and run.state != only_from:
        raise InvalidTransition(
            f"this run is {run.state}, not {only_from}, so it cannot move to {to_state}",
            current_state=run.state,
            requested_state=to_state,
        )
    check_transition(run.state, to_state)
    at = utcnow()
    from_state = run.state
    _stamp(run, to_state, at)
    if repair_outcome is not None:
        run.repair_outcome = repair_outcome
    session.add(RunTransition(run_id=run.id, from_state=from_state, to_state=to_state, actor=actor, note=note, at=at))
    await session.flush()
    return run


async def list_runs(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    state: str | None = None,
    agent_id: str | None = None,
    recurrence_key: str | None = None,
    exclude_agent_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> RunPage:
    """Newest first. ``projects`` None = every project (the caller has checked the scope).
    ``exclude_agent_id`` leaves out one agent's runs (the console hides ``HEARTBEAT_AGENT``'s)."""
    if state is not None and state not in STATES:
        raise BadRequest(f"state must be one of {', '.join(STATES)}, not {state!r}", field="state")
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    before = None
    if cursor is not None:
        at, raw_id = decode_cursor(cursor)
        try:
            before = (at, uuid.UUID(str(raw_id)))
        except ValueError as exc:
            raise BadRequest("cursor does not belong to the runs list", field="cursor") from exc
    rows = await repository.list_runs(
        session,
        projects=projects,
        state=state,
        agent_id=agent_id,
        recurrence_key=recurrence_key,
        exclude_agent_id=exclude_agent_id,
        before=before,
        limit=limit + 1,
    )
    items = [RunRead.model_validate(r) for r in rows[:limit]]
    next_cursor = encode_cursor(items[-1].created_at, str(items[-1].id)) if len(rows) > limit else None
    return RunPage(items=items, limit=limit, next_cursor=next_cursor)


async def run_alert_labels(
    session: AsyncSession, run_ids: Collection[uuid.UUID], *, projects: Collection[str] | None
) -> dict[uuid.UUID, RunAlertLabel]:
    """Which alert each run is about, for a whole page of runs in one query: the trigger event's
    alertname, severity, namespace and target, else the incident's title (and severity).
    Runs outside ``projects`` and runs with neither are left out."""
    if not run_ids or (projects is not None and not projects):
        return {}
    labels = {}
    for run_id, alertname, severity, namespace, target, title, incident_severity in await repository.alert_labels(
        session, run_ids, projects
    ):
        if alertname or title:
            labels[run_id] = RunAlertLabel(
                alertname=alertname,
                severity=severity or incident_severity,
                namespace=namespace,
                target_resource=target,
                incident_title=title,
            )
    return labels


async def get_run_detail(
    session: AsyncSession, run_id: uuid.UUID, *, projects: Collection[str] | None
) -> RunDetailRead:
    """A run with its history, newest linked events and incident; NotFound outside ``projects``."""
    run = _visible(await repository.get_run(session, run_id), projects)
    transitions = await repository.list_transitions(session, run.id)
    events = await repository.list_linked_events(session, run.id, LINKED_EVENT_LIMIT + 1)
    incident = (
        await incident_repository.get_incident(session, run.project_id, run.incident_id) if run.incident_id else None
    )
    return RunDetailRead(
        **RunRead.model_validate(run).model_dump(),
        transitions=[RunTransitionRead.model_validate(t) for t in transitions],
        events=[LinkedEventRead.model_validate(e) for e in events[:LINKED_EVENT_LIMIT]],
        events_truncated=len(events) > LINKED_EVENT_LIMIT,
        incident=IncidentRead.model_validate(incident) if incident is not None else None,
    )


async def approve_run(
    session: AsyncSession, run_id: uuid.UUID, *, projects: Collection[str] | None, actor: str, note: str | None = None
) -> RunDetailRead:
    """awaiting_approval → queued, recorded with the operator as actor."""
    await transition(
        session, run_id, QUEUED, actor=actor, note=note or "approved", projects=projects, only_from=AWAITING_APPROVAL
    )
    return await get_run_detail(session, run_id, projects=projects)


async def reject_run(
    session: AsyncSession, run_id: uuid.UUID, *, projects: Collection[str] | None, actor: str, note: str | None = None
) -> RunDetailRead:
    """awaiting_approval → cancelled, recorded with the operator as actor."""
    await transition(
        session, run_id, CANCELLED, actor=actor, note=note or "rejected", projects=projects, only_from=AWAITING_APPROVAL
    )
    return await get_run_detail(session, run_id, projects=projects)


async def cancel_run(
    session: AsyncSession, run_id: uuid.UUID, *, projects: Collection[str] | None, actor: str, note: str | None = None
) -> RunDetailRead:
    """Withdraw an unfinished run (queued, awaiting approval or running)."""
    await transition(session, run_id, CANCELLED, actor=actor, note=note or "cancelled by operator", projects=projects)
    return await get_run_detail(session, run_id, projects=projects)


async def claim_next_run(
    session: AsyncSession, agent_id: str, *, projects: Collection[str] | None, actor: str
) -> ClaimRead | None:
    """Move the oldest queued run of ``agent_id`` to running; None when there is none.

    Two claimers never get the same run: PostgreSQL skips rows another claimer has locked;
    SQLite writer transactions run one at a time (BEGIN IMMEDIATE)."""
    run_id = await repository.lock_oldest_queued(session, agent_id, projects)
    if run_id is None:
        return None
    run = await transition(session, run_id, RUNNING, actor=actor, note="claimed", projects=projects)
    event = await repository.get_event(session, run.trigger_event_id) if run.trigger_event_id else None
    incident = (
        await incident_repository.get_incident(session, run.project_id, run.incident_id) if run.incident_id else None
    )
    return ClaimRead(
        run=RunRead.model_validate(run),
        trigger_event=TriggerEventRead.model_validate(event) if event is not None else None,
        incident=IncidentRead.model_validate(incident) if incident is not None else None,
        dossier_path=f"/api/v1/platform/events/dossier?project_id={run.project_id}&run_id={run.id}",
    )


async def report_run(
    session: AsyncSession,
    run_id: uuid.UUID,
    report: RunReportCreate,
    *,
    projects: Collection[str] | None,
    actor: str,
    as_agent: str | None,
) -> RunRead:
    """An agent's report. ``as_agent`` None (an admin key) may report on any agent's run."""
    run = _visible(await repository.get_run(session, run_id), projects)
    if as_agent is not None and run.agent_id != as_agent:
        raise Forbidden(f"run {run_id} belongs to agent {run.agent_id!r}; key of {as_agent!r} cannot report on it")
    updated = await transition(
        session,
        run_id,
        report.state,
        actor=actor,
        note=report.note,
        repair_outcome=report.repair_outcome,
        projects=projects,
    )
    return RunRead.model_validate(updated)


async def unfinished_runs_by_key(
    session: AsyncSession, project_id: str, keys: Collection[str]
) -> dict[str, UnfinishedRun]:
    """The newest unfinished run of each recurrence key (routing links new events to it)."""
    return await repository.unfinished_runs_by_key(session, project_id, keys)
