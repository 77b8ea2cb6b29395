"""Every statement a retention pass sends is served by an index: the pass runs on a few thousand
analysed rows (about half of them expired), every statement is recorded at the driver and EXPLAINed
with the planner's settings untouched.

PostgreSQL: no Seq Scan on a purged table. SQLite: no bare ``SCAN`` of one (each step names an index
or is a primary-key SEARCH). On SQLite the pass also gives the freed pages back (the migrations create
the file with auto_vacuum=INCREMENTAL).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, text

from awooop.config import Settings
from awooop.core.db import Database
from awooop.retention import service
from awooop.retention.pacing import Pacing
from tests.factories import Factory

TABLES = ("channel_events", "intake_rejections", "notification_outbox", "runs", "console_sessions", "run_transitions")
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
ROWS = 3000

_EVENTS = """
INSERT INTO channel_events (id, project_id, channel_type, provider, stage, provider_event_id, has_redacted_content,
    has_source_envelope, source_refs, source_ref_count, log_correlation, labels, alertname, severity,
    recurrence_key, fingerprint, is_duplicate, received_at)
SELECT {uuid}, {project}, 'alert', 'alertmanager', CASE WHEN n % 40 = 0 THEN 'heartbeat' ELSE 'firing' END,
       'peid-' || n, {false}, {true}, '{{}}', 0, '{{}}', '{{}}', 'Alert' || (n % 50), 'warning',
       'fp:' || (n % 250), '' || (n % 250), CASE WHEN n % 4 = 0 THEN {true} ELSE {false} END, {ago_events}
FROM {series}
"""
_REJECTIONS = """
INSERT INTO intake_rejections (id, project_id, provider, reason, status_code, body_length, received_at)
SELECT {uuid}, {project}, 'alertmanager', 'bad_token', 401, 10, {ago_rows} FROM {series}
"""
_OUTBOX = """
INSERT INTO notification_outbox (id, project_id, kind, dedupe_key, payload, status, attempts, next_attempt_at,
    created_at)
SELECT {uuid}, {project}, 'incident_opened', 'k' || n, '{{}}',
       CASE n % 4 WHEN 0 THEN 'pending' WHEN 1 THEN 'delivered' WHEN 2 THEN 'skipped' ELSE 'failed' END, 1,
       {ago_rows}, {ago_rows}
FROM {series}
"""
_RUNS = """
INSERT INTO runs (id, project_id, state, mode, agent_id, recurrence_key, created_at, updated_at, finished_at)
SELECT {uuid}, {project}, 'completed', CASE WHEN n % 2 = 0 THEN 'shadow' ELSE 'live' END,
       CASE WHEN n % 2 = 0 THEN 'awooop-heartbeat' ELSE 'agent-' || (n % 3) END, 'fp:' || (n % 250),
       {ago_rows}, {ago_rows}, {ago_rows}
FROM {series}
"""
_SESSIONS = """
INSERT INTO console_sessions (token_hash, key_id, csrf_token, created_at, expires_at)
SELECT 'tok' || n, 'k', 'c', {ago_rows}, {ago_rows} FROM {series}
"""
_PROJECT = "CASE n % 2 WHEN 0 THEN 'acme' ELSE 'beta' END"
_DIALECT = {
    "postgresql": {
        "uuid": "gen_random_uuid()",
        "project": _PROJECT,
        "false": "false",
        "true": "true",
        # Events over 60 days, other rows over 14: about half of each is expired at NOW.
        "ago_events": "TIMESTAMPTZ '2026-06-30 12:00:00+00' - (n * interval '1728 seconds')",
        "ago_rows": "TIMESTAMPTZ '2026-06-30 12:00:00+00' - (n * interval '402 seconds')",
        "series": "generate_series(1, {rows}) AS n",
    },
    "sqlite": {
        "uuid": "lower(hex(randomblob(16)))",
        "project": _PROJECT,
        "false": "0",
        "true": "1",
        "ago_events": "strftime('%Y-%m-%d %H:%M:%f', '2026-06-30 12:00:00', '-' || (n * 1728) || ' seconds')",
        "ago_rows": "strftime('%Y-%m-%d %H:%M:%f', '2026-06-30 12:00:00', '-' || (n * 402) || ' seconds')",
        "series": "s",
    },
}


async def seed(db: Database) -> None:
    kind = "sqlite" if db.is_sqlite else "postgresql"
    async with db.transaction() as session:
        for template in (_EVENTS, _REJECTIONS, _OUTBOX, _RUNS, _SESSIONS):
            values = {**_DIALECT[kind], "series": _DIALECT[kind]["series"].format(rows=ROWS)}
            sql = template.format(**values)
            if kind == "sqlite":
                sql = f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {ROWS}) {sql}"  # noqa: S608 - our own constants
            await session.execute(text(sql))
    async with db.write_engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()


@contextmanager
def recorded(db: Database) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH", "DELETE")):
            statements.append((statement, parameters))

    engines = {db.write_engine.sync_engine, db.read_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def explain(db: Database, statement: str, parameters: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    async with db.write_engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, tuple(parameters))).all()
        await conn.rollback()
    return "\n".join(str(row[-1]) for row in rows)


def scans_a_table(plan: str, *, sqlite: bool) -> bool:
    for line in plan.splitlines():
        for table in TABLES:
            if sqlite and line.strip().startswith(f"SCAN {table}") and "USING" not in line:
                return True
            if not sqlite and f"Seq Scan on {table}" in line:
                return True
    return False


async def test_every_retention_statement_uses_an_index(
    clean_db: Database, factory: Factory, settings: Settings
) -> None:
    for project in ("acme", "beta"):
        await factory.project(project)
    await seed(clean_db)
    with recorded(clean_db) as statements:
        report = await service.run_pass(clean_db, settings, now=NOW, pacing=Pacing(batch_rows=50, pause_seconds=0))
    assert report.total("raw_events") > 500
    assert {item.kind for item in report.purged if item.rows} >= {
        "duplicates",
        "raw_events",
        "rejections",
        "notifications",
        "heartbeat_runs",
        "console_sessions",
    }
    if clean_db.is_sqlite:  # created with auto_vacuum=INCREMENTAL: the pass gave every free page back
        async with clean_db.reader() as session:
            assert (await session.execute(text("PRAGMA auto_vacuum"))).scalar() == 2
        assert report.sqlite_free_pages == 0
    else:
        assert report.sqlite_free_pages is None  # PostgreSQL: autovacuum's job (docs/operations.md)
    deletes = [s for s in statements if s[0].lstrip().upper().startswith("DELETE")]
    assert len(deletes) > 30  # small batches, many of them
    checked = {statement for statement, _ in statements}
    assert len(checked) >= 10
    seen: set[str] = set()
    for statement, parameters in statements:
        if statement in seen or "PRAGMA" in statement.upper():
            continue
        seen.add(statement)
        plan = await explain(clean_db, statement, parameters)
        assert not scans_a_table(plan, sqlite=clean_db.is_sqlite), f"{statement}\n--\n{plan}"
