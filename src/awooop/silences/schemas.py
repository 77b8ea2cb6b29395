"""Request and response models: the Alertmanager v2 silence body plus AwoooP's fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

StateName = Literal["pending", "active", "expired"]


class MatcherBody(BaseModel):
    """Alertmanager v2 matcher."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=256)
    value: str = Field(max_length=1024)
    isRegex: bool = False  # noqa: N815 - Alertmanager's field name
    isEqual: bool = True  # noqa: N815 - Alertmanager's field name


class SilenceBody(BaseModel):
    """The Alertmanager v2 ``PostableSilence`` (``createdBy`` is taken from the caller's key)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str | None = None  # Alertmanager: posting an id updates that silence
    matchers: list[MatcherBody] = Field(default_factory=list, max_length=64)
    startsAt: datetime | None = None  # noqa: N815 - Alertmanager's field name
    endsAt: datetime  # noqa: N815 - Alertmanager's field name
    createdBy: str | None = Field(default=None, max_length=128)  # noqa: N815 - Alertmanager's field name
    comment: str = Field(default="", max_length=4096)


class SilenceCreate(SilenceBody):
    """``POST /api/v1/platform/silences``."""

    project_id: str = Field(min_length=1, max_length=64)
    match_all: bool = False
    time_intervals: list[dict[str, Any]] | None = Field(default=None, max_length=32)
    time_zone: str | None = Field(default=None, max_length=64)


class SilenceUpdate(SilenceBody):
    """``PUT /api/v1/platform/silences/{id}``: the replacement (the old one is expired)."""

    match_all: bool = False
    time_intervals: list[dict[str, Any]] | None = Field(default=None, max_length=32)
    time_zone: str | None = Field(default=None, max_length=64)


class SilencePreviewRequest(BaseModel):
    project_id: str = Field(min_length=1, max_length=64)
    matchers: list[MatcherBody] = Field(default_factory=list, max_length=64)
    match_all: bool = False


class SilenceRead(BaseModel):
    id: uuid.UUID
    project_id: str
    matchers: list[MatcherBody]
    match_all: bool
    starts_at: datetime
    ends_at: datetime
    time_intervals: list[dict[str, Any]] | None
    time_zone: str | None
    state: StateName
    muting_now: bool = Field(description="active and, when recurring, inside one of its windows now")
    created_by: str
    comment: str
    replaced_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    matchers_text: str = Field(description='the matchers as text, e.g. alertname="X", team=~"a|b"')


class SilencePage(BaseModel):
    items: list[SilenceRead]


class PreviewIncident(BaseModel):
    incident_id: str
    title: str
    severity: str | None
    recurrence_key: str
    opened_at: datetime


class PreviewGroup(BaseModel):
    recurrence_key: str
    alertname: str | None
    namespace: str | None
    target_resource: str | None
    provider: str | None
    occurrences: int
    latest_received_at: datetime


class SilencePreviewRead(BaseModel):
    project_id: str
    matchers_text: str
    incidents: list[PreviewIncident]
    recurrence_groups: list[PreviewGroup]
    events_examined: int


class AlertmanagerSilenceRead(BaseModel):
    """Alertmanager v2 ``GettableSilence``."""

    id: str
    status: dict[str, str]
    updatedAt: str  # noqa: N815 - Alertmanager's field name
    matchers: list[MatcherBody]
    startsAt: str  # noqa: N815 - Alertmanager's field name
    endsAt: str  # noqa: N815 - Alertmanager's field name
    createdBy: str  # noqa: N815 - Alertmanager's field name
    comment: str


class SilencedEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(serialization_alias="event_id")
    provider: str | None
    provider_event_id: str
    stage: str
    alertname: str | None
    severity: str | None
    namespace: str | None
    target_resource: str | None
    recurrence_key: str | None
    incident_id: str | None
    content_preview: str | None
    received_at: datetime


class SilencedEventsRead(BaseModel):
    silence_id: uuid.UUID
    events: list[SilencedEventRead]
