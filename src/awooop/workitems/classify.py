"""Work-item classification, priority, next step and mode resolution: pure functions over plain data.

SPEC §5 fixes the order of the rules; docs/work-items.md explains every table below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from awooop.workitems import texts

WorkItemStatus = Literal["manual_gate", "failed_repair", "verified_repair", "automation_gap", "open"]
Priority = Literal["P1", "P2", "P3", "P4"]
RecurrenceWorkItemMode = Literal["auto", "auto_repair", "manual_review", "ticket"]
ResolvedWorkItemMode = Literal["auto_repair", "manual_review", "ticket"]
RecurrenceWorkItemHandoffKind = Literal["ticket_proposal", "manual_takeover"]

STATUSES: tuple[WorkItemStatus, ...] = ("manual_gate", "failed_repair", "verified_repair", "automation_gap", "open")
# A recurrence needs attention from this many original (non-duplicate) firings on.
RECURRENT_ORIGINALS = 2
# From this many original firings on, a recurrence is chronic and climbs one priority level.
CHRONIC_ORIGINALS = 5
SHADOW_MODE = "shadow"

_SEVERITY_LEVEL: dict[str, int] = {"critical": 1, "error": 2, "warning": 3, "info": 4}
_NEEDS_A_HUMAN: frozenset[WorkItemStatus] = frozenset({"manual_gate", "failed_repair"})

NEXT_STEPS: dict[WorkItemStatus, str] = {status: texts.next_step(status).english for status in STATUSES}

# What `auto` means for each status (docs/work-items.md, "Modes").
AUTO_MODE: dict[WorkItemStatus, ResolvedWorkItemMode] = {
    "manual_gate": "manual_review",
    "failed_repair": "manual_review",
    "verified_repair": "manual_review",
    "automation_gap": "ticket",
    "open": "auto_repair",
}


@dataclass(frozen=True, slots=True)
class RunFacts:
    """The parts of a run classification looks at."""

    state: str
    mode: str
    repair_outcome: str | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class GroupFacts:
    """What is known about one recurrence group.

    ``latest_live_run`` is L: the newest run of the recurrence key that is not a shadow run (shadow runs,
    heartbeats among them, are recorded no-ops and never count). None means no live run was ever created.
    ``last_original_at`` is the newest original firing of the key (duplicates and resolves do not count).
    """

    latest_live_run: RunFacts | None
    playbook_matches: bool
    last_original_at: datetime | None


@dataclass(frozen=True, slots=True)
class Classification:
    status: WorkItemStatus
    why: texts.Phrase

    @property
    def reason(self) -> str:
        return self.why.english


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A group's work item as classification made it. Its API model (``RecurrenceWorkItemRead``) is built
    from it on demand: a window holds up to 300 work items, a preview shows one."""

    work_item_id: str
    project_id: str
    recurrence_key: str
    status: WorkItemStatus
    why: texts.Phrase
    title: texts.Phrase
    next_step: str
    priority: Priority

    def seed_fields(self) -> dict[str, Any]:
        """The work item as the seed's recurrence item carries it (an untyped dict there)."""
        return {
            "work_item_id": self.work_item_id,
            "project_id": self.project_id,
            "recurrence_key": self.recurrence_key,
            "status": self.status,
            "status_reason": self.why.english,
            "title": self.title.english,
            "next_step": self.next_step,
            "priority": self.priority,
        }


def recurred_after(run: RunFacts, last_original_at: datetime | None) -> bool:
    """True when an original firing arrived after the run finished (an unfinished run has no "after")."""
    if last_original_at is None:
        return False
    return run.finished_at is None or last_original_at > run.finished_at


def classify(facts: GroupFacts) -> Classification:
    """SPEC §5, first matching rule wins."""
    latest = facts.latest_live_run
    if latest is None:
        if not facts.playbook_matches:
            return Classification("automation_gap", texts.phrase("wi.reason.no_run_no_playbook"))
        return Classification("open", texts.phrase("wi.reason.playbook_no_run"))
    return _classify_by_run(latest, facts.last_original_at)


def _classify_by_run(latest: RunFacts, last_original_at: datetime | None) -> Classification:
    """Rules 1-3 and 5 for a group that has a latest live run L."""
    if latest.state == "awaiting_approval":
        return Classification("manual_gate", texts.phrase("wi.reason.awaiting_approval"))
    if latest.state == "failed" or latest.repair_outcome == "failed":
        outcome = str(latest.repair_outcome)
        return Classification("failed_repair", texts.phrase("wi.reason.failed", state=latest.state, outcome=outcome))
    if latest.state == "completed" and latest.repair_outcome == "verified":
        if recurred_after(latest, last_original_at):
            return Classification("open", texts.phrase("wi.reason.recurred_after_verified"))
        return Classification("verified_repair", texts.phrase("wi.reason.verified"))
    outcome = latest.repair_outcome or "none"
    return Classification("open", texts.phrase("wi.reason.latest_run", state=latest.state, outcome=outcome))


def is_recurrent(original_total: int) -> bool:
    return original_total >= RECURRENT_ORIGINALS


def has_work_item(status: WorkItemStatus, *, recurrent: bool) -> bool:
    """SPEC §5: recurrent groups, and every group that needs a human (gate or failed repair)."""
    return recurrent or status in _NEEDS_A_HUMAN


def priority(severity: str | None, status: WorkItemStatus, original_total: int) -> Priority:
    """Severity sets the base level; needing a human and chronic recurrence raise it; a verified repair lowers it."""
    level = _SEVERITY_LEVEL.get(severity or "", 4)
    if status in _NEEDS_A_HUMAN:
        level -= 1
    if original_total >= CHRONIC_ORIGINALS:
        level -= 1
    if status == "verified_repair":
        level += 1
    clamped = min(max(level, 1), 4)
    result: Priority = "P1" if clamped == 1 else "P2" if clamped == 2 else "P3" if clamped == 3 else "P4"
    return result


def work_item_title(
    *,
    alertname: str | None,
    namespace: str | None,
    target_resource: str | None,
    recurrence_key: str,
    original_total: int,
) -> texts.Phrase:
    what = alertname or recurrence_key
    where = "/".join(part for part in (namespace, target_resource) if part)
    times = "once" if original_total == 1 else "n"
    if where:
        return texts.phrase(f"wi.title.where_{times}", what=what, where=where, n=original_total)
    return texts.phrase(f"wi.title.{times}", what=what, n=original_total)


def resolve_mode(
    requested: RecurrenceWorkItemMode, status: WorkItemStatus, *, playbook_available: bool, run_in_flight: bool
) -> ResolvedWorkItemMode:
    """`auto` picks the mode that fits the status; any explicit mode is taken as asked.

    An open item goes to auto-repair only when a live playbook matches and nothing is already running;
    with a run in flight someone is on it (manual review), with no playbook it becomes a ticket.
    """
    if requested != "auto":
        return requested
    if status != "open":
        return AUTO_MODE[status]
    if run_in_flight:
        return "manual_review"
    return "auto_repair" if playbook_available else "ticket"
