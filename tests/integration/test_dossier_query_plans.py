"""Every list query of the Channel Events API is served by an index of channel_events, never by
a scan of the table: EXPLAIN on a few thousand analysed rows, planner settings untouched.

PostgreSQL: each plan reads channel_events through the expected index and has no Seq Scan.
SQLite: each EXPLAIN QUERY PLAN step on channel_events uses an index (no bare ``SCAN``).
docs/query-plans.md shows these plans.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Executable, Select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.dossier import repository, service
from awooop.dossier.aggregate import prefix_bounds
from awooop.dossier.freshness import REAL_STAGES
from awooop.dossier.repository import COVERAGE_COLUMNS, DOSSIER_COLUMNS, RECENT_COLUMNS, EventCriteria
from awooop.models import Run
from tests.factories import Factory

ROWS = 6000
PROJECTS = ("acme", "beta", "gamma")
RUN_ID = uuid.UUID("0190a000-0000-7000-8000-000000000001")
PROVIDERS = ("alertmanager", "signoz", "grafana", "sentry", "generic", "telegram")

# One INSERT … SELECT per engine: 6000 rows spread over 3 projects, 6 providers and 30 days.
_SEED_SELECT = """
SELECT {id}, 'seeded', {project}, CASE WHEN n % 6 = 5 THEN 'chat' ELSE 'alert' END,
       {provider}, CASE WHEN n % 6 = 5 THEN 'message' WHEN n % 50 = 0 THEN 'heartbeat'
                        WHEN n % 3 = 0 THEN 'resolved' ELSE 'firing' END,
       {peid}, {false}, {true}, '{{}}', 0, '{{}}', '{{}}', {false}, {run_id}, {received_at}
FROM {series}
"""
_COLUMNS = (
    "id, content_preview, project_id, channel_type, provider, stage, provider_event_id, has_redacted_content, "
    "has_source_envelope, source_refs, source_ref_count, log_correlation, labels, is_duplicate, run_id, received_at"
)
_PROJECT = "CASE n % 3 WHEN 0 THEN 'acme' WHEN 1 THEN 'beta' ELSE 'gamma' END"
_PROVIDER = (
    "CASE n % 6 WHEN 0 THEN 'alertmanager' WHEN 1 THEN 'signoz' WHEN 2 THEN 'grafana' "
    "WHEN 3 THEN 'sentry' WHEN 4 THEN 'generic' ELSE 'telegram' END"
)
_PEID = "CASE WHEN n % 10 = 0 THEN 'alert-group:' ELSE 'fp' END || n"
# Built from the constants above only (no outside input).
_SQL = {
    "postgresql": (
        f"INSERT INTO channel_events ({_COLUMNS})"
        + _SEED_SELECT.format(
            id="gen_random_uuid()",
            project=_PROJECT,
            provider=_PROVIDER,
            peid=_PEID,
            false="false",
            true="true",
            run_id=f"CASE WHEN n % 400 = 0 THEN '{RUN_ID}'::uuid END",
            received_at="now() - (n * interval '7 minutes')",
            series=f"generate_series(1, {ROWS}) AS n",
        )
    ),
    "sqlite": (
        f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {ROWS}) "  # noqa: S608
        f"INSERT INTO channel_events ({_COLUMNS})"
        + _SEED_SELECT.format(
            id="lower(hex(randomblob(16)))",
            project=_PROJECT,
            provider=_PROVIDER,
            peid=_PEID,
            false="0",
            true="1",
            run_id=f"CASE WHEN n % 400 = 0 THEN '{RUN_ID.hex}' END",
            received_at="strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (n * 7) || ' minutes')",
            series="s",
        )
    ),
}


@dataclass(frozen=True)
class PlanCase:
    name: str
    statement: Executable
    indexes: tuple[str, ...]  # the indexes (ix_channel_events_<name>) the planner may choose from
    params: dict[str, Any] = field(default_factory=dict)


def _newest(
    columns: Any, criteria: EventCriteria, projects: Sequence[str] | None, limit: int, postgresql: bool
) -> Select[Any]:
    return repository.newest_events_statement(columns, criteria, projects, limit, postgresql=postgresql)


def plan_cases(postgresql: bool) -> list[PlanCase]:
    recent, dossier, coverage = RECENT_COLUMNS, DOSSIER_COLUMNS, COVERAGE_COLUMNS
    prefix = EventCriteria(prefix_bounds=prefix_bounds("alert-group:"))
    return [
        PlanCase("recent, every project", _newest(recent, EventCriteria(), None, 100, postgresql), ("received",)),
        PlanCase(
            "recent, one project", _newest(recent, EventCriteria(), ("acme",), 100, postgresql), ("project_received",)
        ),
        PlanCase(
            "recent, two projects merged",
            _newest(recent, EventCriteria(), ("acme", "beta"), 100, postgresql),
            ("project_received",),
        ),
        PlanCase(
            "recent, channel_type",
            _newest(recent, EventCriteria(channel_type="chat"), None, 100, postgresql),
            ("type_received",),
        ),
        PlanCase(
            "recent, provider_prefix",
            _newest(recent, prefix, PROJECTS, 100, postgresql),
            ("project_peid", "project_received"),
        ),
        PlanCase(
            "dossier, run_id",
            _newest(dossier, EventCriteria(run_id=RUN_ID), ("acme", "beta"), 50, postgresql),
            ("run_received",),
        ),
        PlanCase(
            "dossier, provider_event_id",
            _newest(dossier, EventCriteria(provider_event_id="fp7"), ("acme",), 50, postgresql),
            ("project_peid",),
        ),
        PlanCase(
            "coverage, every project",
            _newest(coverage, EventCriteria(channel_type="alert"), None, 200, postgresql),
            ("type_received", "received"),  # alerts are most rows: walking by time stops after ~limit
        ),
        PlanCase(
            "coverage, one provider",
            _newest(coverage, EventCriteria(channel_type="alert", provider="sentry"), PROJECTS, 200, postgresql),
            ("project_type_provider_received",),
        ),
        PlanCase(
            "freshness probes",
            repository.latest_received_at_statement(postgresql=postgresql),
            ("project_provider_stage_received",),
            repository.latest_received_at_params(
                PROJECTS, PROVIDERS, (*REAL_STAGES, "heartbeat"), postgresql=postgresql
            ),
        ),
        PlanCase(
            "event rate, 24 h",
            repository.count_by_bucket_statement(
                projects=PROJECTS,
                providers=PROVIDERS,
                stages=REAL_STAGES,
                since=utcnow() - timedelta(hours=24),
                bucket_seconds=3600,
                postgresql=postgresql,
            ),
            # Each of these reads only the 24 h window (per project or across them); which one the
            # planner picks depends on how the seeded timestamps fell.
            ("project_provider_stage_received", "project_received", "received"),
        ),
    ]


async def explain(conn: AsyncConnection, case: PlanCase) -> list[str]:
    # IN lists are "expanding" parameters: render them out as execute() would.
    compiled = case.statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params(case.params)
    processors = compiled._bind_processors  # type processing (UTC, UUID) as execute() would do it
    values = []
    for name in compiled.positiontup or ():
        value = params[name]
        processor = processors.get(name)
        values.append(processor(value) if processor else value)
    prefix = "EXPLAIN " if conn.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    result = await conn.exec_driver_sql(prefix + str(compiled), tuple(values))
    return [str(row[-1]) for row in result]


async def seed(db: Database) -> None:
    async with db.transaction() as session:
        # channel_events.run_id is a foreign key: the run the seeded events link to exists.
        now = utcnow()
        session.add(
            Run(id=RUN_ID, project_id="acme", state="queued", mode="live", agent_id="a", created_at=now, updated_at=now)
        )
        await session.flush()
        await session.execute(text(_SQL["postgresql" if not db.is_sqlite else "sqlite"]))


INDEX_NAME = re.compile(r"\bix_channel_events_\w+")


def _allowed(case: PlanCase) -> set[str]:
    return {f"ix_channel_events_{name}" for name in case.indexes}


def check_postgresql(plan: list[str], case: PlanCase) -> None:
    """No Seq Scan anywhere; channel_events is read only through the case's indexes (an Index
    [Only] Scan, or a Bitmap Index Scan feeding a Bitmap Heap Scan)."""
    joined = "\n".join(plan)
    assert "Seq Scan" not in joined, joined
    used = set(INDEX_NAME.findall(joined))
    assert used, joined
    assert used <= _allowed(case), joined


def check_sqlite(plan: list[str], case: PlanCase) -> None:
    """Every step on channel_events uses an index (a bare ``SCAN channel_events`` reads the table)."""
    joined = "\n".join(plan)
    reads = [line for line in plan if "channel_events" in line]
    assert reads, joined
    for line in reads:
        assert "USING INDEX" in line or "USING COVERING INDEX" in line, joined
    assert set(INDEX_NAME.findall(joined)) <= _allowed(case), joined


@pytest.fixture
async def seeded(factory: Factory, clean_db: Database) -> Database:
    for project in PROJECTS:
        await factory.project(project)
    await seed(clean_db)
    return clean_db


async def _set_statistics(conn: AsyncConnection, state: str) -> None:
    """``analyzed``: fresh statistics. ``none``: what a SQLite file gets by default (nothing runs
    ANALYZE on it). SQLite loads statistics per connection, so this runs on the explaining one."""
    if state == "analyzed":
        await conn.execute(text("ANALYZE"))
        return
    has_stats = await conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
    if has_stats:
        await conn.execute(text("DELETE FROM sqlite_stat1"))
    await conn.execute(text("ANALYZE sqlite_schema"))  # reload: now without statistics


async def test_every_list_query_is_served_by_an_index(seeded: Database, backend: str) -> None:
    postgresql = backend == "postgresql"
    async with seeded.reader() as session:
        assert await session.scalar(text("SELECT count(*) FROM channel_events")) == ROWS
    # PostgreSQL's autovacuum keeps statistics; a SQLite file usually has none, or stale ones.
    states = ("analyzed",) if postgresql else ("none", "analyzed")
    failures = []
    async with seeded.read_engine.connect() as conn:
        for state in states:
            await _set_statistics(conn, state)
            for case in plan_cases(postgresql):
                plan = await explain(conn, case)
                try:
                    (check_postgresql if postgresql else check_sqlite)(plan, case)
                except AssertionError as exc:
                    failures.append(f"{case.name} (statistics: {state}):\n{exc}")
    assert not failures, "\n\n".join(failures)
    if postgresql:
        await _check_value_dependent_reads_use_custom_plans(seeded)


async def _check_value_dependent_reads_use_custom_plans(db: Database) -> None:
    """The plans above are planned with their values; in production asyncpg prepares statements
    and PostgreSQL may switch to a generic plan after five runs, so the reads whose best index
    depends on the value ask for custom plans."""
    reads = (
        lambda session: service.list_recent_channel_events(session, projects=None, provider_prefix="fp7"),
        lambda session: service.list_recent_channel_events(session, projects=None, channel_type="chat"),
        lambda session: service.event_rate(session, projects=None),
    )
    for read in reads:
        async with db.reader() as session, session.begin():
            await read(session)
            mode = await session.scalar(text("SELECT current_setting('plan_cache_mode')"))
        assert mode == "force_custom_plan"
