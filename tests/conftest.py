"""Test fixtures: a real migrated database (SQLite file or PostgreSQL, by AWOOOP_TEST_DB), the app
through httpx's ASGI transport, and factories for projects and keys.

AWOOOP_TEST_DB=postgresql runs the same suite on PostgreSQL; an unreachable server is an error,
never a skip (CI must not pass without having tested PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from awooop.app import create_app
from awooop.config import Settings
from awooop.core import migrate
from awooop.core.db import Database
from awooop.models import Base
from tests.factories import Factory

BACKEND = os.environ.get("AWOOOP_TEST_DB", "sqlite")
PG_ADMIN_DSN = os.environ.get("AWOOOP_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def backend() -> str:
    return BACKEND


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("db") / "awooop.db"
        url = f"sqlite+aiosqlite:///{path}"
        await migrate.upgrade_async(url)
        yield url
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"AWOOOP_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
    name = f"awooop_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.exit(f"PostgreSQL is required for AWOOOP_TEST_DB=postgresql but unreachable: {exc}", returncode=3)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _pg_url(name)
    try:
        await migrate.upgrade_async(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url, pool_size=5)
    yield database
    await database.dispose()


async def _clean(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with database.transaction() as session:
        if database.is_sqlite:
            for table in tables:
                await session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - our own table names
        else:
            await session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def clean_db(db: Database) -> Database:
    """The migrated database, emptied before each test."""
    await _clean(db)
    return db


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        run_worker=False,
        telegram_api_base="http://127.0.0.1:9",
    )


@pytest.fixture
async def app(settings: Settings, clean_db: Database) -> AsyncIterator[FastAPI]:
    application = create_app(settings, db=clean_db)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def factory(clean_db: Database) -> Factory:
    return Factory(clean_db)


@pytest.fixture
def fixtures_dir() -> Path:
    """The provider samples, exact request bodies, in tests/fixtures/providers."""
    path = Path(__file__).resolve().parent / "fixtures" / "providers"
    if not path.is_dir():
        raise FileNotFoundError(f"provider fixtures not found at {path}")
    return path
