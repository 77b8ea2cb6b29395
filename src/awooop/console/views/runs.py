"""Runs list and run detail (pure view building over the runs service's models)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from awooop.console.views.common import as_datetime
from awooop.console.views.dossier import DossierEvent, dossier_events
from awooop.runs.schemas import RunDetailRead, RunPage, RunRead, RunTransitionRead

RUN_STATES: tuple[str, ...] = ("awaiting_approval", "queued", "running", "failed", "completed", "cancelled")
OUTCOME_CLASS = {"verified": "ok", "failed": "bad", "unverified": "warn"}


def seconds_between(start: object, end: object) -> float | None:
    a, b = as_datetime(start), as_datetime(end)
    return (b - a).total_seconds() if a and b else None


def alert_label(event: Mapping[str, Any] | None) -> str:
    """``HighErrorRate · checkout/api`` from a dossier event; empty without an alert name."""
    if not event or not event.get("alertname"):
        return ""
    where = "/".join(str(event[k]) for k in ("namespace", "target_resource") if event.get(k))
    return f"{event['alertname']} · {where}" if where else str(event["alertname"])


def recurrence_label(key: str | None) -> str:
    """``k:alertmanager|HighErrorRate|prod|checkout`` → ``HighErrorRate · prod · checkout``."""
    if not key:
        return ""
    if key.startswith("k:"):
        parts = [p for p in key[2:].split("|")[1:] if p]
        return " · ".join(parts) or key
    return key


@dataclass(frozen=True, slots=True)
class RunRow:
    run: RunRead
    source: Mapping[str, Any] | None  # the newest linked dossier event, if any
    duration_seconds: float | None

    @property
    def in_dossier(self) -> bool:
        """The run's alert was ingested with a source envelope (a content hash is part of every envelope)."""
        return bool(self.source and self.source.get("content_sha256"))

    @property
    def outcome_class(self) -> str:
        return OUTCOME_CLASS.get(self.run.repair_outcome or "", "neutral")

    @property
    def subject(self) -> str:
        return alert_label(self.source) or recurrence_label(self.run.recurrence_key)

    @property
    def severity(self) -> str | None:
        return str(self.source["severity"]) if self.source and self.source.get("severity") else None


@dataclass(frozen=True, slots=True)
class RunsView:
    rows: list[RunRow]
    state: str | None
    next_cursor: str | None
    states: tuple[str, ...] = RUN_STATES


def build_runs_view(
    page: RunPage, sources: Mapping[Any, Mapping[str, Any] | None], *, state: str | None, now: datetime
) -> RunsView:
    rows = [
        RunRow(
            run=run,
            source=sources.get(run.id),
            duration_seconds=seconds_between(run.started_at or run.created_at, run.finished_at or now),
        )
        for run in page.items
    ]
    return RunsView(rows=rows, state=state, next_cursor=page.next_cursor)


@dataclass(frozen=True, slots=True)
class TimelineStep:
    transition: RunTransitionRead
    since_previous_seconds: float | None


@dataclass(frozen=True, slots=True)
class RunDetailView:
    run: RunDetailRead
    timeline: list[TimelineStep]
    dossier: list[DossierEvent]
    dossier_summary: Mapping[str, Any]
    awaiting_approval: bool

    @property
    def subject(self) -> str:
        # The oldest linked event is the one that started the run.
        for event in reversed(self.dossier):
            if label := alert_label(event.raw):
                return label
        return recurrence_label(self.run.recurrence_key)

    @property
    def outcome_class(self) -> str:
        return OUTCOME_CLASS.get(self.run.repair_outcome or "", "neutral")


def build_timeline(transitions: Sequence[RunTransitionRead]) -> list[TimelineStep]:
    steps = []
    previous = None
    for transition in transitions:
        steps.append(TimelineStep(transition, seconds_between(previous, transition.at) if previous else None))
        previous = transition.at
    return steps


def build_run_detail(run: RunDetailRead, dossier: Mapping[str, Any]) -> RunDetailView:
    return RunDetailView(
        run=run,
        timeline=build_timeline(run.transitions),
        dossier=dossier_events(dossier.get("events", [])),
        dossier_summary=dossier.get("summary", {}),
        awaiting_approval=run.state == "awaiting_approval",
    )
