"""Pre-flight of a work item: the facts beyond the read model, the checks with their stable ids, the
evidence, and what a real execution would do. Reads only; docs/work-items.md lists every check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import format_utc
from awooop.models import ChannelEvent, Incident, Run
from awooop.runs.playbooks import PlaybookSpec, list_playbooks, match_playbook
from awooop.workitems import repository
from awooop.workitems.classify import ResolvedWorkItemMode
from awooop.workitems.facts import REF_KINDS, RecurrenceFacts
from awooop.workitems.recurrence import RecurrenceGroup
from awooop.workitems.schemas import (
    CheckStatus,
    DryRunOutcome,
    EvidenceEvent,
    MatchedPlaybook,
    PreflightCheck,
)
from awooop.workitems.texts import Phrase, phrase

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
    facts = group.facts
    playbook = facts.playbook
    if playbook is None and not facts.aged_out:  # an aged-out group has no event to match against
        playbook = match_playbook(await list_playbooks(session, group.project_id), facts.playbook_attributes())
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


def _check(check_id: str, status: CheckStatus, detail: Phrase, **data: object) -> PreflightCheck:
    return PreflightCheck(
        id=check_id,
        status=status,
        detail=detail.english,
        detail_key=detail.key,
        detail_params=dict(detail.params),
        data=data,
    )


def _dossier_check(group: RecurrenceFacts) -> PreflightCheck:
    events = group.events
    if group.aged_out:
        return _check("dossier_present", "fail", phrase("wi.check.dossier_present.aged_out"), event_total=0)
    enveloped = sum(1 for event in events if event.has_source_envelope)
    refs = sum(event.source_ref_count for event in events)
    kinds = {kind: sum(1 for event in events if event.has_refs(kind)) for kind in REF_KINDS}
    data = {"event_total": len(events), "envelope_total": enveloped, "source_ref_total": refs, "ref_kinds": kinds}
    if enveloped == 0:
        return _check("dossier_present", "fail", phrase("wi.check.dossier_present.none"), **data)
    present = ", ".join(f"{kind} ({count})" for kind, count in kinds.items() if count) or "none"
    if refs == 0:
        no_refs = phrase("wi.check.dossier_present.no_refs", enveloped=enveloped, total=len(events))
        return _check("dossier_present", "warn", no_refs, **data)
    ok = phrase("wi.check.dossier_present.ok", enveloped=enveloped, total=len(events), refs=refs, kinds=present)
    return _check("dossier_present", "pass", ok, **data)


def _recurrence_check(group: RecurrenceFacts) -> PreflightCheck:
    if group.aged_out:
        return _check("recurrence_active", "fail", phrase("wi.check.recurrence_active.aged_out"), aged_out=True)
    latest = group.latest
    data = {"latest_stage": latest.stage, "latest_received_at": latest.received_at.isoformat()}
    originals = group.original_total
    if latest.stage == "firing":
        return _check(
            "recurrence_active", "pass", phrase("wi.check.recurrence_active.firing", originals=originals), **data
        )
    quiet = phrase(
        "wi.check.recurrence_active.quiet", stage=latest.stage, at=format_utc(latest.received_at), originals=originals
    )
    return _check("recurrence_active", "warn", quiet, **data)


def _in_flight_check(facts: PreflightFacts, mode: ResolvedWorkItemMode) -> PreflightCheck:
    runs = facts.runs_in_flight
    if not runs:
        return _check("no_run_in_flight", "pass", phrase("wi.check.no_run_in_flight.none"))
    names = ", ".join(f"{run.id} ({run.state}, agent {run.agent_id})" for run in runs)
    status: CheckStatus = "fail" if mode == "auto_repair" else "warn"
    detail = phrase(
        "wi.check.no_run_in_flight.race" if mode == "auto_repair" else "wi.check.no_run_in_flight.busy", runs=names
    )
    return _check("no_run_in_flight", status, detail, run_ids=[str(run.id) for run in runs])


def _playbook_check(facts: PreflightFacts, mode: ResolvedWorkItemMode) -> PreflightCheck:
    spec = facts.playbook
    if spec is None:
        status: CheckStatus = "fail" if mode == "auto_repair" else "warn"
        return _check("playbook_available", status, phrase("wi.check.playbook_available.none"))
    data = {"playbook_id": spec.id, "agent_id": spec.agent_id, "action": spec.action}
    if spec.mode == "shadow":
        shadow = phrase("wi.check.playbook_available.shadow", playbook_id=spec.id)
        return _check("playbook_available", "warn", shadow, **data)
    key = "wi.check.playbook_available.gated" if spec.requires_approval else "wi.check.playbook_available.ok"
    detail = phrase(key, playbook_id=spec.id, agent_id=spec.agent_id, action=spec.action)
    return _check("playbook_available", "pass", detail, **data)


def _budget_check(facts: PreflightFacts, mode: ResolvedWorkItemMode) -> PreflightCheck:
    failed = facts.failed_repairs
    data = {"failed_repairs_24h": failed, "budget": REPAIR_BUDGET}
    if failed < REPAIR_BUDGET:
        return _check(
            "repair_budget", "pass", phrase("wi.check.repair_budget.ok", failed=failed, budget=REPAIR_BUDGET), **data
        )
    status: CheckStatus = "fail" if mode == "auto_repair" else "warn"
    exhausted = phrase("wi.check.repair_budget.exhausted", failed=failed, budget=REPAIR_BUDGET)
    return _check("repair_budget", status, exhausted, **data)


def _incident_check(facts: PreflightFacts) -> PreflightCheck:
    incident = facts.latest_incident
    if incident is None:
        return _check("incident_state", "warn", phrase("wi.check.incident_state.none"))
    data = {"incident_id": incident.id, "incident_status": incident.status}
    if incident.status == "open":
        opened = phrase("wi.check.incident_state.open", incident_id=incident.id, at=format_utc(incident.opened_at))
        return _check("incident_state", "pass", opened, **data)
    resolved = format_utc(incident.resolved_at) if incident.resolved_at else "?"
    closed = phrase("wi.check.incident_state.closed", incident_id=incident.id, status=incident.status, at=resolved)
    return _check("incident_state", "warn", closed, **data)


def evaluate_checks(group: RecurrenceGroup, facts: PreflightFacts, mode: ResolvedWorkItemMode) -> list[PreflightCheck]:
    """The seven checks in their stable order. ``fail`` blocks the resolved mode; ``warn`` informs."""
    found = _check(
        "work_item_found",
        "pass",
        phrase(
            "wi.check.work_item_found",
            work_item_id=group.facts.work_item_id,
            project_id=group.project_id,
            status=group.status,
        ),
        work_item_status=group.status,
    )
    return [
        found,
        _dossier_check(group.facts),
        _recurrence_check(group.facts),
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
