"""Service functions the console calls directly: event rate, one event, prefix ranges."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from awooop.cli.heartbeat import LocalOperator
from awooop.core.db import Database
from awooop.core.ids import uuid7
from awooop.dossier.aggregate import prefix_bounds
from awooop.dossier.service import event_rate, get_channel_event, record_provider_heartbeats, runs_with_dossier
from awooop.errors import BadRequest, NotFound
from tests.api.dossier_data import (
    am_alert,
    am_body,
    generic_body,
    insert_legacy,
    link_to_run,
    record,
    telegram_body,
)
from tests.factories import Factory

NOW = datetime(2026, 8, 20, 12, 40, tzinfo=UTC)


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 8, 20, hour, minute, tzinfo=UTC)


async def test_event_rate_counts_real_events_per_provider_and_hour(factory: Factory, clean_db: Database) -> None:
    await factory.project("acme")
    await factory.project("beta")
    for index, at in enumerate((_at(9, 59), _at(10, 0), _at(11, 20), _at(11, 40), _at(12, 39))):
        alert = am_body(am_alert("HighErrorRate", fingerprint=f"f{index}"))
        await record(clean_db, "acme", "alertmanager", alert, received_at=at)
    await record(clean_db, "acme", "telegram", telegram_body(1), received_at=_at(10, 5))
    await record(clean_db, "beta", "generic", generic_body("b1"), received_at=_at(11, 1))
    async with clean_db.transaction() as session:  # heartbeats are not source traffic
        await record_provider_heartbeats(
            session,
            project_id="acme",
            providers=["alertmanager"],
            reason="t",
            run_ref=None,
            operator=LocalOperator("cli:test"),
            now=_at(11, 30),
        )
    async with clean_db.reader() as session:
        every = await event_rate(session, projects=None, hours=3, bucket_minutes=60, now=NOW)
        acme = await event_rate(session, projects=("acme",), hours=3, bucket_minutes=60, now=NOW)
        halves = await event_rate(session, projects=("acme",), hours=1, bucket_minutes=30, now=NOW)
    assert every["buckets"] == [_at(10, 0), _at(11, 0), _at(12, 0)]
    assert every["since"] == _at(10, 0)
    rows = {p["provider"]: p["counts"] for p in every["providers"]}
    assert rows == {"alertmanager": [1, 2, 1], "generic": [0, 1, 0], "telegram": [1, 0, 0]}
    assert every["total"] == 6
    assert {p["provider"] for p in acme["providers"]} == {"alertmanager", "telegram"}
    assert halves["buckets"] == [_at(12, 0), _at(12, 30)]
    assert {p["provider"]: p["counts"] for p in halves["providers"]} == {"alertmanager": [0, 1]}


@pytest.mark.parametrize(("hours", "bucket_minutes"), [(0, 60), (169, 60), (24, 7), (168, 15)])
async def test_event_rate_rejects_unbounded_windows(clean_db: Database, hours: int, bucket_minutes: int) -> None:
    async with clean_db.reader() as session:
        with pytest.raises(BadRequest):
            await event_rate(session, projects=None, hours=hours, bucket_minutes=bucket_minutes)


async def test_get_channel_event_hides_other_projects(factory: Factory, clean_db: Database) -> None:
    await factory.project("acme")
    (stored,) = await record(clean_db, "acme", "generic", generic_body("g1"), received_at=NOW)
    async with clean_db.reader() as session:
        item = await get_channel_event(session, stored.event_id, projects=None)
        assert item.provider_event_id == "g1"
        assert item.source_refs == {}
        assert (await get_channel_event(session, stored.event_id, projects=("acme",))).event_id == stored.event_id
        with pytest.raises(NotFound):
            await get_channel_event(session, stored.event_id, projects=("beta",))
        with pytest.raises(NotFound):
            await get_channel_event(session, uuid.uuid4(), projects=None)


async def test_runs_with_dossier_answers_a_page_of_runs_at_once(factory: Factory, clean_db: Database) -> None:
    await factory.project("acme")
    await factory.project("beta")
    (ingested,) = await record(clean_db, "acme", "generic", generic_body("g1"), received_at=NOW)
    (foreign,) = await record(clean_db, "beta", "generic", generic_body("g2"), received_at=NOW)
    legacy = await insert_legacy(clean_db, "acme", "old-1", received_at=NOW)
    with_envelope, legacy_only, beta_run, unlinked = uuid7(), uuid7(), uuid7(), uuid7()
    await link_to_run(clean_db, [ingested.event_id], with_envelope)
    await link_to_run(clean_db, [legacy], legacy_only)
    await link_to_run(clean_db, [foreign.event_id], beta_run, project_id="beta")
    runs = {with_envelope, legacy_only, beta_run, unlinked}
    async with clean_db.reader() as session:
        assert await runs_with_dossier(session, runs, projects=None) == {with_envelope, beta_run}
        assert await runs_with_dossier(session, runs, projects={"acme"}) == {with_envelope}
        assert await runs_with_dossier(session, set(), projects=None) == set()


@pytest.mark.parametrize(
    ("prefix", "bounds"),
    [
        ("abc", ("abc", "abd")),
        ("50%_", ("50%_", "50%`")),
        ("a\U0010ffff", ("a\U0010ffff", "b")),
        ("\U0010ffff", ("\U0010ffff", None)),
        ("x\ud7ff", ("x\ud7ff", "x\ue000")),
    ],
)
def test_prefix_bounds_hold_exactly_the_prefixed_strings(prefix: str, bounds: tuple[str, str | None]) -> None:
    assert prefix_bounds(prefix) == bounds


def test_prefix_with_nul_is_refused() -> None:
    with pytest.raises(BadRequest, match="NUL"):
        prefix_bounds("a\x00")
