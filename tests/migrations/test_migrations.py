"""Migrations are the schema: one head, a clean round trip, and no drift from the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from awooop.core import migrate
from awooop.core.db import Database
from awooop.models import Base


def test_single_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(db: Database) -> None:
    async with db.write_engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_downgrade_to_base_and_up_again(database_url: str, clean_db: Database) -> None:
    # Emptied first: whatever the previous test left (e.g. INC-000001 in two projects, which the
    # pre-0004 schema cannot hold) must not decide whether the history round-trips.
    db = clean_db
    await db.dispose()  # release pooled connections so DDL is not blocked
    await migrate.upgrade_async(database_url)
    async with db.write_engine.connect() as conn:
        assert await conn.run_sync(_tables) == set(Base.metadata.tables)
    import asyncio  # noqa: PLC0415

    await asyncio.to_thread(migrate.downgrade, database_url, "base")
    async with db.write_engine.connect() as conn:
        assert await conn.run_sync(_tables) == set()
    await migrate.upgrade_async(database_url)
    async with db.write_engine.connect() as conn:
        assert await conn.run_sync(_tables) == set(Base.metadata.tables)
    assert await migrate.current_revision(db.write_engine) == migrate.head_revision()
