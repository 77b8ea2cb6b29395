"""Reads never take the write lock (on SQLite one writer at a time, so a read that writes queues
behind intake): authentication only notes a key's last use, written later in one batch; dry-run
and handoff build their read model on a read connection and use the writer for nothing but
appending their record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, select

from awooop.core.db import Database
from awooop.models import ApiKey
from awooop.operators import last_use
from tests.factories import Factory
from tests.fakes.events import alert, ingest

PLATFORM = "/api/v1/platform"
RECURRENCE = f"{PLATFORM}/events/dossier/recurrence/work-item"
WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")
TRANSACTION = "<transaction begins>"
APPEND = "INSERT INTO WORK_ITEM_RECORDS"


@contextmanager
def statements(db: Database) -> Iterator[dict[int, list[str]]]:
    """SQL executed per driver connection while the block runs (both engines, readers and writers)."""
    seen: dict[int, list[str]] = defaultdict(list)

    def record(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen[id(conn.connection.dbapi_connection)].append(" ".join(statement.split()).upper())

    def begin(conn: Any) -> None:  # after the engine's own hook (SQLite's BEGIN IMMEDIATE)
        seen[id(conn.connection.dbapi_connection)].append(TRANSACTION)

    engines = {id(e): e for e in (db.write_engine, db.read_engine)}.values()
    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
        event.listen(engine.sync_engine, "begin", begin)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
            event.remove(engine.sync_engine, "begin", begin)


async def test_authenticated_reads_write_nothing_and_last_use_lands_in_a_batch(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    key = await factory.key()
    with statements(clean_db) as seen:
        for path in ("/whoami", "/events/recent", "/incidents"):
            assert (await client.get(PLATFORM + path, headers={"X-AwoooP-Operator-Key": key})).status_code == 200
    executed = [sql for per_connection in seen.values() for sql in per_connection]
    assert executed
    assert [sql for sql in executed if sql.startswith(WRITES)] == []
    async with clean_db.reader() as session:
        assert (await session.scalars(select(ApiKey.last_used_at))).one() is None
    assert await last_use.flush(clean_db) == 1  # the serving process does this every few seconds
    async with clean_db.reader() as session:
        assert (await session.scalars(select(ApiKey.last_used_at))).one() is not None
    assert await last_use.flush(clean_db) == 0  # nothing noted twice


async def test_dry_run_and_handoff_use_the_writer_only_to_append_their_record(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    headers = {"X-AwoooP-Operator-Key": await factory.key()}
    for _ in range(2):  # a recurrence: two original firings of one key
        await ingest(clean_db, "acme", [alert(fingerprint="readonly-0001")])
    listing = await client.get(f"{PLATFORM}/events/dossier/recurrence", headers=headers)
    (work_item_id,) = [item["work_item"]["work_item_id"] for item in listing.json()["items"] if item["work_item"]]
    for path, body in (
        ("/dry-run", {"work_item_id": work_item_id}),
        ("/handoff", {"work_item_id": work_item_id, "handoff_kind": "manual_takeover"}),
    ):
        with statements(clean_db) as seen:
            response = await client.post(RECURRENCE + path, json=body, headers=headers)
        assert response.status_code == 200, response.text
        (writer,) = [sqls for sqls in seen.values() if any(s.startswith(APPEND) for s in sqls)]
        appended = next(n for n, sql in enumerate(writer) if sql.startswith(APPEND))
        began = max(n for n, sql in enumerate(writer[:appended]) if sql == TRANSACTION)
        assert writer[began + 1 : appended] == [], path  # the write transaction reads nothing first
        if clean_db.is_sqlite:
            assert writer[began - 1] == "BEGIN IMMEDIATE"  # the lock, taken only now
        reads = [sql for sqls in seen.values() for sql in sqls if sql.startswith("SELECT")]
        assert any("CHANNEL_EVENTS" in sql for sql in reads)  # the read model, on a read transaction
