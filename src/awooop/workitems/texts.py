"""Every sentence the work-item services generate, by key, in English (the API's language).

Each text is a key and its parameters; the API answers the English rendering and carries the key
and parameters beside it, so the console can say the same thing in its reader's language (its
catalogs must hold every key here: a test fails on a missing 繁體中文 text). Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

ENGLISH: Final[Mapping[str, str]] = {
    # why a work item has its status (classify.py)
    "wi.reason.no_run_no_playbook": "no live run was ever created and no playbook matches",
    "wi.reason.playbook_no_run": "a playbook matches but no live run was created yet",
    "wi.reason.awaiting_approval": "the latest run waits for an operator's approval",
    "wi.reason.failed": "the latest run ended {state}, repair outcome {outcome}",
    "wi.reason.recurred_after_verified": "the problem fired again after a verified repair",
    "wi.reason.verified": "the latest run verified its repair and nothing fired since",
    "wi.reason.latest_run": "the latest run is {state}, repair outcome {outcome}",
    # a work item's title
    "wi.title.where_once": "{what} on {where} fired once",
    "wi.title.where_n": "{what} on {where} fired {n}×",
    "wi.title.once": "{what} fired once",
    "wi.title.n": "{what} fired {n}×",
    # what to do next, by status
    "wi.next.manual_gate": (
        "Approve or reject the remediation run waiting for approval; it does nothing until an operator decides."
    ),
    "wi.next.failed_repair": (
        "Auto-repair failed: take the work item over manually or hand off a ticket proposal with the evidence; "
        "do not retry blindly."
    ),
    "wi.next.verified_repair": "Repair verified and no new firing since: nothing to do; watch for the next recurrence.",
    "wi.next.automation_gap": (
        "No playbook matches and no run was ever tried: add a playbook or hand off a ticket proposal."
    ),
    "wi.next.open": "Recurring without a verified repair: review the evidence, run a dry-run, then repair or hand off.",
    # pre-flight check details (preflight.py)
    "wi.check.work_item_found": "{work_item_id} in project {project_id}: {status}",
    "wi.check.dossier_present.none": "no event of this group has a source envelope",
    "wi.check.dossier_present.aged_out": "the raw events of this work item aged out (retention)",
    "wi.check.dossier_present.no_refs": "{enveloped}/{total} events have an envelope but no source refs",
    "wi.check.dossier_present.ok": "{enveloped}/{total} events have an envelope; {refs} source refs, by kind: {kinds}",
    "wi.check.recurrence_active.firing": "still firing; {originals} original firings in the window",
    "wi.check.recurrence_active.aged_out": (
        "no raw event of this recurrence key is left: it aged out; its lifetime comes from daily rollups"
    ),
    "wi.check.recurrence_active.quiet": "latest event is {stage} at {at}; {originals} original firings in the window",
    "wi.check.no_run_in_flight.none": "no run of this recurrence key is queued, running or awaiting approval",
    "wi.check.no_run_in_flight.race": "in flight: {runs}; a second repair would race it",
    "wi.check.no_run_in_flight.busy": "in flight: {runs}; someone may already be on it",
    "wi.check.playbook_available.none": "no playbook matches the latest event of this group",
    "wi.check.playbook_available.shadow": "playbook {playbook_id} matches in shadow mode: runs record, never act",
    "wi.check.playbook_available.ok": "playbook {playbook_id}: agent {agent_id}, action {action}",
    "wi.check.playbook_available.gated": (
        "playbook {playbook_id}: agent {agent_id}, action {action}, behind an approval gate"
    ),
    "wi.check.repair_budget.ok": "{failed} failed repairs in the last 24 h (budget {budget})",
    "wi.check.repair_budget.exhausted": (
        "{failed} failed repairs in the last 24 h (budget {budget}): exhausted, no further auto-repair"
    ),
    "wi.check.incident_state.none": "no incident was opened for this recurrence key",
    "wi.check.incident_state.open": "{incident_id} open since {at}",
    "wi.check.incident_state.closed": "{incident_id} {status} at {at}; nothing open now",
    # what a real execution would do (plans.py)
    "wi.do.stop": "blocked by {checks}: nothing would be changed",
    "wi.do.open_ticket_proposal": (
        "record a ticket proposal '{title}' with {events} evidence events and {links} source links; "
        "no external ticket is created"
    ),
    "wi.do.queue_run.live": (
        "queue a live run for agent {agent_id} with action {action} (playbook {playbook_id}) "
        "on recurrence key {recurrence_key}"
    ),
    "wi.do.queue_run.shadow": (
        "queue a shadow run (recorded, no action taken) for agent {agent_id} with action {action} "
        "(playbook {playbook_id}) on recurrence key {recurrence_key}"
    ),
    "wi.do.request_approval": "hold the run in awaiting_approval until an operator approves",
    "wi.do.link_incident": "link the run to incident {incident_id}",
    "wi.do.decide_approval": (
        "operator {operator_id} approves run {run_id} (queued for agent {agent_id}) or rejects it (cancelled)"
    ),
    "wi.do.assign.run": (
        "assign the work item to operator {operator_id} with {events} evidence events; latest run {run_id} is {state}"
    ),
    "wi.do.assign.no_run": (
        "assign the work item to operator {operator_id} with {events} evidence events; no live run yet"
    ),
}


@dataclass(frozen=True, slots=True)
class Phrase:
    """A generated sentence: its catalog key and the values it names."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def english(self) -> str:
        return ENGLISH[self.key].format(**self.params)


def phrase(key: str, **params: Any) -> Phrase:
    if key not in ENGLISH:
        raise KeyError(f"no text {key!r} in workitems.texts")
    return Phrase(key, params)


def next_step(status: str) -> Phrase:
    return phrase(f"wi.next.{status}")
