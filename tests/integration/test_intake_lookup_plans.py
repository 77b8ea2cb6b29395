"""Intake's key lookups inside the batch transaction (the open incidents of the batch's recurrence
keys, row-locked; the originals of repeated events) probe the unique index once per key, in the
plans the engines really run:

* SQLite without statistics — AwoooP never runs ANALYZE there — chose
  `ix_incidents_project_status_opened` for the incident lookup: every open incident of the
  project, read in every routing batch. It now names `uq_incidents_open_key`.
* PostgreSQL: asyncpg prepares every statement and PostgreSQL may switch a prepared statement to a
  generic plan; the lookups are ``= ANY($1)``, one statement text whatever the number of keys (an
  expanding ``IN`` was a new prepared statement for every batch size), and their generic plan
  probes both columns of the index.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.core.ids import uuid7
from awooop.hub import repository as hub_repository
from awooop.incidents import repository as incidents_repository
from awooop.incidents.repository import INCIDENTS, lock_open_incidents
from tests.factories import Factory

OPEN_INCIDENTS = 3_000
KEYS = ["key-17", "key-2900", "not-open"]


async def _plan(session: AsyncSession, statement: Select[Any], backend: str) -> str:
    conn = await session.connection()
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    values = [compiled.construct_params()[name] for name in compiled.positiontup or ()]
    if backend == "sqlite":
        rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(values))
        return "\n".join(str(row[-1]) for row in rows)
    literals = ", ".join(_array(value) if isinstance(value, list) else f"'{value}'" for value in values)
    # The plan a cached prepared statement runs once PostgreSQL prefers the generic one.
    await conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    await conn.exec_driver_sql(f"PREPARE lookup AS {compiled}")
    rows = await conn.exec_driver_sql(f"EXPLAIN EXECUTE lookup({literals})")
    await conn.exec_driver_sql("DEALLOCATE lookup")
    return "\n".join(str(row[0]) for row in rows)


def _array(values: list[str]) -> str:  # the test's own ASCII keys: safe as literals
    return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]::varchar[]"


async def _forget_statistics(session: AsyncSession, backend: str) -> None:
    if backend == "sqlite":  # what every AwoooP SQLite database has: no sqlite_stat1
        await session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))


async def _analyze(session: AsyncSession, backend: str, table: str) -> None:
    if backend == "postgresql":  # what autovacuum keeps up to date in a running installation
        await session.execute(text(f"ANALYZE {table}"))


async def test_open_incidents_are_locked_by_one_probe_per_key(
    factory: Factory, clean_db: Database, backend: str
) -> None:
    await factory.project("acme")
    async with clean_db.transaction() as session:
        await _forget_statistics(session, backend)
        opened = utcnow() - timedelta(hours=1)
        await session.execute(
            insert(INCIDENTS),
            [
                {
                    "id": f"INC-{n:06d}",
                    "project_id": "acme",
                    "status": "open",
                    "title": f"alert {n}",
                    "severity": "warning",
                    "recurrence_key": f"key-{n}",
                    "firing_fingerprints": [f"fp-{n}"],
                    "opened_at": opened,
                }
                for n in range(OPEN_INCIDENTS)
            ],
        )
        await _analyze(session, backend, "incidents")
        statement = incidents_repository._lock_open(session, "acme", KEYS)
        one_key = incidents_repository._lock_open(session, "acme", KEYS[:1])
        plan = await _plan(session, statement, backend)
        locked = await lock_open_incidents(session, "acme", KEYS)
    assert sorted(locked) == ["key-17", "key-2900"]
    assert "uq_incidents_open_key" in plan, plan
    if backend == "sqlite":
        assert "recurrence_key=?" in plan, plan
    else:
        # The key is part of the index condition: no filtering of the project's open incidents.
        index_lines = [line for line in plan.splitlines() if "Index Cond" in line]
        assert any("recurrence_key" in line for line in index_lines), plan
        assert "Seq Scan on incidents" not in plan, plan
        dialect = clean_db.write_engine.dialect
        assert str(statement.compile(dialect=dialect)) == str(one_key.compile(dialect=dialect))


async def test_originals_are_found_by_one_probe_per_event_id(
    factory: Factory, clean_db: Database, backend: str
) -> None:
    await factory.project("acme")
    async with clean_db.transaction() as session:
        await _forget_statistics(session, backend)
        now = utcnow()
        await session.execute(
            insert(hub_repository.EVENTS),
            [
                {
                    "id": uuid7(),
                    "project_id": "acme",
                    "channel_type": "alert",
                    "provider": "alertmanager",
                    "stage": "firing",
                    "provider_event_id": f"fp-{n}",
                    "content_sha256": "0" * 64,
                    "content_length": 0,
                    "has_source_envelope": True,
                    "source_refs": {},
                    "log_correlation": {},
                    "labels": {},
                    "is_duplicate": False,
                    "received_at": now,
                }
                for n in range(OPEN_INCIDENTS)
            ],
        )
        await _analyze(session, backend, "channel_events")
        ids = ["fp-17", "fp-2900", "fp-missing"]
        statement = hub_repository.original_lookup(session, "acme", "alertmanager", ids)
        plan = await _plan(session, statement, backend)
        found = await hub_repository.find_originals(session, [("acme", "alertmanager", i) for i in ids])
    assert sorted(key[2] for key in found) == ["fp-17", "fp-2900"]
    if backend == "sqlite":
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        assert "provider_event_id=?" in plan, plan
    else:
        index_lines = [line for line in plan.splitlines() if "Index Cond" in line]
        assert any("provider_event_id" in line for line in index_lines), plan
        assert "Seq Scan on channel_events" not in plan, plan
