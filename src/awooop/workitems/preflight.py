"""Pre-flight of a work item: the facts beyond the read model, the checks with their stable ids, the
evidence, and what a real execution would do. Reads only; docs/work-items.md lists every check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.models import ChannelEvent, Incident, Run
from awooop.runs.playbooks import PlaybookSpec, list_playbooks, match_playbook
from awooop.workitems import repository
from awooop.workitems.classify import ResolvedWorkItemMode
from awooop.workitems.recurrence import REF_KINDS, RecurrenceGroup
from awooop.workitems.schemas import (
    CheckStatus,
    DryRunOutcome,
    EvidenceEvent,
    MatchedPlaybook,
    PlannedAction,
    PreflightCheck,
)

CHECK_IDS = (
    "work_item_found",
    "dossier_present",
    "recurrence_active",
    "no_run_in_flight",
    "playbook_available",
    "repair_budget",
    "incident_state",
)
# A key whose repairs failed this often within the budget window is not auto-repaired again.
REPAIR_BUDGET = 3
REPAIR_BUDGET_WINDOW = timedelta(hours=24)
# Runs are bounded in time; the index range for the budget starts this long before the window.
RUN_LIFETIME_BOUND = timedelta(hours=24)
EVIDENCE_EVENTS = 5


@dataclass(frozen=True, slots=True)
class PreflightFacts:
    runs_in_flight: Sequence[Run]
    failed_repairs: int
    latest_incident: Incident | None
    playbook: PlaybookSpec | None
    evidence: Sequence[ChannelEvent]


async def gather_facts(session: AsyncSession, group: RecurrenceGroup, *, now: datetime) -> PreflightFacts:
    key = {"project_id": group.project_id, "recurrence_key": group.recurrence_key}
    budget_start = now - REPAIR_BUDGET_WINDOW
    playbook = group.playbook
    if playbook is None and not group.aged_out:  # an aged-out group has no event to match against
        playbook = match_playbook(await list_playbooks(session, group.project_id), group.playbook_attributes())
    return PreflightFacts(
        runs_in_flight=await repository.list_runs_in_flight(session, **key),
        failed_repairs=await repository.count_failed_repairs(
            session, **key, finished_since=budget_start, created_since=budget_start - RUN_LIFETIME_BOUND
        ),
        latest_incident=await repository.get_latest_incident(session, **key),
        playbook=playbook,
        evidence=await repository.fetch_events(session, [event.id for event in group.events[:EVIDENCE_EVENTS]]),
    )


def matched_playbook(spec: PlaybookSpec | None) -> MatchedPlaybook | None:
    if spec is None:
        return None
    return MatchedPlaybook(
        playbook_id=spec.id,
        agent_id=spec.agent_id,
        action=spec.action,
        requires_approval=spec.requires_approval,
        mode=spec.mode,
    )


def _check(check_id: str, status: CheckStatus, detail: str, **data: object) -> PreflightCheck:
    return PreflightCheck(id=check_id, status=status, detail=detail, data=data)


def _dossier_check(group: RecurrenceGroup) -> PreflightCheck:
    events = group.events
    if group.aged_out:
        return _check("dossier_present", "fail", "the raw events of this work item aged out (retention)", event_total=0)
    enveloped = sum(1 for event in events if event.has_source_envelope)
    refs = sum(event.source_ref_count for event in events)
    kinds = {kind: sum(1 for event in events if event.has_refs(kind)) for kind in REF_KINDS}
    data = {"event_total": len(events), "envelope_total": enveloped, "source_ref_total": refs, "ref_kinds": kinds}
    if enveloped == 0:
        return _check("dossier_present", "fail", "no event of this group has a source envelope", **data)
    present = ", ".join(f"{kind} ({count})" for kind, count in kinds.items() if count) or "none"
    if refs == 0:
        return _check(
            "dossier_present", "warn", f"{enveloped}/{len(events)} events have an envelope but no source refs", **data
        )
    return _check(
        "dossier_present",
        "pass",
        f"{enveloped}/{len(events)} events have an envelope; {refs} source refs, by kind: {present}",
        **data,
    )


def _recurrence_check(group: RecurrenceGroup) -> PreflightCheck:
    if group.aged_out:
        return _check(
            "recurrence_active",
            "fail",
            "no raw event of this recurrence key is left: it aged out; its lifetime comes from daily rollups",
            aged_out=True,
        )
    latest = group.latest
    data = {"latest_stage": latest.stage, "latest_received_at": latest.received_at.isoformat()}
    originals = group.original_total
    if latest.stage == "firing":
        return _check("recurrence_active", "pass", f"still firing; {originals} original firings in the window", **data)
    return _check(
        "recurrence_active",
        "warn",
        f"latest event is {latest.stage} at {latest.received_at.isoformat()}; "
        f"{originals} original firings in the window",
        **data,
    )


def _in_flight_check(facts: PreflightFacts, mode: ResolvedWorkItemMode) -> PreflightCheck:
    runs = facts.runs_in_flight
    if not runs:
        return _check(
            "no_run_in_flight", "pass", "no run of this recurrence key is queued, running or awaiting approval"
        )
    names = ", ".join(f"{run.id} ({run.state}, agent {run.agent_id})" for run in runs)
    status: CheckStatus = "fail" if mode == "auto_repair" else "warn"
    consequence = "a second repair would race it" if mode == "auto_repair" else "someone may already be on it"
    return _check(
        "no_run_in_flight", status, f"in flight: {names}; {consequence}", run_ids=[str(run.id) for run in runs]
    )


def _playbook_check(facts: PreflightFacts, mode: ResolvedWorkItemMode) -> PreflightCheck:
    spec = facts.playbook
    if spec is None:
        status: CheckStatus = "fail" if mode == "auto_repair" else "warn"
        return _check("playbook_available", status, "no playbook matches the latest event of this group")
    data = {"playbook_id": spec.id, "agent_id": spec.agent_id, "action": spec.action}
    if spec.mode == "shadow":
        return _check(
            "playbook_available", "warn", f"playbook {spec.id} matches in shadow mode: runs record, never act", **data
        )
    gate = ", behind an approval gate" if spec.requires_approval else ""
    return _check(
        "playbook_available", "pass", f"playbook {spec.id}: agent {spec.agent_id}, action {spec.action}{gate}", **data
    )


def _budget_check(facts: PreflightFacts, mode: ResolvedWorkItemMode) -> PreflightCheck:
    failed = facts.failed_repairs
    data = {"failed_repairs_24h": failed, "budget": REPAIR_BUDGET}
    detail = f"{failed} failed repairs in the last 24 h (budget {REPAIR_BUDGET})"
    if failed < REPAIR_BUDGET:
        return _check("repair_budget", "pass", detail, **data)
    status: CheckStatus = "fail" if mode == "auto_repair" else "warn"
    return _check("repair_budget", status, f"{detail}: exhausted, no further auto-repair", **data)


def _incident_check(facts: PreflightFacts) -> PreflightCheck:
    incident = facts.latest_incident
    if incident is None:
        return _check("incident_state", "warn", "no incident was opened for this recurrence key")
    data = {"incident_id": incident.id, "incident_status": incident.status}
    if incident.status == "open":
        return _check("incident_state", "pass", f"{incident.id} open since {incident.opened_at.isoformat()}", **data)
    resolved = incident.resolved_at.isoformat() if incident.resolved_at else "an unknown time"
    return _check("incident_state", "warn", f"{incident.id} {incident.status} at {resolved}; nothing open now", **data)


def evaluate_checks(group: RecurrenceGroup, facts: PreflightFacts, mode: ResolvedWorkItemMode) -> list[PreflightCheck]:
    """The seven checks in their stable order. ``fail`` blocks the resolved mode; ``warn`` informs."""
    assert group.work_item is not None
    found = _check(
        "work_item_found",
        "pass",
        f"{group.work_item['work_item_id']} in project {group.project_id}: {group.status}",
        work_item_status=group.status,
    )
    return [
        found,
        _dossier_check(group),
        _recurrence_check(group),
        _in_flight_check(facts, mode),
        _playbook_check(facts, mode),
        _budget_check(facts, mode),
        _incident_check(facts),
    ]


def outcome_of(checks: Sequence[PreflightCheck]) -> DryRunOutcome:
    return "blocked" if any(check.status == "fail" for check in checks) else "ready"


def evidence_of(facts: PreflightFacts) -> list[EvidenceEvent]:
    return [
        EvidenceEvent(
            event_id=event.id,
            provider=event.provider,
            stage=event.stage,
            provider_event_id=event.provider_event_id,
            received_at=event.received_at,
            is_duplicate=event.is_duplicate,
            preview=event.content_preview,
            source_url=event.source_url,
            source_refs=dict(event.source_refs or {}),
            source_ref_count=event.source_ref_count,
            log_correlation=dict(event.log_correlation or {}),
            run_id=event.run_id,
            incident_id=event.incident_id,
        )
        for event in facts.evidence
    ]


def planned_actions(
    group: RecurrenceGroup,
    facts: PreflightFacts,
    mode: ResolvedWorkItemMode,
    checks: Sequence[PreflightCheck],
    *,
    operator_id: str,
) -> list[PlannedAction]:
    """What a real execution of ``mode`` would do now; a blocked pre-flight stops before any action."""
    failed = [check.id for check in checks if check.status == "fail"]
    if failed:
        return [PlannedAction(action="stop", detail=f"blocked by {', '.join(failed)}: nothing would be changed")]
    if mode == "auto_repair":
        return _auto_repair_actions(group, facts)
    if mode == "manual_review":
        return _manual_review_actions(group, facts, operator_id)
    assert group.work_item is not None
    links = sum(event.source_ref_count + (1 if event.source_url else 0) for event in facts.evidence)
    return [
        PlannedAction(
            action="open_ticket_proposal",
            detail=(
                f"record a ticket proposal '{group.work_item['title']}' with {len(facts.evidence)} evidence events "
                f"and {links} source links; no external ticket is created"
            ),
        )
    ]


def _auto_repair_actions(group: RecurrenceGroup, facts: PreflightFacts) -> list[PlannedAction]:
    spec = facts.playbook
    assert spec is not None  # playbook_available fails without one, so this mode is blocked before
    kind = "shadow run (recorded, no action taken)" if spec.mode == "shadow" else "live run"
    actions = [
        PlannedAction(
            action="queue_run",
            detail=(
                f"queue a {kind} for agent {spec.agent_id} with action {spec.action} "
                f"(playbook {spec.id}) on recurrence key {group.recurrence_key}"
            ),
        )
    ]
    if spec.requires_approval:
        actions.append(
            PlannedAction(
                action="request_approval", detail="hold the run in awaiting_approval until an operator approves"
            )
        )
    incident = facts.latest_incident
    if incident is not None and incident.status == "open":
        actions.append(PlannedAction(action="link_incident", detail=f"link the run to incident {incident.id}"))
    return actions


def _manual_review_actions(group: RecurrenceGroup, facts: PreflightFacts, operator_id: str) -> list[PlannedAction]:
    actions: list[PlannedAction] = []
    latest = group.latest_live_run
    if latest is not None and latest.state == "awaiting_approval":
        actions.append(
            PlannedAction(
                action="decide_approval",
                detail=(
                    f"operator {operator_id} approves run {latest.id} (queued for agent {latest.agent_id}) "
                    "or rejects it (cancelled)"
                ),
            )
        )
    run_note = f"; latest run {latest.id} is {latest.state}" if latest is not None else "; no live run yet"
    actions.append(
        PlannedAction(
            action="assign_manual_review",
            detail=(
                f"assign the work item to operator {operator_id} with {len(facts.evidence)} evidence events{run_note}"
            ),
        )
    )
    return actions
