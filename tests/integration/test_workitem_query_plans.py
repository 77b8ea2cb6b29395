"""Every statement the recurrence read model and the work-item routes run is served by indexes: the
real service calls are recorded at the driver, then each SELECT is EXPLAINed on a few thousand
analysed rows with the planner's settings untouched.

PostgreSQL: no Seq Scan on channel_events, runs, incidents or work_item_records.
SQLite: no bare ``SCAN`` of those tables (every step names an index, or is a rowid/primary-key SEARCH).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

from awooop.core.db import Database
from awooop.operators.principal import AwoooPOperatorPrincipal
from awooop.workitems import service
from tests.factories import Factory

BIG_TABLES = ("channel_events", "runs", "incidents", "work_item_records")
OPERATOR = AwoooPOperatorPrincipal("plans", "operator_key", "admin", ("*",), "plans")

_EVENTS = """
INSERT INTO channel_events (id, project_id, channel_type, provider, stage, provider_event_id, has_redacted_content,
    has_source_envelope, source_refs, source_ref_count, log_correlation, labels, alertname, severity,
    recurrence_key, fingerprint, is_duplicate, received_at)
SELECT {uuid}, {project}, 'alert', {provider},
       CASE WHEN n % 40 = 0 THEN 'heartbeat' WHEN n % 7 = 0 THEN 'resolved' ELSE 'firing' END,
       'peid-' || n, {false}, {true}, '{{"alert": {{"generator_url": "http://x"}}}}', 1, '{{}}', '{{}}',
       'Alert' || (n % 50), 'warning', 'fp:' || (n % 250), '' || (n % 250),
       CASE WHEN n % 4 = 0 THEN {true} ELSE {false} END, {received_at}
FROM {series}
"""
_RUNS = """
INSERT INTO runs (id, project_id, state, mode, agent_id, recurrence_key, repair_outcome, created_at, updated_at,
    finished_at)
SELECT {uuid}, {project},
       CASE n % 5 WHEN 0 THEN 'failed' WHEN 1 THEN 'awaiting_approval' ELSE 'completed' END,
       CASE WHEN n % 9 = 0 THEN 'shadow' ELSE 'live' END, 'agent-' || (n % 3), 'fp:' || (n % 250),
       CASE n % 5 WHEN 0 THEN 'failed' WHEN 2 THEN 'verified' ELSE NULL END,
       {run_created_at}, {run_created_at}, {run_created_at}
FROM {series}
"""
_INCIDENTS = """
INSERT INTO incidents (id, project_id, status, title, severity, recurrence_key, firing_fingerprints, opened_at)
SELECT 'INC-' || n, {project}, 'resolved', 'title', 'warning', 'fp:' || (n % 250), '[]', {received_at}
FROM {series}
"""
_RECORDS = """
INSERT INTO work_item_records (id, project_id, work_item_id, recurrence_key, kind, mode, resolved_mode, outcome,
    operator_id, auth_method, body, created_at)
SELECT {uuid}, {project}, 'wi_' || n, 'fp:' || n, 'dry_run', 'auto', 'ticket', 'ready', 'alice', 'operator_key', '{{}}',
       {received_at}
FROM {series}
"""
_PROJECT = "CASE n % 3 WHEN 0 THEN 'acme' WHEN 1 THEN 'beta' ELSE 'gamma' END"
_DIALECT = {
    "postgresql": {
        "uuid": "gen_random_uuid()",
        "project": _PROJECT,
        "provider": "CASE n % 3 WHEN 0 THEN 'alertmanager' WHEN 1 THEN 'sentry' ELSE 'signoz' END",
        "false": "false",
        "true": "true",
        "received_at": "now() - (n * interval '3 minutes')",
        "run_created_at": "now() - (n * interval '1 minute')",
        "series": "generate_series(1, {rows}) AS n",
    },
    "sqlite": {
        "uuid": "lower(hex(randomblob(16)))",
        "project": _PROJECT,
        "provider": "CASE n % 3 WHEN 0 THEN 'alertmanager' WHEN 1 THEN 'sentry' ELSE 'signoz' END",
        "false": "0",
        "true": "1",
        "received_at": "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (n * 3) || ' minutes')",
        "run_created_at": "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || n || ' minutes')",
        "series": "s",
    },
}


async def seed(db: Database) -> None:
    kind = "sqlite" if db.is_sqlite else "postgresql"
    async with db.transaction() as session:
        for template, rows in ((_EVENTS, 6000), (_RUNS, 50_000), (_INCIDENTS, 1500), (_RECORDS, 3000)):
            values = {**_DIALECT[kind], "series": _DIALECT[kind]["series"].format(rows=rows)}
            sql = template.format(**values)
            if kind == "sqlite":
                sql = f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {rows}) {sql}"  # noqa: S608 - our own constants
            await session.execute(text(sql))
    async with db.write_engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()


@contextmanager
def recorded(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT sent to the driver, with its parameters, while the block runs."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    engines = {db.write_engine.sync_engine, db.read_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def run_everything(db: Database) -> None:
    async with db.reader() as session, session.begin():
        for projects, provider in ((None, None), (("acme",), None), (("acme", "beta", "gamma"), "sentry")):
            body = await service.fetch_channel_event_dossier_recurrence(
                session, projects=projects, project_label="*", provider=provider, limit=300
            )
        body = await service.fetch_channel_event_dossier_recurrence(
            session, projects=None, project_label="*", limit=300
        )
        work_item_id = next(item.work_item["work_item_id"] for item in body.items if item.work_item)
        await service.fetch_recurrence_work_item_preview(session, projects=None, work_item_id=work_item_id)
    async with db.writer() as session:
        await session.begin()
        await service.record_recurrence_work_item_dry_run(
            session, projects=None, work_item_id=work_item_id, mode="auto", provider=None, limit=300, operator=OPERATOR
        )
        await service.record_recurrence_work_item_handoff(
            session,
            projects=("acme", "beta", "gamma"),
            work_item_id=work_item_id,
            mode="auto",
            handoff_kind="ticket_proposal",
            provider=None,
            limit=300,
            operator=OPERATOR,
        )
        await service.fetch_recurrence_work_item_history(session, projects=None, work_item_id=work_item_id)
        await session.rollback()


async def explain(db: Database, statement: str, parameters: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    async with db.read_engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, tuple(parameters))).all()
    return "\n".join(str(row[-1]) for row in rows)


def scans_a_big_table(plan: str, *, sqlite: bool) -> bool:
    for line in plan.splitlines():
        for table in BIG_TABLES:
            if sqlite and line.strip().startswith(f"SCAN {table}") and "USING" not in line:
                return True
            if not sqlite and "Seq Scan on " + table in line:
                return True
    return False


async def test_every_work_item_statement_uses_indexes(clean_db: Database, factory: Factory) -> None:
    for project in ("acme", "beta", "gamma"):
        await factory.project(project)
    await seed(clean_db)
    with recorded(clean_db) as statements:
        await run_everything(clean_db)
    assert len(statements) >= 15
    for statement, parameters in statements:
        plan = await explain(clean_db, statement, parameters)
        assert not scans_a_big_table(plan, sqlite=clean_db.is_sqlite), f"{statement}\n--\n{plan}"
