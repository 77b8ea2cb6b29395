"""A database that is down or locked makes intake answer 503 with Retry-After, never 2xx, and
nothing of that delivery is stored; the sender's retry then goes through."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from awooop.app import create_app
from awooop.config import Settings
from awooop.core import db as core_db
from awooop.core.db import Database
from awooop.errors import ServiceUnavailable
from awooop.hub import committer as committer_module
from awooop.hub.committer import IntakeCommitter
from awooop.hub.providers import ParsedItem, parse_delivery
from awooop.hub.service import prepare_rows
from awooop.models import ChannelEvent
from awooop.operators import projects

TOKEN = "ait_test-token-503"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AM = "/api/v1/hub/acme/alertmanager"
CLOSED_PORT_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/awooop"
PG_ADMIN_DSN = os.environ.get("AWOOOP_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@asynccontextmanager
async def serve(settings: Settings, db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, IntakeCommitter]]:
    app = create_app(settings, db=db)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, app.state.intake


async def event_count(db: Database) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(ChannelEvent)) or 0)


def body(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "alertmanager_firing_single.json").read_bytes()


async def test_unreachable_database_answers_503(settings: Settings, fixtures_dir: Path) -> None:
    broken = Database.connect(CLOSED_PORT_URL, pool_size=1)
    try:
        async with serve(settings, broken) as (client, _):
            response = await client.post(AM, content=body(fixtures_dir), headers=AUTH)
    finally:
        await broken.dispose()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "service_unavailable"


async def test_committer_maps_an_unreachable_database_to_503(settings: Settings) -> None:
    broken = Database.connect(CLOSED_PORT_URL, pool_size=1)
    hub = IntakeCommitter(broken, settings)
    await hub.start()
    try:
        rows = prepare_rows(project_id="acme", provider="generic", items=generic_items("e1"))
        with pytest.raises(ServiceUnavailable) as caught:
            await hub.submit(rows, time.perf_counter())
    finally:
        await hub.stop()
        await broken.dispose()
    assert caught.value.headers() == {"Retry-After": "1"}
    assert "retry" in caught.value.detail


async def test_locked_database_during_commit_answers_503(  # noqa: PLR0917 - pytest fixtures
    backend: str,
    clean_db: Database,
    database_url: str,
    settings: Settings,
    fixtures_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The project is known (credentials cached), then the write itself cannot happen.

    SQLite: another connection holds the write lock past the busy timeout. PostgreSQL: the
    database stops accepting connections while the flusher's own connection is gone.
    """
    async with clean_db.transaction() as session:
        await projects.create_project(session, "acme", intake_token=TOKEN)
    raw = body(fixtures_dir)
    if backend == "sqlite":
        # A short busy timeout keeps the test fast; the lock comes from another connection.
        monkeypatch.setattr(core_db, "SQLITE_BUSY_TIMEOUT_MS", 100)
        db = Database.connect(database_url, pool_size=2)
    else:
        db = clean_db
    try:
        async with serve(settings, db) as (client, _):
            assert (await client.post(AM, content=raw, headers=AUTH)).status_code == 202
            async with unavailable(backend, database_url):
                refused = await client.post(AM, content=raw, headers=AUTH)
            retried = await client.post(AM, content=raw, headers=AUTH)
    finally:
        if db is not clean_db:
            await db.dispose()
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "1"
    assert retried.status_code == 202
    # The refused delivery left nothing behind: the original, and the retry stored as its duplicate.
    assert await event_count(clean_db) == 2
    assert [e["is_duplicate"] for e in retried.json()["events"]] == [True]


@asynccontextmanager
async def unavailable(backend: str, database_url: str) -> AsyncIterator[None]:
    if backend == "sqlite":
        async with hold_events_table(backend, database_url):
            yield
        return
    name = database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


async def test_lost_connection_is_replaced_without_bothering_the_sender(
    clean_db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flusher's held connection dies between batches (failover, idle kill, closed file): the
    next batch is written on a fresh connection and answered, not refused."""
    held: list[AsyncConnection] = []
    original_session = committer_module._WriteConnection.session

    async def watched(self: committer_module._WriteConnection) -> AsyncSession:
        session = await original_session(self)
        held.append(session.bind)  # type: ignore[arg-type]
        return session

    monkeypatch.setattr(committer_module._WriteConnection, "session", watched)
    hub = IntakeCommitter(clean_db, settings, flushers=1)
    await hub.start()
    try:
        first = prepare_rows(project_id="acme", provider="generic", items=generic_items("e1"))
        await hub.submit(first, time.perf_counter())
        dead = held[-1]
        await (await dead.get_raw_connection()).driver_connection.close()  # type: ignore[union-attr]
        second = prepare_rows(project_id="acme", provider="generic", items=generic_items("e2"))
        (recorded,) = await hub.submit(second, time.perf_counter())
    finally:
        await hub.stop()
    assert recorded.provider_event_id == "e2"
    assert held[-1] is not dead  # the batch was retried on a new connection
    assert await event_count(clean_db) == 2


def generic_items(event_id: str) -> list[ParsedItem]:
    return parse_delivery("generic", {"title": "DiskFull", "event_id": event_id}, {})


async def test_commit_that_takes_too_long_answers_503_and_still_lands(  # noqa: PLR0917 - pytest fixtures
    backend: str,
    clean_db: Database,
    database_url: str,
    settings: Settings,
    fixtures_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sender is told to retry; the delayed write is not lost, so its retry becomes a duplicate."""
    monkeypatch.setattr(committer_module, "COMMIT_WAIT_SECONDS", 0.2)
    async with clean_db.transaction() as session:
        await projects.create_project(session, "acme", intake_token=TOKEN)
    raw = body(fixtures_dir)
    async with serve(settings, clean_db) as (client, _):
        async with hold_events_table(backend, database_url):
            slow = await client.post(AM, content=raw, headers=AUTH)
        assert slow.status_code == 503
        assert "retry" in slow.json()["detail"]
        for _ in range(100):  # the flusher finishes the write once the lock is gone
            if await event_count(clean_db) == 1:
                break
            await asyncio.sleep(0.05)
        retried = await client.post(AM, content=raw, headers=AUTH)
    assert retried.status_code == 202
    assert [e["is_duplicate"] for e in retried.json()["events"]] == [True]
    assert await event_count(clean_db) == 2


@asynccontextmanager
async def hold_events_table(backend: str, database_url: str) -> AsyncIterator[None]:
    """Another connection blocks writes to channel_events (readers still get through)."""
    if backend == "sqlite":
        holder = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await connection.execute("BEGIN; LOCK TABLE channel_events IN EXCLUSIVE MODE")
        yield
        await connection.execute("ROLLBACK")
    finally:
        await connection.close()
