"""The recurrence read model: the newest alert events grouped by recurrence key, linked to runs,
incidents and playbooks, each group classified (classify.py). docs/work-items.md defines every field."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.hub.envelope import recurrence_key as build_recurrence_key
from awooop.hub.envelope import work_item_id as build_work_item_id
from awooop.hub.providers import HEARTBEAT_STAGE
from awooop.retention.lifetime import compacted_original_firings
from awooop.runs.playbooks import PlaybookSpec, match_playbook
from awooop.workitems import classify, repository
from awooop.workitems.repository import WindowEvent

REF_KINDS = ("sentry", "signoz", "alert")


@dataclass(slots=True)
class RecurrenceGroup:
    """The events of one (project, recurrence key) in the window, newest first, and what links to them."""

    project_id: str
    recurrence_key: str
    events: list[WindowEvent]
    runs: list[repository.LinkedRun] = field(default_factory=list)
    linked_event_ids: set[uuid.UUID] = field(default_factory=set)
    latest_live_run: repository.LinkedRun | None = None
    playbook: PlaybookSpec | None = None
    last_original_at: datetime | None = None
    classification: classify.Classification | None = None
    work_item: dict[str, Any] | None = None  # a RecurrenceWorkItemRead as a dict, like the item
    # Catalog keys and values of the work item's generated texts (kept out of the seed's dict).
    work_item_texts: dict[str, Any] = field(default_factory=dict)
    item: dict[str, Any] = field(default_factory=dict)
    original_total: int = 0  # original (non-duplicate) firings in the window: what "recurrent" counts

    @property
    def latest(self) -> WindowEvent:
        return self.events[0]

    @property
    def aged_out(self) -> bool:
        """A work item found by id whose raw events are all gone (retention): only runs, records and
        rollups are left."""
        return not self.events

    @property
    def work_item_id(self) -> str:
        return build_work_item_id(self.project_id, self.recurrence_key)

    @property
    def status(self) -> classify.WorkItemStatus:
        assert self.classification is not None
        return self.classification.status

    def playbook_attributes(self) -> dict[str, Any]:
        latest = self.latest
        return {
            "provider": latest.provider,
            "alertname": latest.alertname,
            "severity": latest.severity,
            "namespace": latest.namespace,
            "target_resource": latest.target_resource,
            "labels": dict(latest.labels or {}),
        }


@dataclass(slots=True)
class RecurrenceWindow:
    groups: list[RecurrenceGroup]
    summary: dict[str, Any]
    window_start: datetime | None

    def find(self, work_item_id: str) -> RecurrenceGroup | None:
        """The group carrying this work item (groups without a work item are not work items)."""
        for group in self.groups:
            if group.work_item is not None and group.work_item["work_item_id"] == work_item_id:
                return group
        return None


def _group_key(event: WindowEvent) -> str:
    """Legacy events imported without a key get the one the hub would have built (SPEC §2)."""
    if event.recurrence_key:
        return event.recurrence_key
    return build_recurrence_key(
        event.provider or "unknown", event.fingerprint, event.alertname, event.namespace, event.target_resource
    )


def group_events(events: Sequence[WindowEvent]) -> list[RecurrenceGroup]:
    """Groups in first-seen order; ``events`` come newest first, so each group's list is newest first."""
    groups: dict[tuple[str, str], RecurrenceGroup] = {}
    for event in events:
        key = (event.project_id, _group_key(event))
        group = groups.get(key)
        if group is None:
            group = groups[key] = RecurrenceGroup(project_id=key[0], recurrence_key=key[1], events=[event])
        else:
            group.events.append(event)
        group.original_total += event.is_original_firing
    return list(groups.values())


def _representative(group: RecurrenceGroup) -> WindowEvent | None:
    """The newest event that carries the stored key (legacy events without one cannot find runs)."""
    return next((event for event in group.events if event.recurrence_key == group.recurrence_key), None)


def _run_of_each_event(events: Sequence[WindowEvent]) -> dict[uuid.UUID, uuid.UUID]:
    """Event id → run it is linked to; a duplicate counts as linked when its original is."""
    linked: dict[uuid.UUID, uuid.UUID] = {}
    for event in events:
        run_id = event.run_id or event.original_run_id
        if run_id is not None:
            linked[event.id] = run_id
    return linked


async def _link_runs(session: AsyncSession, groups: Sequence[RecurrenceGroup], window_start: datetime) -> None:
    """Attach to each group the runs of its key created during the window, the runs its events (or their
    originals) are linked to, and its latest live run L, however old."""
    run_of_event = _run_of_each_event([event for group in groups for event in group.events])
    latest_live_ids = {
        event.latest_live_run_id
        for group in groups
        if (event := _representative(group)) is not None and event.latest_live_run_id is not None
    }
    keys_by_project: dict[str, list[str]] = {}
    for group in groups:
        keys_by_project.setdefault(group.project_id, []).append(group.recurrence_key)
    runs = await repository.fetch_group_runs(
        session,
        keys_by_project=keys_by_project,
        since=window_start,
        run_ids=set(run_of_event.values()) | latest_live_ids,
    )
    by_id = {run.id: run for run in runs}
    owned: dict[tuple[str, str], dict[uuid.UUID, repository.LinkedRun]] = {}
    for group in groups:
        mine = owned.setdefault((group.project_id, group.recurrence_key), {})
        for event in group.events:
            run_id = run_of_event.get(event.id)
            if run_id is not None:
                group.linked_event_ids.add(event.id)
                if run_id in by_id:
                    mine[run_id] = by_id[run_id]
    for run in runs:
        owner = owned.get((run.project_id, run.recurrence_key or ""))
        if owner is not None:
            owner[run.id] = run
    for group in groups:
        mine = owned[(group.project_id, group.recurrence_key)]
        group.runs = sorted(mine.values(), key=lambda run: (run.created_at, run.id), reverse=True)
        representative = _representative(group)
        live_id = representative.latest_live_run_id if representative is not None else None
        group.latest_live_run = mine.get(live_id) if live_id is not None else None


async def _set_last_originals(session: AsyncSession, groups: Sequence[RecurrenceGroup], window_start: datetime) -> None:
    """The newest original firing each classification must see: from the window, or from the database
    when the latest live run verified its repair before the window began (the window cannot tell what
    fired between that repair and its start)."""
    probes: list[uuid.UUID] = []
    for group in groups:
        group.last_original_at = next((event.received_at for event in group.events if event.is_original_firing), None)
        run = group.latest_live_run
        if group.last_original_at is not None or run is None or run.finished_at is None:
            continue
        if run.repair_outcome == "verified" and run.finished_at < window_start:
            probes.append(run.id)
    if probes:
        found = await repository.newest_original_firings_after_repairs(session, probes)
        for group in groups:
            group.last_original_at = group.last_original_at or found.get((group.project_id, group.recurrence_key))


async def _match_playbooks(session: AsyncSession, groups: Sequence[RecurrenceGroup]) -> None:
    """Playbooks matter for groups without a live run (rule 4): one statement for every project."""
    waiting = [group for group in groups if group.latest_live_run is None]
    specs = await repository.fetch_playbook_specs(session, {group.project_id for group in waiting})
    playbooks = {
        project_id: [PlaybookSpec.model_validate(spec) for spec in project_specs]
        for project_id, project_specs in specs.items()
    }
    for group in waiting:
        group.playbook = match_playbook(playbooks[group.project_id], group.playbook_attributes())


def _facts(run: repository.LinkedRun) -> classify.RunFacts:
    return classify.RunFacts(
        state=run.state, mode=run.mode, repair_outcome=run.repair_outcome, finished_at=run.finished_at
    )


def _classify(group: RecurrenceGroup, *, prior_originals: int = 0) -> None:
    """``prior_originals``: original firings of the key before its events (rolled-up days), for a work
    item addressed by id outside the window."""
    facts = classify.GroupFacts(
        latest_live_run=_facts(group.latest_live_run) if group.latest_live_run is not None else None,
        playbook_matches=group.playbook is not None,
        last_original_at=group.last_original_at,
    )
    group.classification = classify.classify(facts)
    original_total = group.original_total
    recurrent = classify.is_recurrent(original_total + prior_originals)
    if not classify.has_work_item(group.status, recurrent=recurrent):
        return
    latest = group.latest if group.events else _NO_EVENT
    title = classify.work_item_title(
        alertname=latest.alertname,
        namespace=latest.namespace,
        target_resource=latest.target_resource,
        recurrence_key=group.recurrence_key,
        original_total=original_total,
    )
    why = group.classification.why
    group.work_item = {
        "work_item_id": group.work_item_id,
        "project_id": group.project_id,
        "recurrence_key": group.recurrence_key,
        "status": group.status,
        "status_reason": why.english,
        "title": title.english,
        "next_step": classify.NEXT_STEPS[group.status],
        "priority": classify.priority(latest.severity, group.status, original_total),
    }
    group.work_item_texts = {
        "status_reason_key": why.key,
        "status_reason_params": dict(why.params),
        "title_key": title.key,
        "title_params": dict(title.params),
    }


def repair_summary(group: RecurrenceGroup) -> dict[str, Any]:
    counts = {"live": 0, "verified": 0, "failed": 0, "unverified": 0}
    last_finished: datetime | None = None
    for run in group.runs:
        if run.mode == classify.SHADOW_MODE:
            continue
        counts["live"] += 1
        counts["verified"] += run.repair_outcome == "verified"
        counts["failed"] += run.state == "failed" or run.repair_outcome == "failed"
        counts["unverified"] += run.repair_outcome == "unverified"
        if run.finished_at is not None and (last_finished is None or run.finished_at > last_finished):
            last_finished = run.finished_at
    latest = group.latest_live_run
    recurred = (
        latest is not None
        and latest.repair_outcome == "verified"
        and latest.finished_at is not None
        and classify.recurred_after(_facts(latest), group.last_original_at)
    )
    return {
        "live_runs": counts["live"],
        "shadow_runs": len(group.runs) - counts["live"],
        "verified": counts["verified"],
        "failed": counts["failed"],
        "unverified": counts["unverified"],
        "last_outcome": latest.repair_outcome if latest is not None else None,
        "last_finished_at": last_finished.isoformat() if last_finished else None,
        "latest_live_run_id": str(latest.id) if latest is not None else None,
        "original_occurrence_total": group.original_total,
        "recurred_after_verified_repair": recurred,
    }


def _state_counts(runs: Sequence[repository.LinkedRun]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.state] = counts.get(run.state, 0) + 1
    return counts


def _incident_ids(group: RecurrenceGroup) -> list[str]:
    """Newest reference first: the group's events, then its runs."""
    seen: dict[str, None] = {}
    for event in group.events:
        if event.incident_id:
            seen.setdefault(event.incident_id, None)
    for run in group.runs:
        if run.incident_id:
            seen.setdefault(run.incident_id, None)
    return list(seen)


def _event_totals(events: Sequence[WindowEvent]) -> dict[str, int]:
    """One pass over a group's events for every count the item shows."""
    totals = dict.fromkeys(
        ("duplicate", "source_ref", "missing_refs", "sentry", "signoz", "alert"),
        0,
    )
    for event in events:
        totals["duplicate"] += event.is_duplicate
        totals["source_ref"] += event.source_ref_count
        totals["missing_refs"] += event.source_ref_count == 0
        refs = event.source_refs
        if isinstance(refs, Mapping):
            totals["sentry"] += bool(refs.get("sentry"))
            totals["signoz"] += bool(refs.get("signoz"))
            totals["alert"] += bool(refs.get("alert"))
    return totals


def _with_silence(work_item: Mapping[str, Any] | None, silence_id: uuid.UUID | None) -> dict[str, Any] | None:
    """The work item, saying ``silenced_by`` when a silence covered the group's latest event."""
    if not work_item:
        return None
    return {**work_item, "silenced_by": str(silence_id)} if silence_id is not None else dict(work_item)


def build_item(group: RecurrenceGroup) -> dict[str, Any]:
    """A ``ChannelEventRecurrenceItem`` as a plain dict: up to 300 of them per call, validated once by the
    route's response_model instead of twice."""
    if group.aged_out:
        return _aged_out_item(group)
    latest, events = group.latest, group.events
    shown_run = group.latest_live_run or (group.runs[0] if group.runs else None)
    incidents = _incident_ids(group)
    totals = _event_totals(events)
    return {
        "recurrence_key": group.recurrence_key,
        "provider": latest.provider,
        "alertname": latest.alertname,
        "severity": latest.severity,
        "namespace": latest.namespace,
        "target_resource": latest.target_resource,
        "fingerprint": latest.fingerprint,
        "latest_event_id": latest.id,
        "latest_provider_event_id": latest.provider_event_id,
        "latest_content_preview": latest.content_preview,
        "latest_run_id": shown_run.id if shown_run else None,
        "latest_run_state": shown_run.state if shown_run else None,
        "latest_agent_id": shown_run.agent_id if shown_run else None,
        "latest_incident_id": incidents[0] if incidents else None,
        "incident_ids": incidents,
        "repair_summary": repair_summary(group),
        "work_item": _with_silence(group.work_item, latest.silence_id),
        "occurrence_total": len(events),
        "duplicate_total": totals["duplicate"],
        "linked_run_total": len(group.runs),
        "source_ref_total": totals["source_ref"],
        "missing_source_refs_total": totals["missing_refs"],
        "sentry_ref_total": totals["sentry"],
        "signoz_ref_total": totals["signoz"],
        "alert_ref_total": totals["alert"],
        "run_state_counts": _state_counts(group.runs),
        "first_received_at": events[-1].received_at,
        "latest_received_at": latest.received_at,
    }


@dataclass(frozen=True, slots=True)
class _Unknown:
    """What an aged-out group knows of its latest event: nothing."""

    alertname: None = None
    namespace: None = None
    target_resource: None = None
    severity: None = None


_NO_EVENT = _Unknown()


def _aged_out_item(group: RecurrenceGroup) -> dict[str, Any]:
    run = group.latest_live_run
    incidents = [run.incident_id] if run is not None and run.incident_id else []
    return {
        "recurrence_key": group.recurrence_key,
        **dict.fromkeys(("provider", "alertname", "severity", "namespace", "target_resource", "fingerprint")),
        **dict.fromkeys(("latest_event_id", "latest_provider_event_id", "latest_content_preview")),
        "latest_run_id": run.id if run else None,
        "latest_run_state": run.state if run else None,
        "latest_agent_id": run.agent_id if run else None,
        "latest_incident_id": incidents[0] if incidents else None,
        "incident_ids": incidents,
        "repair_summary": repair_summary(group),
        "work_item": dict(group.work_item) if group.work_item else None,
        **dict.fromkeys(
            (
                "occurrence_total",
                "duplicate_total",
                "source_ref_total",
                "missing_source_refs_total",
                "sentry_ref_total",
                "signoz_ref_total",
                "alert_ref_total",
            ),
            0,
        ),
        "linked_run_total": len(group.runs),
        "run_state_counts": _state_counts(group.runs),
        "first_received_at": None,
        "latest_received_at": None,
    }


async def build_key_group(
    session: AsyncSession, *, project_id: str, recurrence_key: str, provider: str | None, limit: int
) -> RecurrenceGroup:
    """One work item addressed by id, outside the recurrence window: the key's newest ``limit`` alert
    events (its own index range), classified as the window would; no events at all = aged out."""
    events = await repository.fetch_key_events(
        session, project_id=project_id, recurrence_key=recurrence_key, provider=provider, limit=limit
    )
    group = RecurrenceGroup(
        project_id=project_id,
        recurrence_key=recurrence_key,
        events=[event for event in events if event.stage != HEARTBEAT_STAGE],
    )
    group.original_total = sum(event.is_original_firing for event in group.events)
    if group.events:
        window_start = group.events[-1].received_at
        await _link_runs(session, [group], window_start)
        await _set_last_originals(session, [group], window_start)
        await _match_playbooks(session, [group])
    else:
        latest = await repository.fetch_latest_live_run(session, project_id=project_id, recurrence_key=recurrence_key)
        group.latest_live_run = latest
        group.runs = [latest] if latest is not None else []
    prior = await compacted_original_firings(session, project_id=project_id, recurrence_key=recurrence_key)
    _classify(group, prior_originals=prior)
    group.item = build_item(group)
    return group


def summarize(groups: Sequence[RecurrenceGroup]) -> dict[str, Any]:
    """A ``ChannelEventRecurrenceSummary`` as a plain dict."""
    events = [event for group in groups for event in group.events]
    runs = {run.id: run for group in groups for run in group.runs}
    statuses = Counter(group.status for group in groups)
    linked = sum(len(group.linked_event_ids) for group in groups)
    return {
        "source_event_total": len(events),
        "recurrence_group_total": len(groups),
        "recurrent_group_total": sum(1 for group in groups if classify.is_recurrent(group.original_total)),
        "duplicate_event_total": sum(1 for event in events if event.is_duplicate),
        "linked_run_total": len(runs),
        "unlinked_event_total": len(events) - linked,
        "auto_repair_linked_total": sum(1 for run in runs.values() if run.mode != classify.SHADOW_MODE),
        "verified_repair_group_total": statuses["verified_repair"],
        "open_work_item_group_total": statuses["open"],
        "manual_gate_group_total": statuses["manual_gate"],
        "automation_gap_group_total": statuses["automation_gap"],
        "failed_repair_group_total": statuses["failed_repair"],
        "latest_received_at": max((event.received_at for event in events), default=None),
    }


async def build_window(
    session: AsyncSession, *, projects: Sequence[str] | None, provider: str | None, limit: int
) -> RecurrenceWindow:
    """Everything the recurrence route, the work-item preview and the console need, in at most five
    statements, each bounded by ``limit``: the window (with each event's run links), the linked runs,
    the firings after verified repairs, the playbooks (and the project list for a provider filter)."""
    if projects is None and provider is not None:
        # No (channel_type, provider, received_at) index without a project in front: walk each project's.
        projects = await repository.list_project_ids(session)
    window = await repository.fetch_window_events(session, projects=projects, provider=provider, limit=limit)
    window_start = window[-1].received_at if window else None
    groups = group_events([event for event in window if event.stage != HEARTBEAT_STAGE])
    if window_start is not None and groups:
        await _link_runs(session, groups, window_start)
        await _set_last_originals(session, groups, window_start)
        await _match_playbooks(session, groups)
    for group in groups:
        _classify(group)
        group.item = build_item(group)
    groups.sort(key=lambda g: (-len(g.events), -g.latest.received_at.timestamp(), g.project_id, g.recurrence_key))
    return RecurrenceWindow(groups=groups, summary=summarize(groups), window_start=window_start)
