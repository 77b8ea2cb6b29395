"""Integrity in the schema: incident numbers per project and never reused, foreign keys and CHECK
constraints the database itself enforces (the application is not the only writer that matters)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from awooop.core.db import Database
from awooop.core.ids import uuid7
from awooop.incidents import repository
from awooop.models import ChannelEvent, Incident, OutboxMessage, ProjectCounter, Run
from tests.conftest import BACKEND, PG_ADMIN_DSN, _pg_url
from tests.fakes.events import alert, ingest, rows

AT = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)


async def test_incident_numbers_start_at_one_in_every_project(clean_db: Database) -> None:
    await ingest(clean_db, "acme", [alert("acme", fingerprint="a1"), alert("acme", fingerprint="a2")])
    await ingest(clean_db, "beta", [alert("beta", fingerprint="b1")])
    await ingest(clean_db, "acme", [alert("acme", fingerprint="a3")])
    incidents, _runs, outbox, _events = await rows(clean_db)
    numbered = sorted((i.project_id, i.id) for i in incidents)
    assert numbered == [
        ("acme", "INC-000001"),
        ("acme", "INC-000002"),
        ("acme", "INC-000003"),
        ("beta", "INC-000001"),
    ]
    # Both INC-000001 are announced: the dedupe key names the project.
    opened = sorted(m.dedupe_key for m in outbox if m.kind == "incident_opened")
    assert opened == [
        "incident_opened:acme:INC-000001",
        "incident_opened:acme:INC-000002",
        "incident_opened:acme:INC-000003",
        "incident_opened:beta:INC-000001",
    ]
    async with clean_db.reader() as session:
        counters = {c.project_id: c.last_incident_number for c in (await session.scalars(select(ProjectCounter)))}
    assert counters == {"acme": 3, "beta": 1}


async def test_deleting_the_newest_incident_does_not_reuse_its_number(clean_db: Database) -> None:
    (first,) = await ingest(clean_db, "acme", [alert("acme", fingerprint="disk")])
    assert first.incident_id == "INC-000001"
    # An operator cleans up by hand: the events lose their link, the incident row goes.
    async with clean_db.transaction() as session:
        await session.execute(update(ChannelEvent).values(incident_id=None))
        await session.execute(delete(Incident))
    (second,) = await ingest(clean_db, "acme", [alert("acme", fingerprint="cpu")])
    assert second.incident_id == "INC-000002"
    incidents, _runs, outbox, _events = await rows(clean_db)
    assert [i.id for i in incidents] == ["INC-000002"]
    # The new incident's notification is queued, not swallowed by the old one's dedupe key.
    assert [m.payload["incident_id"] for m in outbox] == ["INC-000001", "INC-000002"]


class _Abort(Exception):
    pass


async def _reserve_and_abort(db: Database, project_id: str) -> None:
    async with db.transaction() as session:
        assert await repository.reserve_incident_ids(session, [project_id]) == ["INC-000001"]
        raise _Abort


async def test_numbers_are_counted_per_project_across_transactions(clean_db: Database) -> None:
    async with clean_db.transaction() as session:
        first = await repository.reserve_incident_ids(session, ["acme", "beta", "acme"])
    async with clean_db.transaction() as session:
        second = await repository.reserve_incident_ids(session, ["beta", "acme"])
    assert first == ["INC-000001", "INC-000001", "INC-000002"]
    assert second == ["INC-000002", "INC-000003"]
    # A number whose transaction rolls back is never issued twice. SQLite reserves inside the
    # transaction, so the number comes back; PostgreSQL reserves in a short transaction of its own
    # (no batch waits on another's commit for the counter row), so the rollback leaves a gap.
    with pytest.raises(_Abort):
        await _reserve_and_abort(clean_db, "gamma")
    async with clean_db.transaction() as session:
        again = await repository.reserve_incident_ids(session, ["gamma"])
    assert again == (["INC-000001"] if clean_db.is_sqlite else ["INC-000002"])
    if not clean_db.is_sqlite:
        # Two open transactions of one project both get their numbers at once: the first one's
        # counter row is not locked until it commits (SQLite's writers run one at a time anyway).
        async with clean_db.transaction() as first:
            (one,) = await repository.reserve_incident_ids(first, ["delta"])
            async with clean_db.transaction() as second:
                (two,) = await asyncio.wait_for(repository.reserve_incident_ids(second, ["delta"]), timeout=10)
        assert (one, two) == ("INC-000001", "INC-000002")


def _run(run_id: uuid.UUID, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": run_id,
        "project_id": "acme",
        "state": "queued",
        "mode": "live",
        "agent_id": "k8s-remediator",
        "incident_id": None,
        "repair_outcome": None,
        "created_at": AT,
        "updated_at": AT,
    }
    return {**row, **overrides}


async def _open_incident(db: Database) -> ChannelEvent:
    (event,) = await ingest(db, "acme", [alert("acme", fingerprint="seen")])
    return event


# Each case: what a careless writer tries, as (table model, values or update); the database refuses it.
VIOLATIONS = {
    "run state outside the state machine": ("insert", Run, {"state": "paused"}),
    "run mode": ("insert", Run, {"mode": "dry"}),
    "run repair outcome": ("insert", Run, {"repair_outcome": "maybe"}),
    "run names an incident that does not exist": ("insert", Run, {"incident_id": "INC-999999"}),
    "run names another project's incident": ("insert", Run, {"project_id": "beta", "incident_id": "INC-000001"}),
    "event stage": ("update", ChannelEvent, {"stage": "exploded"}),
    "event severity": ("update", ChannelEvent, {"severity": "apocalyptic"}),
    "event channel type": ("update", ChannelEvent, {"channel_type": "email"}),
    "event linked to a run that does not exist": ("update", ChannelEvent, {"run_id": uuid.UUID(int=7)}),
    "event linked to an incident that does not exist": ("update", ChannelEvent, {"incident_id": "INC-424242"}),
    "duplicate of an event that does not exist": ("update", ChannelEvent, {"duplicate_of": uuid.UUID(int=9)}),
    "incident status": ("update", Incident, {"status": "snoozed"}),
    "incident severity": ("update", Incident, {"severity": "meh"}),
    "outbox status": ("update", OutboxMessage, {"status": "lost"}),
    "outbox kind": ("update", OutboxMessage, {"kind": "spam"}),
}


async def _write(db: Database, action: str, model: type[object], values: dict[str, object]) -> None:
    async with db.transaction() as session:
        if action == "insert":
            session.add(Run(**_run(uuid7(), **values)))
            await session.flush()
        else:
            await session.execute(update(model).values(**values))


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
async def test_the_database_refuses_rows_that_break_the_model(clean_db: Database, case: str) -> None:
    action, model, values = VIOLATIONS[case]
    event = await _open_incident(clean_db)
    assert event.incident_id == "INC-000001"
    with pytest.raises(IntegrityError):
        await _write(clean_db, action, model, values)
    # Nothing of the refused write remains; the valid link still holds.
    _incidents, runs, _outbox, events = await rows(clean_db)
    assert runs == []
    assert [(e.stage, e.incident_id, e.run_id) for e in events] == [("firing", "INC-000001", None)]


async def test_two_incidents_of_one_project_cannot_share_an_id(clean_db: Database) -> None:
    await _open_incident(clean_db)
    with pytest.raises(IntegrityError):
        async with clean_db.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO incidents (id, project_id, status, title, recurrence_key, firing_fingerprints,"
                    " opened_at) VALUES ('INC-000001', 'acme', 'resolved', 't', 'k', '[]', :at)"
                ),
                {"at": AT},
            )
    async with clean_db.transaction() as session:  # the same id in another project is fine
        await session.execute(
            text(
                "INSERT INTO incidents (id, project_id, status, title, recurrence_key, firing_fingerprints,"
                " opened_at) VALUES ('INC-000001', 'beta', 'resolved', 't', 'k', '[]', :at)"
            ),
            {"at": AT},
        )


@pytest.fixture
async def scratch_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """An empty database of the suite's engine, for migrating step by step."""
    if BACKEND == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('scratch') / 'scratch.db'}"
        return
    name = f"awooop_scratch_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_upgrading_keeps_the_old_shared_numbers_and_continues_above_them(scratch_url: str) -> None:
    from awooop.core import migrate  # noqa: PLC0415

    await migrate.upgrade_async(scratch_url, "0003")
    db = Database.connect(scratch_url, pool_size=2)
    try:
        # Before 0004 one sequence numbered every project's incidents.
        async with db.transaction() as session:
            for seq, project in ((1, "acme"), (2, "beta"), (3, "acme"), (4, "beta"), (5, "beta")):
                await session.execute(
                    text(
                        "INSERT INTO incidents (seq, id, project_id, status, title, recurrence_key,"
                        " firing_fingerprints, opened_at) VALUES (:seq, :id, :p, 'resolved', 't', :k, '[]', :at)"
                    ),
                    {"seq": seq, "id": f"INC-{seq:06d}", "p": project, "k": f"k{seq}", "at": AT},
                )
        await db.dispose()
        await migrate.upgrade_async(scratch_url)
        async with db.transaction() as session:
            ids = await repository.reserve_incident_ids(session, ["acme", "beta", "gamma"])
            kept = (await session.scalars(select(Incident.id).order_by(Incident.seq))).all()
        assert ids == ["INC-000004", "INC-000006", "INC-000001"]
        assert list(kept) == [f"INC-{n:06d}" for n in range(1, 6)]
    finally:
        await db.dispose()
