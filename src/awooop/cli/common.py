"""Helpers shared by CLI command groups."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.engine import make_url

from awooop.config import Settings
from awooop.core import migrate
from awooop.core.db import Database, sqlite_file
from awooop.errors import DomainError

T = TypeVar("T")
# Exit codes: 1 a refused operation or an unreachable database, 2 no usable database here
# (nothing to work on until someone migrates or points the CLI elsewhere).
EXIT_NO_SCHEMA = 2
INVALID_CATALOG_NAME = "3D000"  # PostgreSQL: the named database does not exist
FIX = "run 'awooop migrate', or set AWOOOP_DATA_DIR (or AWOOOP_DATABASE_URL) to the service's database"


def run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    """Run one async unit of work; domain errors become a clear message and exit code 1."""

    async def _main() -> T:
        return await coro_factory()

    try:
        return asyncio.run(_main())
    except DomainError as exc:
        typer.secho(f"error: {exc.detail}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr, then exit: no traceback for a condition the user can fix."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def describe_location(url: str) -> str:
    """The SQLite file, or the PostgreSQL URL without its password."""
    path = sqlite_file(url)
    if path is not None:
        return str(path.resolve())
    return make_url(url).render_as_string(hide_password=True)


async def require_schema(db: Database) -> None:
    """Exit 2 with one line unless the database carries this version's schema."""
    where = describe_location(db.url)
    try:
        current = await migrate.current_revision(db.read_engine)
    except Exception as exc:  # noqa: BLE001 - asyncpg raises some refusals unwrapped; any failure is one line
        if getattr(exc, "sqlstate", None) == INVALID_CATALOG_NAME:
            fail(f"no database at {where}; create it (createdb), then run 'awooop migrate'", EXIT_NO_SCHEMA)
        fail(f"cannot open the database at {where}: {type(exc).__name__}")
    head = migrate.head_revision()
    if current == head:
        return
    if current is None:
        fail(f"the database at {where} has no AwoooP schema; {FIX}", EXIT_NO_SCHEMA)
    if current in migrate.known_revisions():
        fail(f"the database at {where} is at schema {current}, this version needs {head}; run 'awooop migrate'", 2)
    fail(f"the database at {where} is at schema {current}, unknown to this version (newer?); upgrade awooop", 2)


@asynccontextmanager
async def database(settings: Settings | None = None, *, check_schema: bool = True) -> AsyncIterator[Database]:
    """The service's database for one command. By default it must exist and be at the migration
    head: a missing SQLite file is reported, never created as a side effect."""
    settings = settings or Settings()
    url = settings.resolved_database_url
    path = sqlite_file(url)
    if check_schema and path is not None and not path.is_file():
        fail(f"no database at {path.resolve()}; {FIX}", EXIT_NO_SCHEMA)
    db = Database.connect(url, pool_size=2)
    try:
        if check_schema:
            await require_schema(db)
        yield db
    finally:
        await db.dispose()
