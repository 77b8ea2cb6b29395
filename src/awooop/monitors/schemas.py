"""What the monitors API accepts and returns (the service returns these too)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

Severity = Literal["critical", "error", "warning", "info"]
Priority = Literal["P1", "P2", "P3", "P4", "P5"]
State = Literal["new", "up", "expired", "paused"]
Kind = Literal["ping", "freshness", "synthetic"]
AlertProvider = Literal["alertmanager", "signoz", "grafana", "sentry", "generic"]
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$")
MAX_INTERVAL_SECONDS = 366 * 86_400


def _name(value: str) -> str:
    if not NAME_RE.fullmatch(value):
        raise ValueError("name: 1-200 characters, letters, digits, space, . _ : -; starting with a letter or digit")
    return value


MonitorName = Annotated[str, AfterValidator(_name)]


class MonitorSettings(BaseModel):
    """Fields an operator may set; every one optional on update."""

    description: str | None = Field(default=None, max_length=10_000)
    interval_seconds: int | None = Field(default=None, ge=10, le=MAX_INTERVAL_SECONDS)
    grace_seconds: int | None = Field(default=None, ge=0, le=MAX_INTERVAL_SECONDS)
    enabled: bool | None = None
    alert_message: str | None = Field(default=None, max_length=512)
    severity: Severity | None = None
    labels: dict[str, str] | None = None
    owner_team: str | None = Field(default=None, max_length=200)
    tags: list[Annotated[str, Field(max_length=128)]] | None = Field(default=None, max_length=50)
    priority: Priority | None = None


class MonitorCreate(MonitorSettings):
    name: MonitorName
    interval_seconds: int | None = Field(default=None, ge=10, le=MAX_INTERVAL_SECONDS, description="Required")
    kind: Kind = Field(
        default="ping",
        description="ping: pinged by URL; freshness: pinged by the provider's real events; "
        "synthetic: pinged by the provider's recorded synthetic heartbeats",
    )
    provider: AlertProvider | None = Field(default=None, description="Required for freshness and synthetic")

    @model_validator(mode="after")
    def _provider_for_provider_kinds(self) -> MonitorCreate:
        if self.kind != "ping" and self.provider is None:
            raise ValueError(f"provider is required for a {self.kind} monitor")
        if self.kind == "ping" and self.provider is not None:
            raise ValueError("provider is only for freshness and synthetic monitors")
        return self


class MonitorUpdate(MonitorSettings):
    pass


class MonitorRead(BaseModel):
    project_id: str
    name: str
    kind: str
    provider: str | None
    description: str | None
    interval_seconds: int
    grace_seconds: int
    enabled: bool
    alert_message: str | None
    severity: str
    labels: dict[str, Any]
    owner_team: str | None
    tags: list[str]
    priority: str
    state: State
    last_ping_at: datetime | None
    last_ping_age_seconds: float | None = Field(description="Seconds since the last ping; null when never pinged")
    deadline: datetime | None = Field(description="When it expires without a ping (last ping + interval + grace)")
    open_incident_id: str | None
    ping_count: int
    ping_path: str = Field(description="Path of the ping URL (intake token required)")
    created_at: datetime
    updated_at: datetime


class MonitorList(BaseModel):
    items: list[MonitorRead]
