"""Imported history counts its source's occurrences: an Opsgenie alert seen 7 times is 7 occurrences of
its work item's lifetime, in the daily rollup of its day, and still after retention purged its events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from awooop.config import Settings
from awooop.core.db import Database
from awooop.hub.envelope import work_item_id
from awooop.models import ChannelEvent, EventRollup
from awooop.retention import service
from awooop.retention.lifetime import work_item_lifetime
from awooop.retention.pacing import Pacing
from tests.factories import Factory
from tests.fakes.events import alert
from tests.imports.helpers import import_files
from tests.retention_data import count, store

KEY = "fp:checkout-high-error-rate"  # the Opsgenie alias of the sample seen 7 times (count 7)
IMPORTED_DAY = datetime(2026, 9, 2, tzinfo=UTC)  # its createdAt
NOW = IMPORTED_DAY + timedelta(days=40, hours=12)


async def _lifetime(db: Database) -> dict[str, object]:
    async with db.reader() as session:
        return await work_item_lifetime(session, project_id="acme", recurrence_key=KEY)


async def test_imported_occurrence_counts_survive_compaction_and_purge(
    clean_db: Database, factory: Factory, settings: Settings, tmp_path: Path
) -> None:
    await factory.project("acme")
    env = {"AWOOOP_DATABASE_URL": settings.database_url, "AWOOOP_DATA_DIR": str(tmp_path / "data")}
    result = await import_files(env, "opsgenie", "acme", "opsgenie_list_alerts.json")
    assert result.exit_code == 0, result.output
    # The same problem alerting live, once on the imported day and once yesterday (never purged).
    live_old = alert(fingerprint="checkout-high-error-rate", received_at=IMPORTED_DAY + timedelta(hours=20))
    live_new = alert(fingerprint="checkout-high-error-rate", received_at=NOW - timedelta(days=1))
    await store(clean_db, [live_old, live_new])

    before = await _lifetime(clean_db)
    # The imported firing Opsgenie counted 7 times, its resolve, and the two live firings.
    assert before["occurrence_total"] == 7 + 1 + 2
    assert before["days_active"] == 2

    report = await service.run_pass(clean_db, settings, now=NOW, pacing=Pacing(batch_rows=2, pause_seconds=0))
    assert report.total("raw_events") >= 3
    assert await count(clean_db, ChannelEvent, ChannelEvent.recurrence_key == KEY) == 1  # only yesterday's
    async with clean_db.reader() as session:
        rollup = await session.scalar(
            select(EventRollup).where(
                EventRollup.work_item_id == work_item_id("acme", KEY), EventRollup.day == IMPORTED_DAY.date()
            )
        )
    assert rollup is not None
    assert (rollup.occurrence_total, rollup.original_firing_total) == (7 + 1 + 1, 2)

    after = await _lifetime(clean_db)
    assert after == {**before, "compacted_days": 1}
