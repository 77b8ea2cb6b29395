"""Envelope, dedup and persistence of intake items.

Two steps, so the HTTP path can do the CPU work in the request and leave only writes to the
group-commit flusher: ``prepare_rows`` (pure: envelopes → column dicts) and ``persist_rows``
(dedup + multi-row inserts, inside the caller's transaction); what follows belongs to
remediation (``awooop.remediation``: Watchdog pings, then ``route_committed`` for the originals),
the hub's one way into incidents, runs and notifications. ``record_items`` does it all for
in-process callers (heartbeat API, demo loader). Services flush, never commit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from awooop.core.clock import as_utc, utcnow
from awooop.core.dialect import writers_serialised
from awooop.core.ids import uuid7
from awooop.core.metrics import INTAKE_EVENTS
from awooop.hub import repository
from awooop.hub.envelope import DeliveryMemo, Envelope, build_envelope
from awooop.hub.providers import ParsedItem
from awooop.hub.providers.heartbeat import is_heartbeat
from awooop.hub.repository import EVENTS, EventKey
from awooop.hub.workitem_keys import KnownKeys, remember_new_keys
from awooop.remediation import CommittedEvent, RoutingCaches, committed_events, divert_monitor_pings, route_committed

ENVELOPE_COLUMNS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(Envelope))
HEARTBEAT_ID_FORMAT = "heartbeat-%Y%m%dT%H%M%SZ"
# Rounds of "insert as original, else find the original" before giving up; a second round only
# happens if a concurrent original vanished (its transaction rolled back) between the two steps.
SETTLE_ROUNDS = 3
NUL = "\x00"
REPLACEMENT_CHARACTER = "\ufffd"

# PostgreSQL enforces varchar widths, SQLite does not: rows are fitted here so both engines take
# exactly the same values. Identity columns keep a hash suffix so distinct values stay distinct.
_IDENTITY_COLUMNS = frozenset({"provider_event_id", "fingerprint", "recurrence_key", "channel_chat_id"})
_WIDTHS: tuple[tuple[str, int, bool], ...] = tuple(
    (column.name, column.type.length, column.name in _IDENTITY_COLUMNS)
    for column in EVENTS.columns
    if isinstance(column.type, String) and column.type.length
)

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    event_id: uuid.UUID
    provider_event_id: str
    is_duplicate: bool


class UnsettledOriginalError(RuntimeError):
    """An original could be neither inserted nor found (only under pathological races)."""

    def __init__(self, keys: Sequence[EventKey]) -> None:
        super().__init__(f"could not settle the original of {len(keys)} event(s), e.g. {keys[0]!r}")


def replace_nul(value: Any) -> Any:
    """NUL → U+FFFD in every string and key: PostgreSQL text and jsonb refuse NUL, SQLite takes it.

    Replacing (not stripping) keeps lengths and shows the reader that something was there.
    """
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT_CHARACTER) if NUL in value else value
    if isinstance(value, dict):
        return {replace_nul(key): replace_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [replace_nul(item) for item in value]
    return value


def prepare_rows(
    *,
    project_id: str,
    provider: str,
    items: Iterable[ParsedItem],
    heartbeat: bool = False,
    received_at: datetime | None = None,
) -> list[Row]:
    """Build the envelope of each item and return ``channel_events`` rows (ids assigned, not stored).

    Heartbeat items (``heartbeat=True`` or carrying the synthetic heartbeat markers) get stage
    ``heartbeat`` and provider_event_id ``heartbeat-<UTC second>`` before the envelope is built.
    """
    received = as_utc(received_at or utcnow())
    batch = list(items)
    # Items of one delivery share parts (an Alertmanager group): serialise and redact those once.
    memo = DeliveryMemo() if len(batch) > 1 else None
    rows: list[Row] = []
    for item in batch:
        if heartbeat or is_heartbeat(item):
            heartbeat_id = received.strftime(HEARTBEAT_ID_FORMAT)
            item = dataclasses.replace(item, stage="heartbeat", provider_event_id=heartbeat_id)  # noqa: PLW2901
        envelope = build_envelope(provider, item, memo)
        row = {name: getattr(envelope, name) for name in ENVELOPE_COLUMNS}
        row.update(
            id=uuid7(),
            project_id=project_id,
            has_source_envelope=True,
            is_duplicate=False,
            duplicate_of=None,
            run_id=None,
            incident_id=None,
            silence_id=None,  # set by routing when a silence covers the original
            received_at=received,
            origin_system=None,  # live, not imported (awooop.imports sets these)
            origin_id=None,
            origin_occurrences=None,
        )
        if row["provider_ts"] is not None:  # naive means UTC, on every engine and insert path
            row["provider_ts"] = as_utc(row["provider_ts"])
        _fit_widths(row)
        rows.append(row)
    return rows


def _fit_widths(row: Row) -> None:
    for name, width, identity in _WIDTHS:
        value = row[name]
        if type(value) is str and len(value) > width:
            if identity:
                digest = hashlib.sha256(value.encode()).hexdigest()[:16]
                row[name] = f"{value[: width - 17]}~{digest}"
            else:
                row[name] = value[: width - 1] + "…"


def _key(row: Row) -> EventKey:
    return (row["project_id"], row["provider"], row["provider_event_id"])


async def persist_rows(
    session: AsyncSession, rows: Sequence[Row], known_keys: KnownKeys | None = None
) -> list[CommittedEvent]:
    """Insert ``rows`` with dedup; sets ``is_duplicate``/``duplicate_of`` on each; returns the originals
    to route (all of them but Watchdog alerts, which ping their monitor: monitors/watchdog.py).

    The first row of a key (in this call, and in the database) is the original; every other row
    is stored as a new duplicate pointing at it. Originals go in with ``ON CONFLICT DO NOTHING``
    against the partial unique index, so concurrent transactions yield exactly one original.
    """
    first: dict[EventKey, Row] = {}
    repeats: list[tuple[Row, EventKey]] = []
    for row in rows:
        row["is_duplicate"], row["duplicate_of"] = False, None
        key = _key(row)
        if key in first:
            repeats.append((row, key))
        else:
            first[key] = row
    winners: dict[EventKey, uuid.UUID] = {}
    lost = await _settle_originals(session, list(first.values()), winners)
    for row, key in repeats:
        row["is_duplicate"], row["duplicate_of"] = True, winners[key]
    duplicates = lost + [row for row, _ in repeats]
    if duplicates:
        await repository.insert_plain(session, duplicates)
    # Watchdog alerts (duplicates too) are monitor pings, never routed; no query without one.
    originals = await divert_monitor_pings(session, rows)
    await remember_new_keys(session, originals, known_keys)
    return committed_events(originals)


async def _settle_originals(
    session: AsyncSession, candidates: list[Row], winners: dict[EventKey, uuid.UUID]
) -> list[Row]:
    """Insert candidates as originals; fill ``winners``; return the rows that became duplicates."""
    if not writers_serialised(session):
        # One lock order for every transaction: concurrent batches sharing keys cannot deadlock.
        candidates.sort(key=_key)
    became_duplicates: list[Row] = []
    pending = candidates
    for _ in range(SETTLE_ROUNDS):
        inserted = await repository.insert_originals(session, pending)
        lost = []
        for row in pending:
            if row["id"] in inserted:
                winners[_key(row)] = row["id"]
            else:
                lost.append(row)
        if not lost:
            return became_duplicates
        found = await repository.find_originals(session, {_key(row) for row in lost})
        pending = []
        for row in lost:
            original = found.get(_key(row))
            if original is None:
                pending.append(row)
                continue
            winners[_key(row)] = original
            row["is_duplicate"], row["duplicate_of"] = True, original
            became_duplicates.append(row)
        if not pending:
            return became_duplicates
    raise UnsettledOriginalError([_key(row) for row in pending])


async def route_originals(
    session: AsyncSession, originals: Sequence[CommittedEvent], caches: RoutingCaches | None = None
) -> None:
    """Hand the stored originals to remediation (incidents, runs, notifications), same transaction."""
    await route_committed(session, originals, caches)


def recorded(rows: Iterable[Row]) -> list[RecordedEvent]:
    return [RecordedEvent(row["id"], row["provider_event_id"], row["is_duplicate"]) for row in rows]


def count_stored(rows: Iterable[Row]) -> None:
    counts: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (row["project_id"], row["provider"] or "", "true" if row["is_duplicate"] else "false")
        counts[key] = counts.get(key, 0) + 1
    for labels, count in counts.items():
        INTAKE_EVENTS.labels(*labels).inc(count)


async def record_items(
    session: AsyncSession,
    *,
    project_id: str,
    provider: str,
    items: Sequence[ParsedItem],
    heartbeat: bool = False,
    received_at: datetime | None = None,
) -> list[RecordedEvent]:
    """Envelope, dedup, store and route ``items`` in the caller's transaction (flushes, never commits)."""
    rows = prepare_rows(
        project_id=project_id, provider=provider, items=items, heartbeat=heartbeat, received_at=received_at
    )
    rows = [replace_nul(row) for row in rows]
    originals = await persist_rows(session, rows)
    await route_originals(session, originals)
    await session.flush()
    _count_when_committed(session, rows)
    return recorded(rows)


def _count_when_committed(session: AsyncSession, rows: Sequence[Row]) -> None:
    """The caller owns the transaction: count the events only if it commits them."""
    rolled_back = False

    def _committed(_session: Session) -> None:
        if not rolled_back:
            count_stored(rows)

    def _rolled_back(_session: Session, _previous: object) -> None:
        nonlocal rolled_back
        rolled_back = True

    # One-shot listeners: whichever ends this transaction first decides.
    event.listen(session.sync_session, "after_commit", _committed, once=True)
    event.listen(session.sync_session, "after_soft_rollback", _rolled_back, once=True)
