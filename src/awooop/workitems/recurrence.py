"""The recurrence read model: the newest alert events grouped by recurrence key, linked to runs,
incidents and playbooks, each group classified (classify.py). docs/work-items.md defines every field.

Three steps, each a function of the previous step's immutable output:

1. **facts** (``RecurrenceFacts``, facts.py): what the database says about one (project, recurrence key) — its
   events, the runs linked to them, its latest live run, the matching playbook, its newest original
   firing. ``build_window`` and ``build_key_group`` read them in a fixed number of statements.
2. **classification** (``classify_group``, pure): the status and, when the group is one, its work item.
3. **item** (``build_item``, pure): the ``ChannelEventRecurrenceItem`` the API answers, built when
   asked for (``RecurrenceGroup.item()``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.hub.providers import HEARTBEAT_STAGE
from awooop.retention.lifetime import compacted_original_firings
from awooop.workitems import classify, repository
from awooop.workitems.classify import WorkItem
from awooop.workitems.facts import RecurrenceFacts, gather_facts, group_events
from awooop.workitems.repository import LinkedRun, WindowEvent
from awooop.workitems.schemas import ChannelEventRecurrenceItem, ChannelEventRecurrenceSummary, RecurrenceWorkItemRead

# --- step 2: classification ----------------------------------------------------------------------------


def read_work_item(work_item: WorkItem) -> RecurrenceWorkItemRead:
    """The API model of a work item (built for the one a preview, dry-run or handoff shows)."""
    return RecurrenceWorkItemRead(
        **work_item.seed_fields(),
        status_reason_key=work_item.why.key,
        status_reason_params=dict(work_item.why.params),
        title_key=work_item.title.key,
        title_params=dict(work_item.title.params),
    )


@dataclass(frozen=True, slots=True)
class GroupVerdict:
    """What classification made of the facts: the status, and the work item when the group is one."""

    classification: classify.Classification
    work_item: WorkItem | None

    @property
    def status(self) -> classify.WorkItemStatus:
        return self.classification.status


@dataclass(frozen=True, slots=True)
class _Unknown:
    """What an aged-out group knows of its latest event: nothing."""

    alertname: None = None
    namespace: None = None
    target_resource: None = None
    severity: None = None


_NO_EVENT = _Unknown()


def _run_facts(run: LinkedRun) -> classify.RunFacts:
    return classify.RunFacts(
        state=run.state, mode=run.mode, repair_outcome=run.repair_outcome, finished_at=run.finished_at
    )


def classify_group(facts: RecurrenceFacts) -> GroupVerdict:
    """SPEC §5's status of the group, and its work item: recurrent groups, and every group that needs a human."""
    classification = classify.classify(
        classify.GroupFacts(
            latest_live_run=_run_facts(facts.latest_live_run) if facts.latest_live_run is not None else None,
            playbook_matches=facts.playbook is not None,
            last_original_at=facts.last_original_at,
        )
    )
    status = classification.status
    original_total = facts.original_total
    recurrent = classify.is_recurrent(original_total + facts.prior_originals)
    if not classify.has_work_item(status, recurrent=recurrent):
        return GroupVerdict(classification, None)
    latest = facts.latest if facts.events else _NO_EVENT
    title = classify.work_item_title(
        alertname=latest.alertname,
        namespace=latest.namespace,
        target_resource=latest.target_resource,
        recurrence_key=facts.recurrence_key,
        original_total=original_total,
    )
    work_item = WorkItem(
        work_item_id=facts.work_item_id,
        project_id=facts.project_id,
        recurrence_key=facts.recurrence_key,
        status=status,
        why=classification.why,
        title=title,
        next_step=classify.NEXT_STEPS[status],
        priority=classify.priority(latest.severity, status, original_total),
    )
    return GroupVerdict(classification, work_item)


# --- step 3: item --------------------------------------------------------------------------------------


def repair_summary(facts: RecurrenceFacts) -> dict[str, Any]:
    """The seed's ``repair_summary`` object of a recurrence item."""
    counts = {"live": 0, "verified": 0, "failed": 0, "unverified": 0}
    last_finished: datetime | None = None
    for run in facts.runs:
        if run.mode == classify.SHADOW_MODE:
            continue
        counts["live"] += 1
        counts["verified"] += run.repair_outcome == "verified"
        counts["failed"] += run.state == "failed" or run.repair_outcome == "failed"
        counts["unverified"] += run.repair_outcome == "unverified"
        if run.finished_at is not None and (last_finished is None or run.finished_at > last_finished):
            last_finished = run.finished_at
    latest = facts.latest_live_run
    recurred = (
        latest is not None
        and latest.repair_outcome == "verified"
        and latest.finished_at is not None
        and classify.recurred_after(_run_facts(latest), facts.last_original_at)
    )
    return {
        "live_runs": counts["live"],
        "shadow_runs": len(facts.runs) - counts["live"],
        "verified": counts["verified"],
        "failed": counts["failed"],
        "unverified": counts["unverified"],
        "last_outcome": latest.repair_outcome if latest is not None else None,
        "last_finished_at": last_finished.isoformat() if last_finished else None,
        "latest_live_run_id": str(latest.id) if latest is not None else None,
        "original_occurrence_total": facts.original_total,
        "recurred_after_verified_repair": recurred,
    }


def _state_counts(runs: Sequence[LinkedRun]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.state] = counts.get(run.state, 0) + 1
    return counts


def _incident_ids(facts: RecurrenceFacts) -> list[str]:
    """Newest reference first: the group's events, then its runs."""
    seen: dict[str, None] = {}
    for event in facts.events:
        if event.incident_id:
            seen.setdefault(event.incident_id, None)
    for run in facts.runs:
        if run.incident_id:
            seen.setdefault(run.incident_id, None)
    return list(seen)


@dataclass(slots=True)
class _EventTotals:
    """One pass over a group's events for every count the item shows."""

    duplicate: int = 0
    source_ref: int = 0
    missing_refs: int = 0
    sentry: int = 0
    signoz: int = 0
    alert: int = 0


def _event_totals(events: Sequence[WindowEvent]) -> _EventTotals:
    totals = _EventTotals()
    for event in events:
        totals.duplicate += event.is_duplicate
        totals.source_ref += event.source_ref_count
        totals.missing_refs += event.source_ref_count == 0
        refs = event.source_refs
        if isinstance(refs, Mapping):
            totals.sentry += bool(refs.get("sentry"))
            totals.signoz += bool(refs.get("signoz"))
            totals.alert += bool(refs.get("alert"))
    return totals


def _seed_work_item(work_item: WorkItem | None, silence_id: uuid.UUID | None) -> dict[str, Any] | None:
    """The item's work item, saying ``silenced_by`` when a silence covered the group's latest event."""
    if work_item is None:
        return None
    fields = work_item.seed_fields()
    return {**fields, "silenced_by": str(silence_id)} if silence_id is not None else fields


def build_item(facts: RecurrenceFacts, verdict: GroupVerdict) -> ChannelEventRecurrenceItem:
    if facts.aged_out:
        return _aged_out_item(facts, verdict)
    latest, events = facts.latest, facts.events
    shown_run = facts.latest_live_run or (facts.runs[0] if facts.runs else None)
    incidents = _incident_ids(facts)
    totals = _event_totals(events)
    return ChannelEventRecurrenceItem(
        recurrence_key=facts.recurrence_key,
        provider=latest.provider,
        alertname=latest.alertname,
        severity=latest.severity,
        namespace=latest.namespace,
        target_resource=latest.target_resource,
        fingerprint=latest.fingerprint,
        latest_event_id=latest.id,
        latest_provider_event_id=latest.provider_event_id,
        latest_content_preview=latest.content_preview,
        latest_run_id=shown_run.id if shown_run else None,
        latest_run_state=shown_run.state if shown_run else None,
        latest_agent_id=shown_run.agent_id if shown_run else None,
        latest_incident_id=incidents[0] if incidents else None,
        incident_ids=incidents,
        repair_summary=repair_summary(facts),
        work_item=_seed_work_item(verdict.work_item, latest.silence_id),
        occurrence_total=len(events),
        duplicate_total=totals.duplicate,
        linked_run_total=len(facts.runs),
        source_ref_total=totals.source_ref,
        missing_source_refs_total=totals.missing_refs,
        sentry_ref_total=totals.sentry,
        signoz_ref_total=totals.signoz,
        alert_ref_total=totals.alert,
        run_state_counts=_state_counts(facts.runs),
        first_received_at=events[-1].received_at,
        latest_received_at=latest.received_at,
    )


def _aged_out_item(facts: RecurrenceFacts, verdict: GroupVerdict) -> ChannelEventRecurrenceItem:
    run = facts.latest_live_run
    incidents = [run.incident_id] if run is not None and run.incident_id else []
    return ChannelEventRecurrenceItem(
        recurrence_key=facts.recurrence_key,
        provider=None,
        alertname=None,
        severity=None,
        namespace=None,
        target_resource=None,
        fingerprint=None,
        latest_event_id=None,
        latest_provider_event_id=None,
        latest_content_preview=None,
        latest_run_id=run.id if run else None,
        latest_run_state=run.state if run else None,
        latest_agent_id=run.agent_id if run else None,
        latest_incident_id=incidents[0] if incidents else None,
        incident_ids=incidents,
        repair_summary=repair_summary(facts),
        work_item=_seed_work_item(verdict.work_item, None),
        occurrence_total=0,
        duplicate_total=0,
        linked_run_total=len(facts.runs),
        source_ref_total=0,
        missing_source_refs_total=0,
        sentry_ref_total=0,
        signoz_ref_total=0,
        alert_ref_total=0,
        run_state_counts=_state_counts(facts.runs),
        first_received_at=None,
        latest_received_at=None,
    )


# --- the three steps together --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecurrenceGroup:
    """One group through the first two steps; ``item()`` takes the third (on demand: the preview of one
    work item builds the whole window but needs the item of one group)."""

    facts: RecurrenceFacts
    verdict: GroupVerdict

    def item(self) -> ChannelEventRecurrenceItem:
        return build_item(self.facts, self.verdict)

    @property
    def project_id(self) -> str:
        return self.facts.project_id

    @property
    def recurrence_key(self) -> str:
        return self.facts.recurrence_key

    @property
    def events(self) -> tuple[WindowEvent, ...]:
        return self.facts.events

    @property
    def status(self) -> classify.WorkItemStatus:
        return self.verdict.status

    @property
    def work_item(self) -> WorkItem | None:
        return self.verdict.work_item

    @property
    def silenced_by(self) -> uuid.UUID | None:
        """The silence that covered the latest event of a work item (the item's ``silenced_by``)."""
        if self.verdict.work_item is None or self.facts.aged_out:
            return None
        return self.facts.latest.silence_id


def recurrence_group(facts: RecurrenceFacts) -> RecurrenceGroup:
    return RecurrenceGroup(facts, classify_group(facts))


@dataclass(frozen=True, slots=True)
class RecurrenceWindow:
    groups: tuple[RecurrenceGroup, ...]
    summary: ChannelEventRecurrenceSummary
    window_start: datetime | None

    def find(self, work_item_id: str) -> RecurrenceGroup | None:
        """The group carrying this work item (groups without a work item are not work items)."""
        for group in self.groups:
            if group.work_item is not None and group.work_item.work_item_id == work_item_id:
                return group
        return None


def summarize(groups: Sequence[RecurrenceGroup]) -> ChannelEventRecurrenceSummary:
    events = [event for group in groups for event in group.events]
    runs = {run.id: run for group in groups for run in group.facts.runs}
    statuses = Counter(group.status for group in groups)
    linked = sum(len(group.facts.linked_event_ids) for group in groups)
    return ChannelEventRecurrenceSummary(
        source_event_total=len(events),
        recurrence_group_total=len(groups),
        recurrent_group_total=sum(1 for group in groups if classify.is_recurrent(group.facts.original_total)),
        duplicate_event_total=sum(1 for event in events if event.is_duplicate),
        linked_run_total=len(runs),
        unlinked_event_total=len(events) - linked,
        auto_repair_linked_total=sum(1 for run in runs.values() if run.mode != classify.SHADOW_MODE),
        verified_repair_group_total=statuses["verified_repair"],
        open_work_item_group_total=statuses["open"],
        manual_gate_group_total=statuses["manual_gate"],
        automation_gap_group_total=statuses["automation_gap"],
        failed_repair_group_total=statuses["failed_repair"],
        latest_received_at=max((event.received_at for event in events), default=None),
    )


async def build_key_group(
    session: AsyncSession, *, project_id: str, recurrence_key: str, provider: str | None, limit: int
) -> RecurrenceGroup:
    """One work item addressed by id, outside the recurrence window: the key's newest ``limit`` alert
    events (its own index range), classified as the window would; no events at all = aged out."""
    fetched = await repository.fetch_key_events(
        session, project_id=project_id, recurrence_key=recurrence_key, provider=provider, limit=limit
    )
    events = [event for event in fetched if event.stage != HEARTBEAT_STAGE]
    if events:
        [facts] = await gather_facts(session, {(project_id, recurrence_key): events}, events[-1].received_at)
    else:
        latest = await repository.fetch_latest_live_run(session, project_id=project_id, recurrence_key=recurrence_key)
        facts = RecurrenceFacts(
            project_id=project_id,
            recurrence_key=recurrence_key,
            events=(),
            runs=(latest,) if latest is not None else (),
            latest_live_run=latest,
        )
    prior = await compacted_original_firings(session, project_id=project_id, recurrence_key=recurrence_key)
    return recurrence_group(replace(facts, prior_originals=prior))


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
    grouped = group_events([event for event in window if event.stage != HEARTBEAT_STAGE])
    facts = await gather_facts(session, grouped, window_start) if window_start is not None and grouped else []
    groups = sorted(
        (recurrence_group(group_facts) for group_facts in facts),
        key=lambda g: (-len(g.events), -g.facts.latest.received_at.timestamp(), g.project_id, g.recurrence_key),
    )
    return RecurrenceWindow(groups=tuple(groups), summary=summarize(groups), window_start=window_start)
