"""Envelope, dedup and persistence of intake items.

Two steps, so the HTTP path can do the CPU work in the request and leave only writes to the
group-commit flusher: ``prepare_rows`` (pure: envelopes → column dicts) and ``store_rows`` (inside
the caller's transaction: locks, dedup, then remediation — Watchdog pings, ``route_originals``,
the hub's one way into incidents, runs and notifications — then the multi-row inserts of rows
that already carry their links). ``record_items`` does it all for in-process callers (heartbeat
API, demo loader). Services flush, never commit.
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
from awooop.core.db import WriteConflict
from awooop.core.dialect import lock_names, writers_serialised
from awooop.core.ids import uuid7
from awooop.core.metrics import INTAKE_EVENTS
from awooop.hub import repository
from awooop.hub.envelope import DeliveryMemo, Envelope, build_envelope
from awooop.hub.providers import ParsedItem
from awooop.hub.providers.heartbeat import is_heartbeat
from awooop.hub.repository import EVENTS, EventKey
from awooop.hub.workitem_keys import KnownKeys, remember_new_keys
from awooop.remediation import (
    RoutingCaches,
    committed_events,
    divert_monitor_pings,
    route_originals,
    routing_lock_names,
)

ENVELOPE_COLUMNS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(Envelope))
HEARTBEAT_ID_FORMAT = "heartbeat-%Y%m%dT%H%M%SZ"
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


class UnsettledOriginalError(WriteConflict):
    """An original was stored by a writer that took no lock (an import) between lookup and insert:
    a run of the batch again finds it (the committer does; an API caller gets a 503)."""

    def __init__(self, keys: Sequence[EventKey]) -> None:
        super().__init__(f"{len(keys)} original(s) stored concurrently by another writer, e.g. {keys[0]!r}")


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


async def store_rows(
    session: AsyncSession,
    rows: Sequence[Row],
    known_keys: KnownKeys | None = None,
    caches: RoutingCaches | None = None,
) -> None:
    """Dedup, route and insert ``rows`` in the caller's transaction; sets ``is_duplicate`` and
    ``duplicate_of`` on each, and the routed originals' links.

    The first row of a key (in this call, and in the database) is the original; every other row
    is stored as a new duplicate pointing at it. Routing runs before the insert and returns each
    original's run, incident and silence, so every row is written once, complete: no UPDATE of
    the rows just inserted (it rewrote every original and all 15 of its index entries).
    Exactness under concurrency: on PostgreSQL the batch first locks its event identities and the
    recurrence keys routing needs, in one statement and one order, so a concurrent batch holding
    one of them has committed before the lookup of existing originals runs (SQLite runs one writer
    at a time). The originals' ``ON CONFLICT DO NOTHING`` stays as a guard: a row that still
    loses (an import storing the same event, which takes no lock) fails the batch with
    ``UnsettledOriginalError`` (a ``WriteConflict``), which the committer runs again as after a
    deadlock: the lookup then finds that original. Every run starts from the rows as prepared,
    so a re-run keeps nothing of a failed one.
    """
    originals = await _settle_originals(session, rows)
    # Watchdog alerts (duplicates too) are monitor pings, never routed; no query without one.
    to_route = await divert_monitor_pings(session, rows)
    await remember_new_keys(session, to_route, known_keys)
    links = await route_originals(session, committed_events(to_route), caches, keys_locked=True)
    for row in to_route:
        link = links.get(row["id"])
        if link is not None:
            row["run_id"], row["incident_id"], row["silence_id"] = link.run_id, link.incident_id, link.silence_id
    if not writers_serialised(session):
        originals.sort(key=_key)  # the unique index's entries in one order in every transaction
    inserted = await repository.insert_originals(session, originals)
    if len(inserted) != len(originals):
        raise UnsettledOriginalError([_key(row) for row in originals if row["id"] not in inserted])
    duplicates = [row for row in rows if row["is_duplicate"]]
    if duplicates:
        await repository.insert_plain(session, duplicates)


async def _settle_originals(session: AsyncSession, rows: Sequence[Row]) -> list[Row]:
    """Mark each row an original or a duplicate (of a stored original, or of an earlier row of
    this call); return the originals. Takes the batch's locks first (PostgreSQL)."""
    first: dict[EventKey, Row] = {}
    for row in rows:
        # Also on a re-run of a batch that failed: nothing of the earlier attempt may stay (a row
        # routed then may be a duplicate now, and its run, incident and silence were rolled back).
        row["is_duplicate"], row["duplicate_of"] = False, None
        row["run_id"] = row["incident_id"] = row["silence_id"] = None
        first.setdefault(_key(row), row)
    await lock_names(session, [*map(repository.event_lock_name, first), *routing_lock_names(rows)])
    stored = await repository.find_originals(session, first) if first else {}
    originals: list[Row] = []
    winners: dict[EventKey, uuid.UUID] = {}
    for key, row in first.items():
        original = stored.get(key)
        if original is None:
            originals.append(row)
            winners[key] = row["id"]
        else:
            row["is_duplicate"], row["duplicate_of"] = True, original
            winners[key] = original
    for row in rows:
        key = _key(row)
        if first[key] is not row:
            row["is_duplicate"], row["duplicate_of"] = True, winners[key]
    return originals


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
    await store_rows(session, rows)
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
