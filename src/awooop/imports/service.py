"""Records → rows → stored events, in batches. ``convert`` is pure; ``store_rows`` inserts in
the caller's transaction and never commits (the import job commits each batch)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.errors import NotFound
from awooop.hub.service import replace_nul
from awooop.imports import repository
from awooop.imports.convert import Row, exported_row, record_row
from awooop.imports.encode import Encoded
from awooop.imports.formats import Format
from awooop.imports.records import ExportedEvent, Ignored, ImportedRecord, RecordRefused

# The summary lists this many refusals one by one, and counts the rest.
REFUSALS_SHOWN = 50
_IDENTITY = frozenset({"provider_event_id", "fingerprint", "recurrence_key", "channel_chat_id", "origin_id"})
_WIDTHS: tuple[tuple[str, int, bool], ...] = tuple(
    (c.name, c.type.length, c.name in _IDENTITY)
    for c in repository.EVENTS.columns
    if isinstance(c.type, String) and c.type.length
)


@dataclass(frozen=True, slots=True)
class Refusal:
    source: str
    number: int
    reason: str


@dataclass(slots=True)
class ImportSummary:
    """What ``awooop import`` prints at the end."""

    read: int = 0
    events: int = 0
    imported: int = 0
    skipped: int = 0
    ignored: int = 0
    refused: int = 0
    refusals: list[Refusal] = field(default_factory=list)

    def refuse(self, source: str, number: int, reason: str) -> None:
        self.refused += 1
        if len(self.refusals) < REFUSALS_SHOWN:
            self.refusals.append(Refusal(source, number, reason))

    @classmethod
    def combined(cls, parts: Iterable[ImportSummary], sources: Sequence[str]) -> ImportSummary:
        """The counts of several converters' shares of the same ``sources``, refusals in file order
        (each part lists its own first ones, so the first of all are among them)."""
        total = cls()
        for part in parts:
            for name in ("read", "events", "imported", "skipped", "ignored", "refused"):
                setattr(total, name, getattr(total, name) + getattr(part, name))
            total.refusals.extend(part.refusals)
        order = {name: index for index, name in reversed(list(enumerate(sources)))}
        total.refusals.sort(key=lambda refusal: (order.get(refusal.source, 0), refusal.number))
        del total.refusals[REFUSALS_SHOWN:]
        return total


def convert(project_id: str, fmt: Format, record: Any) -> tuple[list[Row], int]:
    """(rows, ignored count) of one record; raises ``RecordRefused``."""
    if isinstance(record, RecordRefused):
        raise record
    rows: list[Row] = []
    ignored = 0
    for parsed in fmt.parse(record):
        if isinstance(parsed, Ignored):
            ignored += 1
        elif isinstance(parsed, ImportedRecord):
            rows.append(record_row(project_id, parsed))  # fitted as it is built
        elif isinstance(parsed, ExportedEvent):
            rows.append(_fit(replace_nul(exported_row(project_id, parsed))))
    return rows, ignored


def _fit(row: Row) -> Row:
    """The widths PostgreSQL enforces, on both engines; identities keep a hash suffix."""
    for name, width, identity in _WIDTHS:
        value = row.get(name)
        if type(value) is str and len(value) > width:
            if identity:
                digest = hashlib.sha256(value.encode()).hexdigest()[:16]
                row[name] = f"{value[: width - 17]}~{digest}"
            else:
                row[name] = value[: width - 1] + "…"
    return row


async def require_project(session: AsyncSession, project_id: str) -> None:
    if not await repository.project_exists(session, project_id):
        raise NotFound(f"project {project_id} not found")


async def store_rows(session: AsyncSession, records: Sequence[Encoded]) -> int:
    """Insert what is not there yet (rows encoded by ``imports.encode``); returns how many were
    inserted. No routing, ever: imported events open no incident, queue no run and notify nobody."""
    return await repository.insert_new(session, records)


async def origins_of(session: AsyncSession, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Which of these events were imported, and from where (the console's "imported from X")."""
    return await repository.origins(session, event_ids)
