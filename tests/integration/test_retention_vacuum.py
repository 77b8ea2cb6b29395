"""SQLite gives the pages a purge freed back to the file system, a step of many pages at a time
(``PRAGMA incremental_vacuum(N)``); PostgreSQL leaves it to autovacuum (docs/operations.md).

A driver's ``execute`` of the pragma runs one step of it, which frees one page whatever N says: the
pass gave back about 60 pages a second, so a 1,000,000-event purge would have taken hours to shrink
the file."""

from __future__ import annotations

import os

from sqlalchemy import text

from awooop.core.db import Database, sqlite_file
from awooop.retention import repository, service

ROWS = 1500


async def _free_pages(db: Database) -> int:
    async with db.reader() as session:
        return await repository.sqlite_free_pages(session)


async def _checkpoint(db: Database) -> None:
    """The file's own size counts only once the WAL is written back (outside any transaction)."""
    async with db.write_engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.executescript("PRAGMA wal_checkpoint(TRUNCATE)")


async def test_the_pages_a_purge_freed_go_back_to_the_file_system(clean_db: Database) -> None:
    if not clean_db.is_sqlite:
        assert await service.give_space_back(clean_db) is None
        return
    async with clean_db.transaction() as session:
        await session.execute(text("CREATE TABLE IF NOT EXISTS vacuum_probe (body BLOB)"))
        await session.execute(
            text(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :rows) "
                "INSERT INTO vacuum_probe SELECT randomblob(3000) FROM s"
            ),
            {"rows": ROWS},
        )
    async with clean_db.transaction() as session:
        await session.execute(text("DROP TABLE vacuum_probe"))
    freed = await _free_pages(clean_db)
    assert freed >= ROWS  # one 4 KiB page per 3,000-byte row at least
    path = sqlite_file(clean_db.url)
    assert path is not None
    await _checkpoint(clean_db)
    size_before = os.stat(path).st_size

    async with clean_db.write_engine.connect() as conn:
        await repository.sqlite_incremental_vacuum(conn, 100)
    assert await _free_pages(clean_db) == freed - 100  # one step, a hundred pages

    assert await service.give_space_back(clean_db) == 0
    await _checkpoint(clean_db)
    assert os.stat(path).st_size <= size_before - freed * 4096 * 0.9
