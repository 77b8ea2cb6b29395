"""Fault fixtures: a database that can be taken away and given back while the app runs.

PostgreSQL: a private throwaway cluster (tests/faults/pgcluster.py) that is really stopped and
started. SQLite: another process's exclusive lock (``locking_mode=EXCLUSIVE``), so every new
connection of the app finds the database locked until it is released."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from awooop.core import db as core_db
from awooop.core import migrate
from awooop.core.db import Database
from tests.faults.pgcluster import PrivateCluster

SQLITE_BUSY_MS = 100  # a locked SQLite is reported after this, not after the production 5 s


@pytest.fixture(scope="session")
def private_cluster(backend: str) -> Iterator[PrivateCluster | None]:
    if backend != "postgresql":
        yield None
        return
    cluster = PrivateCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


class Fragile:
    """A migrated database of its own whose server can be made unavailable."""

    def __init__(self, url: str, cluster: PrivateCluster | None) -> None:
        self.url = url
        self.cluster = cluster
        self._holder: sqlite3.Connection | None = None

    @property
    def sqlite_path(self) -> str:
        return self.url.split("///", 1)[1]

    async def take_away(self, *databases: Database, reads: bool = True) -> None:
        """Stop the cluster, or lock SQLite: ``reads`` also for readers (exclusive locking mode,
        every other connection closed first), else for writers only (a held write transaction)."""
        if self.cluster is not None:
            await asyncio.to_thread(self.cluster.stop)
            return
        holder = sqlite3.connect(self.sqlite_path, isolation_level=None, timeout=0.05)
        if reads:
            holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        for _ in range(200):  # a busy writer may hold the lock for a moment
            for database in databases if reads else ():
                await database.dispose()
            try:
                holder.execute("BEGIN EXCLUSIVE")
            except sqlite3.OperationalError:
                await asyncio.sleep(0.01)
                continue
            self._holder = holder
            return
        holder.close()
        raise AssertionError("could not lock the SQLite database")

    async def give_back(self) -> None:
        if self.cluster is not None:
            await asyncio.to_thread(self.cluster.start)
            return
        if self._holder is not None:
            self._holder.execute("ROLLBACK")
            self._holder.close()
            self._holder = None

    @asynccontextmanager
    async def unavailable(self, *databases: Database, reads: bool = True) -> AsyncIterator[None]:
        await self.take_away(*databases, reads=reads)
        try:
            yield
        finally:
            await self.give_back()


@pytest.fixture
async def fragile(
    private_cluster: PrivateCluster | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Fragile]:
    monkeypatch.setattr(core_db, "SQLITE_BUSY_TIMEOUT_MS", SQLITE_BUSY_MS)
    if private_cluster is None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'fragile.db'}"
        await migrate.upgrade_async(url)
        fragile = Fragile(url, None)
        yield fragile
        await fragile.give_back()
        return
    name = f"awooop_faults_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(private_cluster.admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = private_cluster.url(name)
    await migrate.upgrade_async(url)
    fragile = Fragile(url, private_cluster)
    yield fragile
    if not private_cluster.is_running():
        private_cluster.start()
    admin = await asyncpg.connect(private_cluster.admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
