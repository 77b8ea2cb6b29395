"""What every format parser yields: one record per channel event to import (pure data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from awooop.hub.providers.base import Severity

ImportStage = Literal["firing", "resolved"]
ORIGIN_SYSTEMS: tuple[str, ...] = ("alerta", "opsgenie", "oncall", "awooop")


class RecordRefused(ValueError):
    """A record that cannot become an event (the summary names its number and this reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SourcePayload:
    """The original webhook body a legacy system kept, in the format of an AwoooP provider."""

    provider: str
    body: Any


@dataclass(frozen=True, slots=True)
class ImportedRecord:
    """One state change of a legacy alert: becomes one channel event at ``occurred_at``."""

    origin_system: str
    origin_id: str
    stage: ImportStage
    occurred_at: datetime
    provider: str
    alertname: str | None = None
    severity: Severity | None = None
    namespace: str | None = None
    target_resource: str | None = None
    fingerprint: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    summary: str | None = None
    source_url: str | None = None
    source_refs: dict[str, dict[str, str]] = field(default_factory=dict)
    log_correlation: dict[str, str] = field(default_factory=dict)
    occurrences: int | None = None
    payload: SourcePayload | None = None


@dataclass(frozen=True, slots=True)
class ExportedEvent:
    """A line of AwoooP's own JSONL export: an event with its envelope, already normalised."""

    row: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Ignored:
    """A record that is valid but is no firing/resolved change (an Alerta ack, a note)."""

    reason: str


Parsed = ImportedRecord | ExportedEvent | Ignored
