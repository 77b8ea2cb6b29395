"""Recurrence read model and work items: preview (reads only), dry-run and handoff (append one history
record each, change nothing else), history. The console and the API call these; services flush, never commit.

Dry-run and handoff compute everything on ``session`` (a read-only session serves) and append their
record on ``record_session`` (default: ``session``): given a separate writer, they take the write lock
(SQLite's ``BEGIN IMMEDIATE``) only for that one INSERT, never while building the read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core import clock
from awooop.core.ids import uuid7
from awooop.errors import NotFound
from awooop.models import WorkItemRecord
from awooop.operators.principal import AwoooPOperatorPrincipal
from awooop.retention.lifetime import work_item_lifetime
from awooop.workitems import classify, plans, preflight, proposal, recurrence, repository
from awooop.workitems.classify import RecurrenceWorkItemHandoffKind, RecurrenceWorkItemMode, ResolvedWorkItemMode
from awooop.workitems.schemas import (
    ChannelEventRecurrenceItem,
    ChannelEventRecurrenceResponse,
    OperatorRef,
    PreflightCheck,
    RecurrenceWorkItemDryRunResponse,
    RecurrenceWorkItemHandoffResponse,
    RecurrenceWorkItemHistoryResponse,
    RecurrenceWorkItemPreviewResponse,
    RecurrenceWorkItemRead,
    WorkItemGuarantees,
    WorkItemHistoryRecord,
    WorkItemLifetime,
)

NOT_FOUND = "recurrence_work_item_not_found"
HISTORY_LOOKUP_LIMIT = 300
NO_DRY_RUN_WARNING = "no dry-run was recorded for this work item before this handoff; its checks were not reviewed"

__all__ = [
    "RecurrenceWorkItemHandoffKind",
    "RecurrenceWorkItemMode",
    "fetch_channel_event_dossier_recurrence",
    "fetch_recurrence_work_item_history",
    "fetch_recurrence_work_item_preview",
    "record_recurrence_work_item_dry_run",
    "record_recurrence_work_item_handoff",
]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One work item with everything preview, dry-run and handoff show."""

    group: recurrence.RecurrenceGroup
    item: ChannelEventRecurrenceItem
    work_item: RecurrenceWorkItemRead
    facts: preflight.PreflightFacts
    requested_mode: RecurrenceWorkItemMode
    resolved_mode: ResolvedWorkItemMode
    checks: list[PreflightCheck]
    now: datetime
    lifetime: WorkItemLifetime


async def fetch_recurrence_window(
    session: AsyncSession, *, projects: Sequence[str] | None, provider: str | None = None, limit: int = 100
) -> recurrence.RecurrenceWindow:
    """The groups with their events (occurrence times for timelines), for the console's recurrence page."""
    return await recurrence.build_window(session, projects=projects, provider=provider, limit=limit)


async def fetch_channel_event_dossier_recurrence(
    session: AsyncSession,
    *,
    projects: Sequence[str] | None,
    project_label: str,
    provider: str | None = None,
    limit: int = 100,
) -> ChannelEventRecurrenceResponse:
    """Recurrence groups over the newest ``limit`` alert events; ``project_label`` is echoed as project_id."""
    window = await fetch_recurrence_window(session, projects=projects, provider=provider, limit=limit)
    return ChannelEventRecurrenceResponse(
        project_id=project_label, limit=limit, summary=window.summary, items=[group.item() for group in window.groups]
    )


async def _find_group(
    session: AsyncSession, *, projects: Sequence[str] | None, work_item_id: str, provider: str | None, limit: int
) -> tuple[recurrence.RecurrenceGroup, RecurrenceWorkItemRead]:
    """In the window when it is there (what the seed did); else by id, through work_item_keys, over the
    key's own events — or none of them left (aged out). Unknown in the caller's projects: 404."""
    window = await recurrence.build_window(session, projects=projects, provider=provider, limit=limit)
    group = window.find(work_item_id)
    if group is not None and group.work_item is not None:
        return group, recurrence.read_work_item(group.work_item)
    resolved = await repository.resolve_work_item_key(session, projects=projects, work_item_id=work_item_id)
    if resolved is None:
        raise NotFound(NOT_FOUND, work_item_id=work_item_id)
    project_id, recurrence_key = resolved
    group = await recurrence.build_key_group(
        session, project_id=project_id, recurrence_key=recurrence_key, provider=provider, limit=limit
    )
    if group.work_item is None:  # a key that never recurred (nor waits on a human) is no work item
        raise NotFound(NOT_FOUND, work_item_id=work_item_id)
    return group, recurrence.read_work_item(group.work_item)


async def _lifetime(session: AsyncSession, project_id: str, recurrence_key: str) -> WorkItemLifetime:
    facts = await work_item_lifetime(session, project_id=project_id, recurrence_key=recurrence_key)
    return WorkItemLifetime.model_validate(facts)


async def _prepare(
    session: AsyncSession,
    *,
    projects: Sequence[str] | None,
    work_item_id: str,
    mode: RecurrenceWorkItemMode,
    provider: str | None,
    limit: int,
) -> _Prepared:
    group, work_item = await _find_group(
        session, projects=projects, work_item_id=work_item_id, provider=provider, limit=limit
    )
    now = clock.utcnow()
    facts = await preflight.gather_facts(session, group, now=now)
    playbook_available = facts.playbook is not None and facts.playbook.mode != classify.SHADOW_MODE
    resolved = classify.resolve_mode(
        mode, group.status, playbook_available=playbook_available, run_in_flight=bool(facts.runs_in_flight)
    )
    checks = preflight.evaluate_checks(group, facts, resolved)
    lifetime = await _lifetime(session, group.project_id, group.recurrence_key)
    return _Prepared(group, group.item(), work_item, facts, mode, resolved, checks, now, lifetime)


def _preview(
    prepared: _Prepared, *, provider: str | None, limit: int, read_only: bool
) -> RecurrenceWorkItemPreviewResponse:
    """What preview, dry-run and handoff all answer (the latter two extend it with their record)."""
    group = prepared.group
    return RecurrenceWorkItemPreviewResponse(
        project_id=group.project_id,
        work_item_id=prepared.work_item.work_item_id,
        work_item=prepared.work_item,
        requested_mode=prepared.requested_mode,
        resolved_mode=prepared.resolved_mode,
        next_step=prepared.work_item.next_step,
        outcome=preflight.outcome_of(prepared.checks),
        checks=prepared.checks,
        playbook=preflight.matched_playbook(prepared.facts.playbook),
        group=prepared.item,
        evidence=preflight.evidence_of(prepared.facts),
        guarantees=WorkItemGuarantees(read_only=read_only, history_recorded=not read_only),
        provider=provider,
        limit=limit,
        generated_at=prepared.now,
        lifetime=prepared.lifetime,
        aged_out=group.facts.aged_out,
    )


async def fetch_recurrence_work_item_preview(
    session: AsyncSession,
    *,
    projects: Sequence[str] | None,
    work_item_id: str,
    mode: RecurrenceWorkItemMode = "auto",
    provider: str | None = None,
    limit: int = 300,
) -> RecurrenceWorkItemPreviewResponse:
    """Reads only: not even a history record is written."""
    prepared = await _prepare(
        session, projects=projects, work_item_id=work_item_id, mode=mode, provider=provider, limit=limit
    )
    return _preview(prepared, provider=provider, limit=limit, read_only=True)


def _new_record(
    prepared: _Prepared,
    operator: AwoooPOperatorPrincipal,
    *,
    kind: str,
    body: dict[str, Any],
    handoff_kind: str | None = None,
    based_on_id: Any = None,
) -> WorkItemRecord:
    group = prepared.group
    return WorkItemRecord(
        id=uuid7(),
        project_id=group.project_id,
        work_item_id=prepared.work_item.work_item_id,
        recurrence_key=group.recurrence_key,
        kind=kind,
        mode=prepared.requested_mode,
        resolved_mode=prepared.resolved_mode,
        handoff_kind=handoff_kind,
        outcome=preflight.outcome_of(prepared.checks),
        operator_id=operator.operator_id,
        auth_method=operator.auth_method,
        based_on_id=based_on_id,
        body=body,
        created_at=prepared.now,
    )


def _snapshot(prepared: _Prepared) -> dict[str, Any]:
    """The JSON part of a history record every kind shares: what the operator saw."""
    item = prepared.item
    return {
        "work_item": prepared.work_item.model_dump(mode="json"),
        "checks": [check.model_dump(mode="json") for check in prepared.checks],
        "evidence_event_ids": [str(event.id) for event in prepared.facts.evidence],
        "latest_run_id": str(item.latest_run_id) if item.latest_run_id else None,
        "latest_run_state": item.latest_run_state,
        "occurrence_total": item.occurrence_total,
        "latest_received_at": item.latest_received_at.isoformat() if item.latest_received_at else None,
    }


async def record_recurrence_work_item_dry_run(
    session: AsyncSession,
    *,
    projects: Sequence[str] | None,
    work_item_id: str,
    mode: RecurrenceWorkItemMode,
    provider: str | None,
    limit: int,
    operator: AwoooPOperatorPrincipal,
    record_session: AsyncSession | None = None,
) -> RecurrenceWorkItemDryRunResponse:
    """Pre-flight plus what a real execution would do; appends one dry_run record, nothing else."""
    prepared = await _prepare(
        session, projects=projects, work_item_id=work_item_id, mode=mode, provider=provider, limit=limit
    )
    actions = plans.planned_actions(
        prepared.group,
        prepared.work_item,
        prepared.facts,
        prepared.resolved_mode,
        prepared.checks,
        operator_id=operator.operator_id,
    )
    body = {**_snapshot(prepared), "would_do": [action.model_dump(mode="json") for action in actions]}
    record = await repository.add_record(
        record_session or session, _new_record(prepared, operator, kind="dry_run", body=body)
    )
    return RecurrenceWorkItemDryRunResponse(
        **dict(_preview(prepared, provider=provider, limit=limit, read_only=False)),
        dry_run_id=record.id,
        would_do=actions,
        blocked_by=[check.id for check in prepared.checks if check.status == "fail"],
        operator=OperatorRef(operator_id=operator.operator_id, auth_method=operator.auth_method),
        recorded_at=record.created_at,
    )


async def record_recurrence_work_item_handoff(
    session: AsyncSession,
    *,
    projects: Sequence[str] | None,
    work_item_id: str,
    mode: RecurrenceWorkItemMode,
    handoff_kind: RecurrenceWorkItemHandoffKind,
    provider: str | None,
    limit: int,
    operator: AwoooPOperatorPrincipal,
    record_session: AsyncSession | None = None,
) -> RecurrenceWorkItemHandoffResponse:
    """Records a ticket proposal or a manual takeover; creates no ticket, changes no incident or run."""
    prepared = await _prepare(
        session, projects=projects, work_item_id=work_item_id, mode=mode, provider=provider, limit=limit
    )
    group = prepared.group
    based_on = await repository.get_latest_dry_run(
        session, project_id=group.project_id, work_item_id=prepared.work_item.work_item_id
    )
    based_on_id = based_on.id if based_on is not None else None
    preview = _preview(prepared, provider=provider, limit=limit, read_only=False)
    ticket = takeover = None
    if handoff_kind == "ticket_proposal":
        ticket = proposal.render_ticket_proposal(
            work_item=prepared.work_item,
            group=prepared.item,
            checks=prepared.checks,
            evidence=preview.evidence,
            based_on_id=str(based_on_id) if based_on_id else None,
        )
    else:
        takeover = proposal.render_manual_takeover(
            work_item=prepared.work_item,
            group=prepared.item,
            checks=prepared.checks,
            operator_id=operator.operator_id,
            auth_method=operator.auth_method,
            at=prepared.now,
        )
    document = ticket if ticket is not None else takeover
    assert document is not None
    warning = None if based_on_id else NO_DRY_RUN_WARNING
    body = {**_snapshot(prepared), handoff_kind: document.model_dump(mode="json"), "warning": warning}
    record = await repository.add_record(
        record_session or session,
        _new_record(prepared, operator, kind="handoff", body=body, handoff_kind=handoff_kind, based_on_id=based_on_id),
    )
    return RecurrenceWorkItemHandoffResponse(
        **dict(preview),
        handoff_id=record.id,
        handoff_kind=handoff_kind,
        based_on_id=based_on_id,
        warning=warning,
        ticket_proposal=ticket,
        manual_takeover=takeover,
        operator=OperatorRef(operator_id=operator.operator_id, auth_method=operator.auth_method),
        recorded_at=record.created_at,
    )


async def fetch_recurrence_work_item_history(
    session: AsyncSession,
    *,
    projects: Sequence[str] | None,
    work_item_id: str,
    limit: int = 50,
) -> RecurrenceWorkItemHistoryResponse:
    """Dry-runs and handoffs, newest first. A work item with no history yet answers an empty list;
    an id that is no work item (unknown, or a key that never recurred) is not found, as in preview."""
    records = await repository.list_records(session, projects=projects, work_item_id=work_item_id, limit=limit)
    if records:
        project_id, recurrence_key = records[0].project_id, records[0].recurrence_key
    else:
        group, _ = await _find_group(
            session, projects=projects, work_item_id=work_item_id, provider=None, limit=HISTORY_LOOKUP_LIMIT
        )
        project_id, recurrence_key = group.project_id, group.recurrence_key
    return RecurrenceWorkItemHistoryResponse(
        project_id=project_id,
        work_item_id=work_item_id,
        limit=limit,
        total=len(records),
        records=[WorkItemHistoryRecord.model_validate(record, from_attributes=True) for record in records],
        recurrence_key=recurrence_key,
        lifetime=await _lifetime(session, project_id, recurrence_key),
    )
