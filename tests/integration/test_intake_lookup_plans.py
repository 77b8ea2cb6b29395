"""Intake's key lookups inside the batch transaction (the open incidents of the batch's recurrence
keys, row-locked; the originals of repeated events) probe the unique index once per key, in the
plans the engines really run:

* SQLite without statistics — AwoooP never runs ANALYZE there — chose
  `ix_incidents_project_status_opened` for the incident lookup: every open incident of the
  project, read in every routing batch. It now names `uq_incidents_open_key`.
* PostgreSQL: asyncpg prepares every statement and PostgreSQL may switch a prepared statement to a
  generic plan; the lookups are driver SQL with ``= ANY($n::text[])``, one statement text whatever
  the number of keys (an expanding ``IN`` was a new prepared statement for every batch size), and
  their generic plan, on current statistics, probes both columns of the index.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ClauseElement, insert, text
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


async def _plan(session: AsyncSession, backend: str, sqlite: ClauseElement, params: dict[str, Any], pg_sql: str) -> str:
    """The plan of the statement each engine runs: SQLite's for ``sqlite`` with ``params``; on
    PostgreSQL the generic plan of the prepared ``pg_sql`` (what asyncpg's cached statement runs
    once PostgreSQL prefers it), with ``params`` in order as literals."""
    conn = await session.connection()
    if backend == "sqlite":
        compiled = sqlite.params(**params).compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        bound = compiled.construct_params()
        values = tuple(bound[name] for name in compiled.positiontup or ())
        rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values)
        return "\n".join(str(row[-1]) for row in rows)
    literals = ", ".join(_array(v) if isinstance(v, list) else f"'{v}'" for v in params.values())
    await conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    await conn.exec_driver_sql(f"PREPARE lookup AS {pg_sql}")
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
        plan = await _plan(
            session,
            backend,
            incidents_repository._SQLITE_LOCK_OPEN,
            {"project_id": "acme", "keys": KEYS},
            incidents_repository._PG_LOCK_OPEN,
        )
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
        plan = await _plan(
            session,
            backend,
            hub_repository.original_lookup(session, "acme", "alertmanager", ids),
            {"project_id": "acme", "provider": "alertmanager", "ids": ids},
            hub_repository._PG_ORIGINAL_LOOKUP,
        )
        found = await hub_repository.find_originals(session, [("acme", "alertmanager", i) for i in ids])
    assert sorted(key[2] for key in found) == ["fp-17", "fp-2900"]
    if backend == "sqlite":
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        assert "provider_event_id=?" in plan, plan
    else:
        index_lines = [line for line in plan.splitlines() if "Index Cond" in line]
        assert any("provider_event_id" in line for line in index_lines), plan
        assert "Seq Scan on channel_events" not in plan, plan
