"""Helpers shared by CLI command groups."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import typer

from awooop.config import Settings
from awooop.core.db import Database
from awooop.errors import DomainError

T = TypeVar("T")


def run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    """Run one async unit of work; domain errors become a clear message and exit code 1."""

    async def _main() -> T:
        return await coro_factory()

    try:
        return asyncio.run(_main())
    except DomainError as exc:
        typer.secho(f"error: {exc.detail}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc


@asynccontextmanager
async def database(settings: Settings | None = None) -> AsyncIterator[Database]:
    settings = settings or Settings()
    db = Database.connect(settings.resolved_database_url, pool_size=2)
    try:
        yield db
    finally:
        await db.dispose()
