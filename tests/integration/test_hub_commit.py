"""The service and the group committer against the real database: concurrent transactions racing
for one original, batch isolation of a bad delivery, and ``record_items`` for in-process callers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from awooop.config import Settings
from awooop.core.db import Database
from awooop.errors import ServiceUnavailable
from awooop.hub import repository as hub_repository
from awooop.hub.committer import IntakeCommitter
from awooop.hub.providers import ParsedItem, parse_delivery
from awooop.hub.service import RecordedEvent, UnsettledOriginalError, prepare_rows, record_items
from awooop.models import ChannelEvent, Run
from awooop.operators import projects
from tests.fakes.events import load_playbooks


def items(fingerprint: str = "feedfacecafe0001", *, count: int = 1) -> list[ParsedItem]:
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "ApiDown", "severity": "critical", "namespace": "prod", "pod": f"api-{i}"},
            "annotations": {"summary": "api is down"},
            "startsAt": "2026-08-20T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"{fingerprint}{i}",
        }
        for i in range(count)
    ]
    body = {"receiver": "r", "status": "firing", "alerts": alerts, "version": "4", "groupKey": "{}:{}"}
    return parse_delivery("alertmanager", orjson.loads(orjson.dumps(body)), {})


@pytest.fixture
async def acme(clean_db: Database) -> str:
    async with clean_db.transaction() as session:
        await projects.create_project(session, "acme")
    return "acme"


@pytest.fixture
async def committer(clean_db: Database, settings: Settings) -> AsyncIterator[IntakeCommitter]:
    hub = IntakeCommitter(clean_db, settings)
    await hub.start()
    yield hub
    await hub.stop()


async def all_events(db: Database) -> list[ChannelEvent]:
    async with db.reader() as session:
        return list((await session.scalars(select(ChannelEvent))).all())


@pytest.mark.usefixtures("acme")
async def test_concurrent_transactions_yield_exactly_one_original(clean_db: Database) -> None:
    """Twenty sessions record the same item and commit concurrently: one original, nineteen duplicates.

    Each transaction holds its insert open for a moment before committing, so on PostgreSQL the
    others wait on its lock of the event's identity and must then find its committed original
    (the hard case).
    """

    async def one() -> list[RecordedEvent]:
        async with clean_db.transaction() as session:
            recorded = await record_items(session, project_id="acme", provider="alertmanager", items=items())
            await asyncio.sleep(0.01)
        return recorded

    results = await asyncio.gather(*(one() for _ in range(20)))
    flat = [event for result in results for event in result]
    assert sum(not e.is_duplicate for e in flat) == 1
    rows = await all_events(clean_db)
    assert len(rows) == 20
    (original,) = [r for r in rows if not r.is_duplicate]
    assert all(r.duplicate_of == original.id for r in rows if r.is_duplicate)


@pytest.mark.usefixtures("acme")
async def test_record_items_flushes_but_leaves_the_commit_to_the_caller(clean_db: Database) -> None:
    async with clean_db.writer() as session, session.begin():
        recorded = await record_items(session, project_id="acme", provider="alertmanager", items=items())
        await session.rollback()
    assert len(recorded) == 1
    assert await all_events(clean_db) == []


@pytest.mark.usefixtures("acme")
async def test_record_items_heartbeat_stamps_stage_and_id(clean_db: Database) -> None:
    at = datetime(2026, 8, 20, 9, 30, 15, 123456, tzinfo=UTC)
    async with clean_db.transaction() as session:
        (recorded,) = await record_items(
            session, project_id="acme", provider="alertmanager", items=items(), heartbeat=True, received_at=at
        )
    assert recorded.provider_event_id == "heartbeat-20260820T093015Z"
    (row,) = await all_events(clean_db)
    assert (row.stage, row.provider_event_id, row.received_at) == ("heartbeat", "heartbeat-20260820T093015Z", at)
    assert row.content_preview is not None
    assert row.content_preview.startswith("[heartbeat]")


@pytest.mark.usefixtures("acme")
async def test_record_items_replaces_nul(clean_db: Database) -> None:
    body = orjson.loads(
        orjson.dumps({"title": "nul\u0000title", "event_id": "ev\u00001", "labels": {"k\u0000": "v\u0000"}})
    )
    parsed = parse_delivery("generic", body, {})
    async with clean_db.transaction() as session:
        (recorded,) = await record_items(session, project_id="acme", provider="generic", items=parsed)
    assert recorded.provider_event_id == "ev\ufffd1"
    (row,) = await all_events(clean_db)
    assert row.alertname == "nul\ufffdtitle"
    assert row.labels == {"k\ufffd": "v\ufffd"}


@pytest.mark.usefixtures("acme")
async def test_one_bad_delivery_does_not_fail_its_batch(clean_db: Database, committer: IntakeCommitter) -> None:
    good_a = prepare_rows(project_id="acme", provider="alertmanager", items=items("aaaa"))
    bad = prepare_rows(project_id="acme", provider="alertmanager", items=items("bbbb"))
    bad[0]["channel_type"] = "fax"  # refused by the CHECK constraint on both engines: cannot be stored
    good_b = prepare_rows(project_id="acme", provider="alertmanager", items=items("cccc", count=3))
    started = time.perf_counter()
    # Submitted in one loop turn, so the flusher takes all three as one batch.
    results = await asyncio.gather(
        committer.submit(good_a, started),
        committer.submit(bad, started),
        committer.submit(good_b, started),
        return_exceptions=True,
    )
    assert isinstance(results[1], IntegrityError)
    assert [len(r) for r in (results[0], results[2]) if isinstance(r, list)] == [1, 3]
    stored = {row.provider_event_id for row in await all_events(clean_db)}
    assert stored == {e.provider_event_id for e in (*results[0], *results[2])}  # type: ignore[misc]


@pytest.mark.usefixtures("acme")
async def test_committer_shares_one_commit_between_concurrent_deliveries(
    clean_db: Database, committer: IntakeCommitter
) -> None:
    deliveries = [prepare_rows(project_id="acme", provider="alertmanager", items=items(f"d{n:03d}")) for n in range(30)]
    commits: list[object] = []
    engine = clean_db.write_engine.sync_engine

    def count_commit(connection: object) -> None:
        commits.append(connection)

    event.listen(engine, "commit", count_commit)
    try:
        started = time.perf_counter()
        # All thirty queue up before a flusher runs, so they share one transaction.
        results = await asyncio.gather(*(committer.submit(rows, started) for rows in deliveries))
    finally:
        event.remove(engine, "commit", count_commit)
    assert [len(r) for r in results] == [1] * 30
    assert len(commits) == 1
    assert len(await all_events(clean_db)) == 30


async def test_stopped_committer_refuses_with_503(clean_db: Database, settings: Settings) -> None:
    hub = IntakeCommitter(clean_db, settings)
    await hub.start()
    await hub.stop()
    rows = prepare_rows(project_id="acme", provider="alertmanager", items=items())
    with pytest.raises(Exception, match="shutting down") as caught:
        await hub.submit(rows, time.perf_counter())
    assert getattr(caught.value, "status_code", None) == 503


def test_prepared_rows_fill_every_column() -> None:
    """Both insert paths rely on rows carrying every column of channel_events (no ORM defaults)."""
    (row,) = prepare_rows(project_id="acme", provider="alertmanager", items=items())
    assert set(row) == {column.name for column in ChannelEvent.__table__.columns}


@pytest.mark.usefixtures("acme")
async def test_routed_originals_are_inserted_with_their_links_and_never_rewritten(
    clean_db: Database, committer: IntakeCommitter
) -> None:
    """Routing runs before the insert: the stored row already names its incident and run, and no
    UPDATE of channel_events runs in the batch (it rewrote every original and its index entries)."""
    await load_playbooks(clean_db, "acme")
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(clean_db.write_engine.sync_engine, "before_cursor_execute", seen)
    try:
        recorded = await committer.submit(prepare_rows(project_id="acme", provider="alertmanager", items=items()), 0.0)
        repeat = await committer.submit(prepare_rows(project_id="acme", provider="alertmanager", items=items()), 0.0)
    finally:
        event.remove(clean_db.write_engine.sync_engine, "before_cursor_execute", seen)
    assert [e.is_duplicate for e in (*recorded, *repeat)] == [False, True]
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE CHANNEL_EVENTS")], statements
    rows = {row.id: row for row in await all_events(clean_db)}
    original, duplicate = rows[recorded[0].event_id], rows[repeat[0].event_id]
    assert original.incident_id is not None
    assert original.run_id is not None
    assert duplicate.duplicate_of == original.id
    assert (duplicate.incident_id, duplicate.run_id) == (None, None)  # only originals are routed


@pytest.mark.usefixtures("acme")
async def test_a_batch_that_loses_its_original_to_an_unlocked_writer_is_run_again_and_keeps_nothing_of_the_first_run(
    clean_db: Database, committer: IntakeCommitter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import takes no intake lock, so it can store an event's original between a batch's lookup
    and its insert. The batch then fails on the guard and runs again: the delivery is accepted as a
    duplicate of that original, with no run or incident left over from the failed run."""
    await load_playbooks(clean_db, "acme")
    async with clean_db.transaction() as session:  # the original the other writer stored
        (stored,) = await record_items(session, project_id="acme", provider="alertmanager", items=items())
    before = {row.id: (row.run_id, row.incident_id) for row in await all_events(clean_db)}
    lookups: list[int] = []
    real_lookup = hub_repository.find_originals

    async def lookup_before_the_other_writer_committed(session: Any, keys: Any) -> Any:
        lookups.append(len(lookups))
        return {} if len(lookups) == 1 else await real_lookup(session, keys)

    monkeypatch.setattr(hub_repository, "find_originals", lookup_before_the_other_writer_committed)
    (repeat,) = await committer.submit(prepare_rows(project_id="acme", provider="alertmanager", items=items()), 0.0)

    assert len(lookups) == 2  # the first run failed on the guard, the second found the original
    assert repeat.is_duplicate
    rows = {row.id: row for row in await all_events(clean_db)}
    duplicate = rows[repeat.event_id]
    assert duplicate.duplicate_of == stored.event_id
    assert (duplicate.run_id, duplicate.incident_id) == (None, None)
    assert {i: (r.run_id, r.incident_id) for i, r in rows.items() if i != repeat.event_id} == before
    async with clean_db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Run)) == 1


@pytest.mark.usefixtures("acme")
async def test_a_batch_that_keeps_losing_its_original_is_refused_with_503_and_stores_nothing(
    clean_db: Database, committer: IntakeCommitter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lost original is a write conflict like a deadlock: once the re-runs are spent, the sender
    is told to retry later (503 with Retry-After), not that the delivery is broken (500)."""
    async with clean_db.transaction() as session:
        await record_items(session, project_id="acme", provider="alertmanager", items=items())

    async def never_finds_it(session: Any, keys: Any) -> Any:
        return {}

    monkeypatch.setattr(hub_repository, "find_originals", never_finds_it)
    with pytest.raises(ServiceUnavailable) as refused:
        await committer.submit(prepare_rows(project_id="acme", provider="alertmanager", items=items()), 0.0)

    assert refused.value.status_code == 503
    assert isinstance(refused.value.__cause__, UnsettledOriginalError)
    assert len(await all_events(clean_db)) == 1
