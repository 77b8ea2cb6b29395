"""Retention passes with a controlled clock: every setting and every project honoured, dry runs
change nothing, a second pass finds nothing, what is kept forever stays."""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY

from awooop.config import Settings
from awooop.core.db import Database
from awooop.models import (
    ChannelEvent,
    ConsoleSession,
    Incident,
    IntakeRejection,
    OutboxMessage,
    Run,
    RunTransition,
    WorkItemRecord,
)
from awooop.retention import service
from awooop.retention.pacing import Pacing
from tests.factories import Factory
from tests.fakes.events import alert
from tests.retention_data import (
    NOW,
    ago,
    count,
    duplicate_of,
    incident,
    message,
    record,
    rejection,
    run,
    session_row,
    store,
)

# Batches of 2 rows: every kind needs several batches, so the loop and its stop condition are exercised.
PACING = Pacing(batch_rows=2, pause_seconds=0)
LONG = {
    "raw_event_days": 60,
    "duplicate_days": 14,
    "rejection_days": 30,
    "notification_days": 30,
    "heartbeat_run_days": 30,
}


def _project_rows(project_id: str) -> list[Any]:
    rows: list[Any] = [
        alert(project_id, fingerprint=f"{project_id}{days}", received_at=ago(days)) for days in (45, 40, 20, 2)
    ]
    keeper = rows[-1]
    rows += [duplicate_of(keeper, received_at=ago(days)) for days in (10, 9, 8, 3)]  # of a recent original
    rows += [rejection(project_id, ago(days)) for days in (10, 9, 3)]
    rows += [message(project_id, status, ago(10)) for status in ("delivered", "skipped", "failed", "pending")]
    rows += [message(project_id, "delivered", ago(3))]
    for days, heartbeat in ((10, True), (9, True), (3, True), (100, False)):
        rows += run(project_id, created_at=ago(days), heartbeat=heartbeat)
    rows += [incident(project_id, ago(400)), record(project_id, ago(400))]
    return rows


async def _counts(db: Database, project_id: str) -> dict[str, int]:
    return {
        "originals": await count(db, ChannelEvent, ChannelEvent.project_id == project_id, ~ChannelEvent.is_duplicate),
        "duplicates": await count(db, ChannelEvent, ChannelEvent.project_id == project_id, ChannelEvent.is_duplicate),
        "rejections": await count(db, IntakeRejection, IntakeRejection.project_id == project_id),
        "finished": await count(
            db, OutboxMessage, OutboxMessage.project_id == project_id, OutboxMessage.status != "pending"
        ),
        "pending": await count(
            db, OutboxMessage, OutboxMessage.project_id == project_id, OutboxMessage.status == "pending"
        ),
        "heartbeat_runs": await count(db, Run, Run.project_id == project_id, Run.mode == "shadow"),
        "live_runs": await count(db, Run, Run.project_id == project_id, Run.mode == "live"),
        "incidents": await count(db, Incident, Incident.project_id == project_id),
        "records": await count(db, WorkItemRecord, WorkItemRecord.project_id == project_id),
    }


def _purged(table: str, kind: str) -> float:
    return REGISTRY.get_sample_value("awooop_retention_rows_purged_total", {"table": table, "kind": kind}) or 0.0


async def test_a_pass_honours_every_setting_for_every_project(
    clean_db: Database, factory: Factory, settings: Settings
) -> None:
    await factory.project("acme")
    await factory.project("beta")
    await service.set_override(clean_db, "beta", LONG)
    await store(clean_db, _project_rows("acme") + _project_rows("beta"))
    await store(clean_db, [rejection("ghost", ago(10)), rejection("ghost", ago(40))])  # an unknown project id
    await store(clean_db, [session_row(ago(1)), session_row(NOW.replace(year=2027))])
    before = {project: await _counts(clean_db, project) for project in ("acme", "beta")}

    dry = await service.run_pass(clean_db, settings, now=NOW, dry_run=True, pacing=PACING)
    assert {project: await _counts(clean_db, project) for project in ("acme", "beta")} == before
    purged_before = _purged("channel_events", "duplicates")

    report = await service.run_pass(clean_db, settings, now=NOW, pacing=PACING)
    assert [(p.kind, p.project_id, p.rows) for p in report.purged] == [
        (p.kind, p.project_id, p.rows) for p in dry.purged
    ]
    # acme keeps the defaults: events 30 days, the rest 7.
    assert await _counts(clean_db, "acme") == {
        "originals": 2,  # 20 and 2 days old
        "duplicates": 1,  # 3 days old
        "rejections": 1,
        "finished": 1,  # the 3-day-old delivered one
        "pending": 1,  # never deleted, however old
        "heartbeat_runs": 1,
        "live_runs": 1,  # 100 days old, kept
        "incidents": 1,
        "records": 1,
    }
    # beta's overrides keep everything of this data set.
    assert await _counts(clean_db, "beta") == before["beta"]
    # Transitions went with their heartbeat runs (ON DELETE CASCADE) and only with them.
    assert await count(clean_db, RunTransition) == 4 + 2
    # Rejections of an unknown project live as long as the longest rejection retention (beta's 30 days).
    assert await count(clean_db, IntakeRejection, IntakeRejection.project_id == "ghost") == 1
    assert await count(clean_db, ConsoleSession) == 1
    assert report.total("duplicates") == 3
    assert report.total("raw_events") == 2
    assert _purged("channel_events", "duplicates") - purged_before == 3

    again = await service.run_pass(clean_db, settings, now=NOW, pacing=PACING)
    assert again.total() == 0


async def test_one_project_only_and_clearing_an_override(
    clean_db: Database, factory: Factory, settings: Settings
) -> None:
    await factory.project("acme")
    await factory.project("beta")
    await service.set_override(clean_db, "acme", {"duplicate_days": 30})
    await store(clean_db, _project_rows("acme") + _project_rows("beta"))
    report = await service.run_pass(clean_db, settings, now=NOW, project_id="beta", pacing=PACING)
    assert {p.project_id for p in report.purged} == {"beta"}
    assert (await _counts(clean_db, "acme"))["originals"] == 4
    assert (await _counts(clean_db, "beta"))["duplicates"] == 1

    await service.run_pass(clean_db, settings, now=NOW, project_id="acme", pacing=PACING)
    assert (await _counts(clean_db, "acme"))["duplicates"] == 4  # 30-day override
    await service.clear_override(clean_db, "acme")
    await service.run_pass(clean_db, settings, now=NOW, project_id="acme", pacing=PACING)
    assert (await _counts(clean_db, "acme"))["duplicates"] == 1
    shown = await service.show(clean_db, settings)
    assert shown["projects"]["acme"]["overrides"] == {}
    assert shown["projects"]["acme"]["effective"]["raw_event_days"] == 30
