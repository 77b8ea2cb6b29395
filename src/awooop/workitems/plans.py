"""What a real execution of a work item's mode would do now (the dry-run's ``would_do``): pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from awooop.workitems.classify import ResolvedWorkItemMode
from awooop.workitems.preflight import PreflightFacts
from awooop.workitems.recurrence import RecurrenceGroup
from awooop.workitems.schemas import PlannedAction, PreflightCheck, RecurrenceWorkItemRead
from awooop.workitems.texts import phrase


def _action(name: str, key: str, /, **params: Any) -> PlannedAction:
    said = phrase(key, **params)
    return PlannedAction(action=name, detail=said.english, detail_key=said.key, detail_params=dict(said.params))


def planned_actions(
    group: RecurrenceGroup,
    work_item: RecurrenceWorkItemRead,
    facts: PreflightFacts,
    mode: ResolvedWorkItemMode,
    checks: Sequence[PreflightCheck],
    *,
    operator_id: str,
) -> list[PlannedAction]:
    """What a real execution of ``mode`` would do now; a blocked pre-flight stops before any action."""
    failed = [check.id for check in checks if check.status == "fail"]
    if failed:
        return [_action("stop", "wi.do.stop", checks=", ".join(failed))]
    if mode == "auto_repair":
        return _auto_repair_actions(group, facts)
    if mode == "manual_review":
        return _manual_review_actions(group, facts, operator_id)
    links = sum(event.source_ref_count + (1 if event.source_url else 0) for event in facts.evidence)
    title = work_item.title
    return [
        _action(
            "open_ticket_proposal", "wi.do.open_ticket_proposal", title=title, events=len(facts.evidence), links=links
        )
    ]


def _auto_repair_actions(group: RecurrenceGroup, facts: PreflightFacts) -> list[PlannedAction]:
    spec = facts.playbook
    assert spec is not None  # playbook_available fails without one, so this mode is blocked before
    key = "wi.do.queue_run.shadow" if spec.mode == "shadow" else "wi.do.queue_run.live"
    actions = [
        _action(
            "queue_run",
            key,
            agent_id=spec.agent_id,
            action=spec.action,
            playbook_id=spec.id,
            recurrence_key=group.recurrence_key,
        )
    ]
    if spec.requires_approval:
        actions.append(_action("request_approval", "wi.do.request_approval"))
    incident = facts.latest_incident
    if incident is not None and incident.status == "open":
        actions.append(_action("link_incident", "wi.do.link_incident", incident_id=incident.id))
    return actions


def _manual_review_actions(group: RecurrenceGroup, facts: PreflightFacts, operator_id: str) -> list[PlannedAction]:
    actions: list[PlannedAction] = []
    latest = group.facts.latest_live_run
    if latest is not None and latest.state == "awaiting_approval":
        decide = _action(
            "decide_approval",
            "wi.do.decide_approval",
            operator_id=operator_id,
            run_id=str(latest.id),
            agent_id=latest.agent_id,
        )
        actions.append(decide)
    events = len(facts.evidence)
    if latest is None:
        actions.append(_action("assign_manual_review", "wi.do.assign.no_run", operator_id=operator_id, events=events))
    else:
        assign = _action(
            "assign_manual_review",
            "wi.do.assign.run",
            operator_id=operator_id,
            events=events,
            run_id=str(latest.id),
            state=latest.state,
        )
        actions.append(assign)
    return actions
