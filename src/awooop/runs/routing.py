"""Routing of original events inside the intake transaction (SPEC §3 "Routing").

The hub calls ``route_events`` for ORIGINAL events only, possibly a batch of many deliveries.
Events are handled in order (a firing then a resolved of one key in one batch works), with batched
lookups: one query for the open incidents of every key in the batch, one for their unfinished
runs, the project's playbooks once (only when a firing needs them; the hub passes a short-lived
per-process ``PlaybookCache``), one INSERT for the incidents the batch opens (ids included), one
UPDATE for the incidents it changed, one for the events' links, one INSERT for the notifications.
All of it is Core with statements compiled once; only runs (``RunWriter``) go through the ORM.

* heartbeat → one completed shadow run (agent ``awooop-heartbeat``, queued→running→completed
  in its history, no repair outcome); no incident, no notification.
* firing → the open incident of its recurrence key, or a new one (``incident_opened``); then the
  unfinished run of the key if there is one, else a run from the first matching playbook
  (``approval_wait`` when it needs approval).
* resolved → the incident resolves once none of its fingerprints still fires
  (``incident_resolved``); the event is linked to the key's unfinished run, if any.
* message / edited (chat) → stored only.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from awooop.core.clock import as_utc
from awooop.models import ChannelEvent, Incident, Run
from awooop.notify.outbox import NewMessage, enqueue
from awooop.runs import repository
from awooop.runs.playbooks import PlaybookSpec, list_playbooks, match_playbook
from awooop.runs.repository import OpenIncident, UnfinishedRun
from awooop.runs.service import HEARTBEAT_AGENT, NewRun, RunWriter
from awooop.runs.states import AWAITING_APPROVAL, COMPLETED, QUEUED, RUNNING
from awooop.silences import intake as silences

ROUTER_ACTOR = "awooop-router"
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "critical": 3}
TITLE_MAX = 512
RESOLVED = "resolved"
# How long another process's playbook replacement may go unseen by a cached copy (this process's
# own replacements invalidate at once: runs.repository.playbook_generation).
PLAYBOOK_TTL_SECONDS = 2.0


class PlaybookCache:
    """Per-process playbooks for the intake hot path: one query and validation per project every
    ``ttl_seconds`` instead of one per batch. Dropped at once when this process replaces a set."""

    def __init__(self, ttl_seconds: float = PLAYBOOK_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, int, list[PlaybookSpec]]] = {}

    async def get(self, session: AsyncSession, project_id: str) -> list[PlaybookSpec]:
        generation = repository.playbook_generation()  # read before loading: a change mid-load reloads
        now = time.monotonic()
        entry = self._entries.get(project_id)
        if entry is not None and entry[0] > now and entry[1] == generation:
            return entry[2]
        specs = await list_playbooks(session, project_id)
        self._entries[project_id] = (now + self._ttl, generation, specs)
        return specs


def event_attributes(event: ChannelEvent) -> dict[str, Any]:
    """What playbooks match on."""
    return {
        "provider": event.provider,
        "alertname": event.alertname,
        "severity": event.severity,
        "namespace": event.namespace,
        "target_resource": event.target_resource,
        "labels": event.labels or {},
    }


def incident_title(event: ChannelEvent) -> str:
    where = "/".join(p for p in (event.namespace, event.target_resource) if p)
    if event.alertname:
        title = f"{event.alertname} on {where}" if where else event.alertname
    else:
        title = event.content_preview or event.recurrence_key or "alert"
    return title[:TITLE_MAX]


def _marker(event: ChannelEvent) -> str:
    """What an incident tracks as still firing: the fingerprint, or the key when there is none."""
    return event.fingerprint or event.recurrence_key or ""


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
    links: dict[uuid.UUID, ChannelEvent] = field(default_factory=dict)
    messages: list[NewMessage] = field(default_factory=list)
    silences: silences.BatchSilences | None = None  # None: the project has no live silence
    writer: RunWriter = field(init=False)

    def __post_init__(self) -> None:
        self.writer = RunWriter(self.session)

    def link(self, event: ChannelEvent, *, run_id: uuid.UUID | None = None, incident_id: str | None = None) -> None:
        self.links[event.id] = event
        if run_id is not None:
            set_committed_value(event, "run_id", run_id)
        if incident_id is not None:
            set_committed_value(event, "incident_id", incident_id)

    async def matching_playbook(self, event: ChannelEvent) -> PlaybookSpec | None:
        if self.playbooks is None:
            if self.cache is not None:
                self.playbooks = await self.cache.get(self.session, self.project_id)
            else:
                self.playbooks = await list_playbooks(self.session, self.project_id)
        if not self.playbooks:
            return None
        return match_playbook(self.playbooks, event_attributes(event))

    def track(self, incidents: dict[str, OpenIncident]) -> None:
        self.open_incidents.update(incidents)
        self.touched.extend(incidents.values())


def _new_incident_row(project_id: str, event: ChannelEvent) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "title": incident_title(event),
        "severity": event.severity,
        "recurrence_key": event.recurrence_key,
        "firing_fingerprints": [_marker(event)],
        "opened_at": as_utc(event.received_at),
        "resolved_at": None,
    }


async def _open_incidents(batch: _Batch, firsts: Sequence[ChannelEvent]) -> None:
    """Open one incident per key for ``firsts`` (first firing events); keep a racer's if it won."""
    if not firsts:
        return
    # An incident resolved earlier in this batch must be stored as resolved before its key reopens.
    await repository.save_incidents(batch.session, batch.touched)
    # Recurrence-key order, like the events' inserts: two transactions opening overlapping keys
    # wait for each other in one order and never deadlock on the open-key unique index.
    ordered = sorted(firsts, key=lambda e: e.recurrence_key or "")
    created = await repository.insert_open_incidents(
        batch.session, [_new_incident_row(batch.project_id, e) for e in ordered]
    )
    batch.opened_here.update(i.id for i in created)
    keys = [e.recurrence_key for e in firsts if e.recurrence_key is not None]
    batch.track({i.recurrence_key: i for i in created})
    missing = [k for k in keys if k not in batch.open_incidents]
    if missing:  # another transaction opened them first: attach to theirs
        batch.track(await repository.lock_open_incidents(batch.session, batch.project_id, missing))


def _first_firings(events: Sequence[ChannelEvent], open_keys: set[str]) -> list[ChannelEvent]:
    """Per key without an open incident, its first event in the batch when that event is a firing."""
    firsts: dict[str, ChannelEvent] = {}
    seen: set[str] = set()
    for event in events:
        key = event.recurrence_key
        if key is None or key in seen or key in open_keys:
            continue
        seen.add(key)
        if event.stage == "firing":
            firsts[key] = event
    return list(firsts.values())


def opened_payload(
    incident: OpenIncident | Incident, event: ChannelEvent, run: Run | UnfinishedRun | None
) -> dict[str, Any]:
    """The ``incident_opened`` message; silence release sends the same one, late."""
    return {
        "incident_id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "recurrence_key": incident.recurrence_key,
        "provider": event.provider,
        "alertname": event.alertname,
        "namespace": event.namespace,
        "target_resource": event.target_resource,
        "preview": event.content_preview,
        "source_url": event.source_url,
        "opened_at": as_utc(incident.opened_at).isoformat(),
        "run": None
        if run is None
        else {
            "id": str(run.id),
            "state": run.state,
            "agent_id": run.agent_id,
            "playbook_id": run.playbook_id,
            "action": run.action,
        },
    }


def _approval_payload(run: Run, incident: OpenIncident, event: ChannelEvent) -> dict[str, Any]:
    return {
        "run_id": str(run.id),
        "incident_id": incident.id,
        "title": incident.title,
        "severity": event.severity,
        "playbook_id": run.playbook_id,
        "agent_id": run.agent_id,
        "action": run.action,
        "mode": run.mode,
        "preview": event.content_preview,
        "source_url": event.source_url,
    }


def _resolved_payload(incident: OpenIncident) -> dict[str, Any]:
    return {
        "incident_id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "recurrence_key": incident.recurrence_key,
        "opened_at": as_utc(incident.opened_at).isoformat(),
        "resolved_at": as_utc(incident.resolved_at).isoformat() if incident.resolved_at else None,
    }


def _route_heartbeat(batch: _Batch, event: ChannelEvent) -> None:
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


def _start_run(batch: _Batch, event: ChannelEvent, incident: OpenIncident, playbook: PlaybookSpec) -> Run:
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
            NewMessage(batch.project_id, "approval_wait", str(run.id), _approval_payload(run, incident, event))
        )
    return run


async def _route_firing(batch: _Batch, event: ChannelEvent, key: str) -> None:
    incident = batch.open_incidents.get(key)
    if incident is None:  # resolved earlier in this batch and firing again
        await _open_incidents(batch, [event])
        incident = batch.open_incidents[key]
    marker = _marker(event)
    if marker not in incident.firing_fingerprints:
        incident.firing_fingerprints = [*incident.firing_fingerprints, marker]
        incident.changed = True
    if SEVERITY_RANK.get(event.severity or "", -1) > SEVERITY_RANK.get(incident.severity or "", -1):
        incident.severity = event.severity
        incident.changed = True
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


def _route_resolved(batch: _Batch, event: ChannelEvent, key: str, at: datetime) -> None:
    incident = batch.open_incidents.get(key)
    silenced = batch.silences is not None and batch.silences.covering(event) is not None
    if incident is not None:
        batch.link(event, incident_id=incident.id)
        remaining = [m for m in incident.firing_fingerprints if m != _marker(event)]
        if remaining != incident.firing_fingerprints:
            incident.firing_fingerprints = remaining
            incident.changed = True
        if not remaining:
            incident.status = RESOLVED
            incident.resolved_at = at
            incident.changed = True
            del batch.open_incidents[key]
            if not silenced:  # the resolution of a silenced alert is silent too, as in Alertmanager
                batch.messages.append(
                    NewMessage(batch.project_id, "incident_resolved", incident.id, _resolved_payload(incident))
                )
    run = batch.unfinished.get(key)
    if run is not None:
        batch.link(event, run_id=run.id)


async def _write(batch: _Batch) -> None:
    await batch.writer.flush()
    await repository.save_incidents(batch.session, batch.touched)
    links = [(e.id, e.run_id, e.incident_id) for e in batch.links.values()]
    await repository.link_events(batch.session, links)
    await enqueue(batch.session, batch.messages)
    if batch.silences is not None:
        await batch.silences.write(batch.session)


async def route_events(
    session: AsyncSession,
    project_id: str,
    events: Sequence[ChannelEvent],
    *,
    playbooks: PlaybookCache | None = None,
    silence_cache: silences.SilenceCache | None = None,
) -> None:
    """Route originals (never duplicates): heartbeats, firing, resolved; chat is stored only.

    ``playbooks``, ``silence_cache``: per-process caches (the hub's); without them the project's
    playbooks and live silences are read.
    """
    alerts = [e for e in events if e.stage in ("firing", "resolved") and e.recurrence_key]
    if not alerts and not any(e.stage == "heartbeat" for e in events):
        return
    batch = _Batch(session, project_id, playbooks)
    keys = {e.recurrence_key for e in alerts if e.recurrence_key is not None}
    if keys:
        # First, in one total order: nothing below can then wait for another routing transaction.
        await repository.lock_recurrence_keys(session, project_id, keys)
        batch.silences = await silences.for_batch(session, project_id, silence_cache)
        batch.track(await repository.lock_open_incidents(session, project_id, keys))
        await _open_incidents(batch, _first_firings(alerts, set(batch.open_incidents)))
        batch.unfinished.update(await repository.unfinished_runs_by_key(session, project_id, keys))
    for event in events:
        if event.stage == "heartbeat":
            _route_heartbeat(batch, event)
        elif event.stage == "firing" and event.recurrence_key:
            await _route_firing(batch, event, event.recurrence_key)
        elif event.stage == "resolved" and event.recurrence_key:
            _route_resolved(batch, event, event.recurrence_key, as_utc(event.received_at))
    await _write(batch)
