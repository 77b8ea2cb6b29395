"""What the runs, agents and playbooks APIs accept and return (services return these too)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from awooop.incidents.schemas import IncidentRead

RunStateName = Literal["queued", "awaiting_approval", "running", "completed", "failed", "cancelled"]
RepairOutcome = Literal["verified", "failed", "unverified"]
ReportState = Literal["running", "completed", "failed", "cancelled"]


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: str
    state: RunStateName
    mode: Literal["live", "shadow"]
    agent_id: str
    playbook_id: str | None
    action: str | None
    recurrence_key: str | None
    incident_id: str | None
    trigger_event_id: uuid.UUID | None
    repair_outcome: RepairOutcome | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunTransitionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_state: str | None = Field(description="null for the creation of the run")
    to_state: str
    actor: str
    note: str | None
    at: datetime


class LinkedEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: str | None
    provider_event_id: str
    stage: str
    is_duplicate: bool
    received_at: datetime
    preview: str | None = Field(validation_alias="content_preview")


class RunDetailRead(RunRead):
    """A run with its full transition history (oldest first), its newest linked events and its incident."""

    transitions: list[RunTransitionRead]
    events: list[LinkedEventRead]
    events_truncated: bool = Field(description="True when more linked events exist than listed")
    incident: IncidentRead | None


class RunPage(BaseModel):
    items: list[RunRead]
    limit: int
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page; null at the end")


class RunAlertLabel(BaseModel):
    """Which alert a run is about: its trigger event's labels, else its incident's title."""

    alertname: str | None
    severity: str | None
    namespace: str | None
    target_resource: str | None
    incident_title: str | None


def _no_nul(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL: refuse it here (422 naming the field), not as a 500 on insert.
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL (\\x00) characters")
    return value


Note = Annotated[str | None, AfterValidator(_no_nul)]


class RunDecisionCreate(BaseModel):
    """Body of approve, reject and cancel (optional)."""

    model_config = ConfigDict(extra="forbid")

    note: Note = Field(default=None, max_length=2000)


class RunReportCreate(BaseModel):
    """An agent's report on a run it holds."""

    model_config = ConfigDict(extra="forbid")

    state: ReportState
    repair_outcome: RepairOutcome | None = None
    note: Note = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _outcome_fits_state(self) -> RunReportCreate:
        if self.repair_outcome is not None and self.state not in ("completed", "failed"):
            raise ValueError(f"repair_outcome is only reported with state completed or failed, not {self.state}")
        return self


class TriggerEventRead(BaseModel):
    """The event that started a run, with what an agent needs to act: refs back to the sources."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: str | None
    provider_event_id: str
    stage: str
    alertname: str | None
    severity: str | None
    namespace: str | None
    target_resource: str | None
    fingerprint: str | None
    labels: dict[str, Any]
    content_preview: str | None
    source_url: str | None
    source_refs: dict[str, Any]
    log_correlation: dict[str, Any]
    provider_ts: datetime | None
    received_at: datetime


class ClaimRead(BaseModel):
    """A claimed run (now running) with its context."""

    run: RunRead
    trigger_event: TriggerEventRead | None
    incident: IncidentRead | None
    dossier_path: str = Field(description="Operator API path listing every event linked to this run")
