"""Incidents list and detail (pure view building over the incidents service's models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from awooop.console.views.runs import recurrence_label, seconds_between
from awooop.incidents.schemas import IncidentDetailRead, IncidentEventRead, IncidentPage, IncidentRead, IncidentRunRead

STATUSES: tuple[str, ...] = ("open", "resolved")
SEVERITIES: tuple[str, ...] = ("critical", "error", "warning", "info")
STATUS_CLASS = {"open": "bad", "resolved": "ok"}


@dataclass(frozen=True, slots=True)
class IncidentRow:
    incident: IncidentRead
    duration_seconds: float | None  # open → resolved, or open → now while it is open

    @property
    def status_class(self) -> str:
        return STATUS_CLASS.get(self.incident.status, "neutral")

    @property
    def group(self) -> str:
        return recurrence_label(self.incident.recurrence_key)


@dataclass(frozen=True, slots=True)
class IncidentsView:
    rows: list[IncidentRow]
    status: str
    severity: str
    text: str
    next_cursor: str | None
    many_projects: bool

    @property
    def filtered(self) -> bool:
        return bool(self.status or self.severity or self.text)


def build_incidents_view(
    page: IncidentPage, *, status: str, severity: str, text: str, now: datetime, many_projects: bool
) -> IncidentsView:
    rows = [
        IncidentRow(incident=item, duration_seconds=seconds_between(item.opened_at, item.resolved_at or now))
        for item in page.items
    ]
    return IncidentsView(
        rows=rows,
        status=status,
        severity=severity,
        text=text,
        next_cursor=page.next_cursor,
        many_projects=many_projects,
    )


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One moment of the incident's life: opened, an event, a run created or finished, resolved."""

    at: datetime
    kind: str  # catalog key suffix: incidents.timeline_<kind>
    event: IncidentEventRead | None = None
    run: IncidentRunRead | None = None


@dataclass(frozen=True, slots=True)
class IncidentDetailView:
    incident: IncidentDetailRead
    timeline: list[TimelineEntry]

    @property
    def status_class(self) -> str:
        return STATUS_CLASS.get(self.incident.status, "neutral")

    @property
    def group(self) -> str:
        return recurrence_label(self.incident.recurrence_key)


def build_timeline(incident: IncidentDetailRead) -> list[TimelineEntry]:
    """Oldest first; at equal times opened comes first and resolved last."""
    entries = [TimelineEntry(incident.opened_at, "opened")]
    entries += [TimelineEntry(event.received_at, f"event_{event.stage}", event=event) for event in incident.events]
    for run in incident.runs:
        entries.append(TimelineEntry(run.created_at, "run_created", run=run))
        if run.finished_at is not None:
            entries.append(TimelineEntry(run.finished_at, "run_finished", run=run))
    if incident.resolved_at is not None:
        entries.append(TimelineEntry(incident.resolved_at, "resolved"))
    rank = {"opened": 0, "resolved": 2}
    return sorted(entries, key=lambda entry: (entry.at, rank.get(entry.kind, 1)))


def build_incident_detail(incident: IncidentDetailRead) -> IncidentDetailView:
    return IncidentDetailView(incident=incident, timeline=build_timeline(incident))
