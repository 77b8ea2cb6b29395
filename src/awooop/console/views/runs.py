"""Runs list and run detail (pure view building over the runs service's models)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from awooop.console.views.common import as_datetime
from awooop.console.views.dossier import DossierEvent, dossier_events
from awooop.dossier.schemas import ChannelEventDossierItem, ChannelEventDossierResponse, ChannelEventDossierSummary
from awooop.runs.schemas import RunAlertLabel, RunDetailRead, RunPage, RunRead, RunTransitionRead
from awooop.runs.states import AWAITING_APPROVAL, CANCELLED, COMPLETED, FAILED, QUEUED, RUNNING

# Every run state (runs.states), in the console's order: what needs a human first, then the rest.
RUN_STATES: tuple[str, ...] = (AWAITING_APPROVAL, QUEUED, RUNNING, FAILED, COMPLETED, CANCELLED)
OUTCOME_CLASS = {"verified": "ok", "failed": "bad", "unverified": "warn"}
# The dossier header's figures: catalog stem (runs.<stem>_one / _n) and dossier summary field.
DOSSIER_FIGURES = (
    ("linked_events", "source_count"),
    ("duplicates", "duplicate_total"),
    ("redacted", "redacted_total"),
    ("refs", "source_ref_total"),
)


def seconds_between(start: object, end: object) -> float | None:
    a, b = as_datetime(start), as_datetime(end)
    return (b - a).total_seconds() if a and b else None


def alert_label(event: ChannelEventDossierItem | None) -> str:
    """``HighErrorRate · checkout/api`` from a dossier event; empty without an alert name."""
    if event is None or not event.alertname:
        return ""
    where = "/".join(part for part in (event.namespace, event.target_resource) if part)
    return f"{event.alertname} · {where}" if where else event.alertname


def recurrence_label(key: str | None) -> str:
    """``k:alertmanager|HighErrorRate|prod|checkout`` → ``HighErrorRate · prod · checkout``."""
    if not key:
        return ""
    if key.startswith("k:"):
        parts = [p for p in key[2:].split("|")[1:] if p]
        return " · ".join(parts) or key
    return key


def run_subject(run: RunRead) -> str:
    """What the run is about, from the run alone: its playbook, else its recurrence group."""
    return run.playbook_id or group_label(run.recurrence_key)


def group_label(key: str | None) -> str:
    """The recurrence group in a list cell: ``k:`` keys spelled out, fingerprints without the prefix."""
    if key and key.startswith("fp:"):
        return key[3:]
    return recurrence_label(key)


@dataclass(frozen=True, slots=True)
class RunRow:
    run: RunRead
    in_dossier: bool  # a linked event carries a source envelope: the alert was ingested, refs kept
    duration_seconds: float | None
    alert: RunAlertLabel | None = None  # runs.service.run_alert_labels

    @property
    def alert_name(self) -> str:
        """The alert's name, else its incident's title; empty when the run names no alert."""
        if self.alert is None:
            return ""
        return self.alert.alertname or self.alert.incident_title or ""

    @property
    def alert_where(self) -> str:
        """``checkout/api``: namespace and target of a named alert (an incident title already says it)."""
        if self.alert is None or not self.alert.alertname:
            return ""
        return "/".join(p for p in (self.alert.namespace, self.alert.target_resource) if p)

    @property
    def severity(self) -> str | None:
        return self.alert.severity if self.alert is not None else None

    @property
    def outcome_class(self) -> str:
        return OUTCOME_CLASS.get(self.run.repair_outcome or "", "neutral")

    @property
    def subject(self) -> str:
        return run_subject(self.run)

    @property
    def group(self) -> str:
        return group_label(self.run.recurrence_key)

    @property
    def detail(self) -> str:
        """The second line. Under an alert: playbook, action, group. Otherwise the subject line is the
        playbook (or the group): then the action, and the group unless the subject already is it."""
        if self.alert_name:
            parts = [self.run.playbook_id, self.run.action, self.group]
        else:
            parts = [self.run.action, self.group if self.run.playbook_id else None]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class RunsView:
    rows: list[RunRow]
    state: str | None
    next_cursor: str | None
    states: tuple[str, ...] = RUN_STATES
    heartbeats: bool = False  # heartbeat shadow runs listed too (hidden by default)


def build_runs_view(
    page: RunPage,
    in_dossier: Collection[Any],
    *,
    state: str | None,
    now: datetime,
    alerts: Mapping[Any, RunAlertLabel] | None = None,
    heartbeats: bool = False,
) -> RunsView:
    """``in_dossier``: the ids of the listed runs whose alert has a source envelope
    (``dossier.service.runs_with_dossier``); ``alerts``: which alert each run is about
    (``runs.service.run_alert_labels``)."""
    labels = alerts or {}
    rows = [
        RunRow(
            run=run,
            in_dossier=run.id in in_dossier,
            duration_seconds=seconds_between(run.started_at or run.created_at, run.finished_at or now),
            alert=labels.get(run.id),
        )
        for run in page.items
    ]
    return RunsView(rows=rows, state=state, next_cursor=page.next_cursor, heartbeats=heartbeats)


@dataclass(frozen=True, slots=True)
class TimelineStep:
    transition: RunTransitionRead
    since_previous_seconds: float | None


@dataclass(frozen=True, slots=True)
class RunDetailView:
    run: RunDetailRead
    timeline: list[TimelineStep]
    dossier: list[DossierEvent]
    dossier_summary: ChannelEventDossierSummary
    awaiting_approval: bool

    @property
    def subject(self) -> str:
        # The oldest linked event is the one that started the run.
        for event in reversed(self.dossier):
            if label := alert_label(event.item):
                return label
        return recurrence_label(self.run.recurrence_key)

    @property
    def outcome_class(self) -> str:
        return OUTCOME_CLASS.get(self.run.repair_outcome or "", "neutral")

    @property
    def dossier_counts(self) -> list[tuple[str, int]]:
        """(catalog key, n) per figure of the dossier header, singular or plural by n."""
        return [
            (f"runs.{name}_one" if n == 1 else f"runs.{name}_n", n)
            for name, field in DOSSIER_FIGURES
            for n in [int(getattr(self.dossier_summary, field))]
        ]


def build_timeline(transitions: Sequence[RunTransitionRead]) -> list[TimelineStep]:
    steps = []
    previous = None
    for transition in transitions:
        steps.append(TimelineStep(transition, seconds_between(previous, transition.at) if previous else None))
        previous = transition.at
    return steps


def build_run_detail(run: RunDetailRead, dossier: ChannelEventDossierResponse) -> RunDetailView:
    return RunDetailView(
        run=run,
        timeline=build_timeline(run.transitions),
        dossier=dossier_events(dossier.events),
        dossier_summary=dossier.summary,
        awaiting_approval=run.state == "awaiting_approval",
    )
