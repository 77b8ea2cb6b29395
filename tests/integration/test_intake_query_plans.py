"""The dedup lookup of intake (a delivery that repeats stored events asks for their originals) is
served by an index probe per event id (`uq_channel_events_original`, or
`ix_channel_events_project_peid` where the planner prefers it) on both engines, never by a scan of channel_events: every
repeat of a firing alert (Alertmanager's repeat_interval) runs it inside the intake transaction.
A row-value ``(project_id, provider, provider_event_id) IN (VALUES …)`` was a full scan on SQLite.
"""

from __future__ import annotations

from sqlalchemy import text

from awooop.core.db import Database
from awooop.hub import repository
from tests.factories import Factory
from tests.integration.test_dossier_query_plans import PROJECTS, ROWS, PlanCase, explain, seed


async def test_original_lookup_reads_the_unique_index_and_finds_each_source(
    factory: Factory, clean_db: Database, backend: str
) -> None:
    for project in PROJECTS:
        await factory.project(project)
    await seed(clean_db)  # n: project n % 3, provider n % 6, provider_event_id fp<n> / alert-group:<n>
    async with clean_db.reader() as session:
        assert await session.scalar(text("SELECT count(*) FROM channel_events")) == ROWS
        if backend == "sqlite":
            await session.execute(text("ANALYZE"))
        else:
            await session.execute(text("ANALYZE channel_events"))
        ids = ["fp1", "fp7", "fp13", "missing"]
        conn = await session.connection()
        if backend == "sqlite":
            statement = repository.original_lookup(session, "beta", "signoz", ids)
            plan = "\n".join(await explain(conn, PlanCase("originals", statement, ())))
        else:  # the driver SQL find_originals runs on PostgreSQL
            rows = await conn.exec_driver_sql("EXPLAIN " + repository._PG_ORIGINAL_LOOKUP, ("beta", "signoz", ids))
            plan = "\n".join(str(row[0]) for row in rows)
        found = await repository.find_originals(
            session,
            [
                ("beta", "signoz", "fp1"),
                ("gamma", "grafana", "fp2"),
                ("beta", "generic", "alert-group:10"),
                ("beta", "signoz", "fp2"),  # fp2 is gamma's grafana event: not an original of this source
                ("acme", "alertmanager", "fp999999"),
            ],
        )
    # Either index that leads with (project_id, …, provider_event_id) answers it by index probes.
    assert "uq_channel_events_original" in plan or "ix_channel_events_project_peid" in plan, plan
    if backend == "sqlite":
        steps = [line for line in plan.splitlines() if "channel_events" in line]
        assert steps, plan
        assert all("USING INDEX" in line or "USING COVERING INDEX" in line for line in steps), plan
    else:
        assert "Seq Scan" not in plan, plan
    assert set(found) == {("beta", "signoz", "fp1"), ("gamma", "grafana", "fp2"), ("beta", "generic", "alert-group:10")}
