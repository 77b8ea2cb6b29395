"""What the incidents API and services return."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

IncidentStatus = Literal["open", "resolved"]


class IncidentRead(BaseModel):
    """One incident: an open problem per recurrence key while it fires."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="Human id, e.g. INC-000123")
    project_id: str
    status: IncidentStatus
    title: str
    severity: str | None
    recurrence_key: str
    firing_fingerprints: list[str] = Field(description="Fingerprints still firing (empty once resolved)")
    opened_at: datetime
    resolved_at: datetime | None


class IncidentRunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    state: str
    mode: str
    agent_id: str
    playbook_id: str | None
    repair_outcome: str | None
    created_at: datetime
    finished_at: datetime | None


class IncidentEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: str | None
    provider_event_id: str
    stage: str
    content_preview: str | None
    received_at: datetime


class IncidentDetailRead(IncidentRead):
    """An incident with its runs and its newest events (at most ``EVENT_LIMIT``)."""

    runs: list[IncidentRunRead]
    events: list[IncidentEventRead]


class IncidentPage(BaseModel):
    items: list[IncidentRead]
    limit: int
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page; null at the end")
