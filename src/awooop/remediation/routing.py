"""Routing of original events inside the intake transaction (SPEC §3 "Routing").

``route_project`` takes the ORIGINAL events of one project in the batch being stored, possibly of
many deliveries, before the hub inserts them. Events are handled in order (a firing then a
resolved of one key in one batch works), with batched lookups: one query for the open incidents of
every key in the batch, one for their unfinished runs, the project's playbooks once (only when a
firing needs them; the hub passes a short-lived per-process ``PlaybookCache``), one INSERT for the
incidents the batch opens (ids included), one UPDATE for the incidents it changed, one INSERT for
the notifications. Incidents are written through ``incidents.service``, runs through
``runs.service`` (``RunWriter``), notifications through ``notify.outbox``. The events' own links
(run, incident, silence) are returned: the hub stores them in the rows it inserts after routing,
so no event row is written twice.

* heartbeat → one completed shadow run (agent ``awooop-heartbeat``, queued→running→completed
  in its history, no repair outcome); no incident, no notification.
* firing → the open incident of its recurrence key, or a new one (``incident_opened``); then the
  unfinished run of the key if there is one, else a run from the first matching playbook
  (``approval_wait`` when it needs approval).
* resolved → the incident resolves once its fingerprint stops firing (``incident_resolved``); the
  event is linked to the key's unfinished run, if any.
* message / edited (chat) → stored only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import as_utc
from awooop.incidents import service as incidents
from awooop.incidents.service import NewIncident, OpenIncident
from awooop.models import Run
from awooop.notify.outbox import NewMessage, enqueue
from awooop.remediation.caches import PlaybookCache
from awooop.remediation.events import CommittedEvent, EventLink
from awooop.remediation.payloads import (
    approval_payload,
    incident_title,
    opened_payload,
    resolved_payload,
)
from awooop.runs import service as runs
from awooop.runs.playbooks import PlaybookSpec, list_playbooks, match_attributes, match_playbook
from awooop.runs.repository import UnfinishedRun
from awooop.runs.service import HEARTBEAT_AGENT, NewRun, RunWriter
from awooop.runs.states import AWAITING_APPROVAL, COMPLETED, QUEUED, RUNNING
from awooop.silences import intake as silences

ROUTER_ACTOR = "awooop-router"
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "critical": 3}


@dataclass
class _Batch:
    session: AsyncSession
    project_id: str
    cache: PlaybookCache | None = None
    open_incidents: dict[str, OpenIncident] = field(default_factory=dict)
    touched: list[OpenIncident] = field(default_factory=list)  # every incident seen, for the write-back
    opened_here: set[str] = field(default_factory=set)  # incident ids this batch opened
    unfinished: dict[str, Run | UnfinishedRun] = field(default_factory=dict)
    playbooks: list[PlaybookSpec] | None = None
    links: dict[uuid.UUID, EventLink] = field(default_factory=dict)
    messages: list[NewMessage] = field(default_factory=list)
    silences: silences.BatchSilences | None = None  # None: the project has no live silence
    writer: RunWriter = field(init=False)

    def __post_init__(self) -> None:
        self.writer = RunWriter(self.session)

    def link(self, event: CommittedEvent, *, run_id: uuid.UUID | None = None, incident_id: str | None = None) -> None:
        link = self.links.setdefault(event.id, EventLink())
        if run_id is not None:
            link.run_id = run_id
        if incident_id is not None:
            link.incident_id = incident_id

    async def matching_playbook(self, event: CommittedEvent) -> PlaybookSpec | None:
        if self.playbooks is None:
            if self.cache is not None:
                self.playbooks = await self.cache.get(self.session, self.project_id)
            else:
                self.playbooks = await list_playbooks(self.session, self.project_id)
        if not self.playbooks:
            return None
        return match_playbook(self.playbooks, match_attributes(event))

    def track(self, incidents: dict[str, OpenIncident]) -> None:
        self.open_incidents.update(incidents)
        self.touched.extend(incidents.values())


def _new_incident(project_id: str, event: CommittedEvent) -> NewIncident:
    return NewIncident(
        project_id=project_id,
        title=incident_title(event),
        severity=event.severity,
        recurrence_key=event.recurrence_key or "",
        firing_marker=event.firing_marker,
        opened_at=as_utc(event.received_at),
    )


async def _open_incidents(batch: _Batch, firsts: Sequence[CommittedEvent]) -> None:
    """Open one incident per key for ``firsts`` (first firing events); keep a racer's if it won."""
    if not firsts:
        return
    # An incident resolved earlier in this batch must be stored as resolved before its key reopens.
    await incidents.save_incidents(batch.session, batch.touched)
    # Recurrence-key order, like the events' inserts: two transactions opening overlapping keys
    # wait for each other in one order and never deadlock on the open-key unique index.
    ordered = sorted(firsts, key=lambda e: e.recurrence_key or "")
    created = await incidents.open_incidents(batch.session, [_new_incident(batch.project_id, e) for e in ordered])
    batch.opened_here.update(i.id for i in created)
    keys = [e.recurrence_key for e in firsts if e.recurrence_key is not None]
    batch.track({i.recurrence_key: i for i in created})
    missing = [k for k in keys if k not in batch.open_incidents]
    if missing:  # another transaction opened them first: attach to theirs
        batch.track(await incidents.lock_open_incidents(batch.session, batch.project_id, missing))


def _first_firings(events: Sequence[CommittedEvent], open_keys: set[str]) -> list[CommittedEvent]:
    """Per key without an open incident, its first event in the batch when that event is a firing."""
    firsts: dict[str, CommittedEvent] = {}
    seen: set[str] = set()
    for event in events:
        key = event.recurrence_key
        if key is None or key in seen or key in open_keys:
            continue
        seen.add(key)
        if event.stage == "firing":
            firsts[key] = event
    return list(firsts.values())


def _route_heartbeat(batch: _Batch, event: CommittedEvent) -> None:
    run = batch.writer.add(
        NewRun(
            project_id=batch.project_id,
            agent_id=HEARTBEAT_AGENT,
            mode="shadow",
            actor=ROUTER_ACTOR,
            at=as_utc(event.received_at),
            path=(QUEUED, RUNNING, COMPLETED),
            action="record-heartbeat",
            recurrence_key=event.recurrence_key,
            trigger_event_id=event.id,
            note=f"{event.provider or 'provider'} heartbeat recorded; nothing to repair",
        )
    )
    batch.link(event, run_id=run.id)


def _start_run(batch: _Batch, event: CommittedEvent, incident: OpenIncident, playbook: PlaybookSpec) -> Run:
    path = (QUEUED, AWAITING_APPROVAL) if playbook.requires_approval else (QUEUED,)
    run = batch.writer.add(
        NewRun(
            project_id=batch.project_id,
            agent_id=playbook.agent_id,
            mode=playbook.mode,
            actor=ROUTER_ACTOR,
            at=as_utc(event.received_at),
            path=path,
            playbook_id=playbook.id,
            action=playbook.action,
            recurrence_key=event.recurrence_key,
            incident_id=incident.id,
            trigger_event_id=event.id,
            note=f"playbook {playbook.id} matched {event.alertname or event.recurrence_key}",
        )
    )
    if playbook.requires_approval:
        batch.messages.append(
            NewMessage(batch.project_id, "approval_wait", str(run.id), approval_payload(run, incident, event))
        )
    return run


async def _route_firing(batch: _Batch, event: CommittedEvent, key: str) -> None:
    incident = batch.open_incidents.get(key)
    if incident is None:  # resolved earlier in this batch and firing again
        await _open_incidents(batch, [event])
        incident = batch.open_incidents[key]
    if SEVERITY_RANK.get(event.severity or "", -1) > SEVERITY_RANK.get(incident.severity or "", -1):
        incident.raise_severity(event.severity)
    batch.link(event, incident_id=incident.id)
    # A silenced firing starts no run and announces nothing; both are owed until the silence ends.
    silence_id = batch.silences.covering(event) if batch.silences is not None else None
    run = batch.unfinished.get(key)
    if run is None and silence_id is None:
        playbook = await batch.matching_playbook(event)
        if playbook is not None:
            run = batch.unfinished[key] = _start_run(batch, event, incident, playbook)
    if run is not None:
        batch.link(event, run_id=run.id)
    opened = incident.id in batch.opened_here
    if opened:
        batch.opened_here.discard(incident.id)  # announce once, with the run it started
    if silence_id is not None and batch.silences is not None:
        batch.silences.hold(event, silence_id, incident.id, notify_owed=opened)
    elif opened:
        batch.messages.append(
            NewMessage(batch.project_id, "incident_opened", incident.id, opened_payload(incident, event, run))
        )


def _route_resolved(batch: _Batch, event: CommittedEvent, key: str, at: datetime) -> None:
    incident = batch.open_incidents.get(key)
    silenced = batch.silences is not None and batch.silences.covering(event) is not None
    if incident is not None:
        batch.link(event, incident_id=incident.id)
        if event.firing_marker == incident.firing_marker:
            incident.resolve(at)
            del batch.open_incidents[key]
            if not silenced:  # the resolution of a silenced alert is silent too, as in Alertmanager
                batch.messages.append(
                    NewMessage(batch.project_id, "incident_resolved", incident.id, resolved_payload(incident))
                )
    run = batch.unfinished.get(key)
    if run is not None:
        batch.link(event, run_id=run.id)


async def _write(batch: _Batch) -> dict[uuid.UUID, EventLink]:
    """Runs, incidents, notifications and silence holds; the events' links are returned, for the
    hub to store in the rows it inserts next (events reference runs and incidents: those first)."""
    await batch.writer.flush()
    await incidents.save_incidents(batch.session, batch.touched)
    await enqueue(batch.session, batch.messages)
    if batch.silences is not None:
        for event_id, silence_id in batch.silences.marks.items():
            batch.links.setdefault(event_id, EventLink()).silence_id = silence_id
        await batch.silences.write(batch.session)
    return batch.links


async def route_project(
    session: AsyncSession,
    project_id: str,
    events: Sequence[CommittedEvent],
    *,
    playbooks: PlaybookCache | None = None,
    silence_cache: silences.SilenceCache | None = None,
    keys_locked: bool = False,
) -> dict[uuid.UUID, EventLink]:
    """Route one project's originals (never duplicates): heartbeats, firing, resolved; chat is
    stored only. Returns each routed event's links (the caller stores them in the event's row).
    ``playbooks``, ``silence_cache``: per-process caches; without them the project's playbooks and
    live silences are read. ``keys_locked``: the caller holds the events' recurrence-key locks
    (``routing_lock_names``) already."""
    alerts = [e for e in events if e.stage in ("firing", "resolved") and e.recurrence_key]
    if not alerts and not any(e.stage == "heartbeat" for e in events):
        return {}
    batch = _Batch(session, project_id, playbooks)
    keys = {e.recurrence_key for e in alerts if e.recurrence_key is not None}
    if keys:
        # First, in one total order: nothing below can then wait for another routing transaction.
        if not keys_locked:
            await incidents.lock_recurrence_keys(session, project_id, keys)
        batch.silences = await silences.for_batch(session, project_id, silence_cache)
        batch.track(await incidents.lock_open_incidents(session, project_id, keys))
        await _open_incidents(batch, _first_firings(alerts, set(batch.open_incidents)))
        batch.unfinished.update(await runs.unfinished_runs_by_key(session, project_id, keys))
    for event in events:
        if event.stage == "heartbeat":
            _route_heartbeat(batch, event)
        elif event.stage == "firing" and event.recurrence_key:
            await _route_firing(batch, event, event.recurrence_key)
        elif event.stage == "resolved" and event.recurrence_key:
            _route_resolved(batch, event, event.recurrence_key, as_utc(event.received_at))
    return await _write(batch)
