"""Step 1 of the recurrence read model (recurrence.py): the facts of each (project, recurrence key) —
its events, the runs linked to them, its latest live run, the matching playbook, its newest original
firing — read in a fixed number of statements and frozen."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.hub.envelope import recurrence_key as build_recurrence_key
from awooop.hub.envelope import work_item_id as build_work_item_id
from awooop.runs.playbooks import PlaybookSpec, match_attributes, match_playbook
from awooop.workitems import repository
from awooop.workitems.repository import LinkedRun, WindowEvent

REF_KINDS = ("sentry", "signoz", "alert")

Key = tuple[str, str]  # (project_id, recurrence_key)


@dataclass(frozen=True, slots=True)
class RecurrenceFacts:
    """The events of one (project, recurrence key), newest first, and what links to them."""

    project_id: str
    recurrence_key: str
    events: tuple[WindowEvent, ...]
    runs: tuple[LinkedRun, ...] = ()  # newest first
    linked_event_ids: frozenset[uuid.UUID] = frozenset()
    latest_live_run: LinkedRun | None = None  # L, however old
    playbook: PlaybookSpec | None = None  # looked up only for groups without a live run (rule 4)
    last_original_at: datetime | None = None  # the newest original firing classification must see
    # Original firings of the key before its events (rolled-up days), for a work item addressed by id.
    prior_originals: int = 0

    @property
    def latest(self) -> WindowEvent:
        return self.events[0]

    @property
    def aged_out(self) -> bool:
        """A work item found by id whose raw events are all gone (retention): only runs, records and
        rollups are left."""
        return not self.events

    @property
    def original_total(self) -> int:
        """Original (non-duplicate) firings among the events: what "recurrent" counts."""
        return sum(event.is_original_firing for event in self.events)

    @property
    def work_item_id(self) -> str:
        return build_work_item_id(self.project_id, self.recurrence_key)

    def playbook_attributes(self) -> dict[str, Any]:
        return match_attributes(self.latest)


@dataclass(frozen=True, slots=True)
class _RunLinks:
    runs: tuple[LinkedRun, ...]
    linked_event_ids: frozenset[uuid.UUID]
    latest_live_run: LinkedRun | None


def _group_key(event: WindowEvent) -> str:
    """Legacy events imported without a key get the one the hub would have built (SPEC §2)."""
    if event.recurrence_key:
        return event.recurrence_key
    return build_recurrence_key(
        event.provider or "unknown", event.fingerprint, event.alertname, event.namespace, event.target_resource
    )


def group_events(events: Sequence[WindowEvent]) -> dict[Key, list[WindowEvent]]:
    """Groups in first-seen order; ``events`` come newest first, so each group's list is newest first."""
    groups: dict[Key, list[WindowEvent]] = {}
    for event in events:
        groups.setdefault((event.project_id, _group_key(event)), []).append(event)
    return groups


def _representative(recurrence_key: str, events: Sequence[WindowEvent]) -> WindowEvent | None:
    """The newest event that carries the stored key (legacy events without one cannot find runs)."""
    return next((event for event in events if event.recurrence_key == recurrence_key), None)


def _run_of_each_event(events: Sequence[WindowEvent]) -> dict[uuid.UUID, uuid.UUID]:
    """Event id → run it is linked to; a duplicate counts as linked when its original is."""
    linked: dict[uuid.UUID, uuid.UUID] = {}
    for event in events:
        run_id = event.run_id or event.original_run_id
        if run_id is not None:
            linked[event.id] = run_id
    return linked


def _latest_live_run_id(key: Key, events: Sequence[WindowEvent]) -> uuid.UUID | None:
    representative = _representative(key[1], events)
    return representative.latest_live_run_id if representative is not None else None


async def _link_runs(
    session: AsyncSession, grouped: Mapping[Key, Sequence[WindowEvent]], window_start: datetime
) -> dict[Key, _RunLinks]:
    """For each group: the runs of its key created during the window, the runs its events (or their
    originals) are linked to, and its latest live run L, however old. One statement for every group."""
    run_of_event = _run_of_each_event([event for events in grouped.values() for event in events])
    live_ids = {key: _latest_live_run_id(key, events) for key, events in grouped.items()}
    keys_by_project: dict[str, list[str]] = {}
    for project_id, recurrence_key in grouped:
        keys_by_project.setdefault(project_id, []).append(recurrence_key)
    runs = await repository.fetch_group_runs(
        session,
        keys_by_project=keys_by_project,
        since=window_start,
        run_ids=set(run_of_event.values()) | {run_id for run_id in live_ids.values() if run_id is not None},
    )
    by_id = {run.id: run for run in runs}
    owned: dict[Key, dict[uuid.UUID, LinkedRun]] = {key: {} for key in grouped}
    linked: dict[Key, frozenset[uuid.UUID]] = {}
    for key, events in grouped.items():
        mine = owned[key]
        for event in events:
            run_id = run_of_event.get(event.id)
            if run_id is not None and run_id in by_id:
                mine[run_id] = by_id[run_id]
        linked[key] = frozenset(event.id for event in events if event.id in run_of_event)
    for run in runs:
        owner = owned.get((run.project_id, run.recurrence_key or ""))
        if owner is not None:
            owner[run.id] = run
    links: dict[Key, _RunLinks] = {}
    for key, mine in owned.items():
        live_id = live_ids[key]
        links[key] = _RunLinks(
            runs=tuple(sorted(mine.values(), key=lambda run: (run.created_at, run.id), reverse=True)),
            linked_event_ids=linked[key],
            latest_live_run=mine.get(live_id) if live_id is not None else None,
        )
    return links


async def _last_originals(
    session: AsyncSession,
    grouped: Mapping[Key, Sequence[WindowEvent]],
    links: Mapping[Key, _RunLinks],
    window_start: datetime,
) -> dict[Key, datetime | None]:
    """The newest original firing each classification must see: from the window, or from the database
    when the latest live run verified its repair before the window began (the window cannot tell what
    fired between that repair and its start)."""
    in_window = {
        key: next((event.received_at for event in events if event.is_original_firing), None)
        for key, events in grouped.items()
    }
    probes = [
        run.id
        for key, at in in_window.items()
        if at is None
        and (run := links[key].latest_live_run) is not None
        and run.finished_at is not None
        and run.repair_outcome == "verified"
        and run.finished_at < window_start
    ]
    if not probes:
        return in_window
    found = await repository.newest_original_firings_after_repairs(session, probes)
    return {key: at or found.get(key) for key, at in in_window.items()}


async def _match_playbooks(
    session: AsyncSession, grouped: Mapping[Key, Sequence[WindowEvent]], links: Mapping[Key, _RunLinks]
) -> dict[Key, PlaybookSpec | None]:
    """Playbooks matter for groups without a live run (rule 4): one statement for every project."""
    waiting = [key for key in grouped if links[key].latest_live_run is None]
    specs = await repository.fetch_playbook_specs(session, {project_id for project_id, _ in waiting})
    playbooks = {
        project_id: [PlaybookSpec.model_validate(spec) for spec in project_specs]
        for project_id, project_specs in specs.items()
    }
    return {key: match_playbook(playbooks[key[0]], match_attributes(grouped[key][0])) for key in waiting}


async def gather_facts(
    session: AsyncSession, grouped: Mapping[Key, Sequence[WindowEvent]], window_start: datetime
) -> list[RecurrenceFacts]:
    """The facts of every group of events (none of them empty), in three statements."""
    links = await _link_runs(session, grouped, window_start)
    last_originals = await _last_originals(session, grouped, links, window_start)
    playbooks = await _match_playbooks(session, grouped, links)
    return [
        RecurrenceFacts(
            project_id=key[0],
            recurrence_key=key[1],
            events=tuple(events),
            runs=links[key].runs,
            linked_event_ids=links[key].linked_event_ids,
            latest_live_run=links[key].latest_live_run,
            playbook=playbooks.get(key),
            last_original_at=last_originals[key],
        )
        for key, events in grouped.items()
    ]
