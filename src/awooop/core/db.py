"""Engine and session factories. SQLite gets WAL, foreign keys, a busy timeout and
``BEGIN IMMEDIATE`` for writers so concurrent writers queue instead of failing mid-transaction.
JSON columns go through orjson on both engines (several times faster than the stdlib)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from awooop.core.files import prepare_sqlite_file

SQLITE_BUSY_TIMEOUT_MS = 5000
# A PostgreSQL that does not answer a new connection within this is treated as down (503).
CONNECT_TIMEOUT_SECONDS = 10
# Prepared statements kept per connection: hot statements are parsed and planned once.
STATEMENT_CACHE_SIZE = 500
# The side pool serves one-statement transactions (incident number reservations): a few suffice.
SIDE_POOL_SIZE = 2
SIDE_ENGINE = "awooop.side_engine"  # key in Session.info
# SQLSTATEs meaning "not now" (answer 503, the sender retries): 08 connection exceptions, 53300
# too_many_connections, 57P01-57P03 admin/crash shutdown and cannot_connect_now.
_UNAVAILABLE_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03")
_UNAVAILABLE_TEXT = ("not currently accepting connections", "the database system is starting up")
# What a database call can raise: SQLAlchemy's wrappers, and what escapes them unwrapped when a
# new connection fails (asyncpg's connect raises OSError / ConnectionRefusedError / TimeoutError
# and CannotConnectNowError as is). The app classifies each with ``is_unavailable_error``.


class WriteConflict(Exception):
    """A transaction lost a race that running it again from the start wins (as after a deadlock):
    raised by code that detects such a loss itself; nothing of the transaction was committed."""


DATABASE_ERRORS: tuple[type[Exception], ...] = (
    SQLAlchemyError,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    WriteConflict,
)
# SQLSTATEs a transaction may hit under concurrency and that succeed when the transaction is run
# again from the start: 40P01 deadlock_detected, 40001 serialization_failure.
_RETRYABLE_SQLSTATES = ("40P01", "40001")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _install_sqlite_pragmas(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level; the "begin" hook below opens transactions itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:"):
        return None  # URI filenames carry their own options; left to SQLite
    return Path(parsed.database)


def create_engine(url: str, *, pool_size: int = 10, immediate: bool = True) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if (path := sqlite_file(url)) is not None:
            prepare_sqlite_file(path)
        engine = create_async_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
        )
        _install_sqlite_pragmas(engine, immediate=immediate)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        # prepared_statement_cache_size: SQLAlchemy's asyncpg adapter prepares each statement once
        # per connection and keeps it (default 100; the whole app uses a few hundred statements).
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS, "prepared_statement_cache_size": STATEMENT_CACHE_SIZE},
    )


@dataclass
class Database:
    """Writers and readers. On PostgreSQL both are one engine; on SQLite readers skip the write lock."""

    url: str
    write_engine: AsyncEngine
    read_engine: AsyncEngine
    writer: async_sessionmaker[AsyncSession]
    reader: async_sessionmaker[AsyncSession]
    # Keys' last use, noted by authentication and written in batches (operators.last_use), so a
    # read request never opens a write transaction.
    pending_key_uses: dict[str, datetime] = field(default_factory=dict, repr=False, compare=False)
    # PostgreSQL: a small pool of its own for one-statement transactions a write transaction needs
    # on the side (see side_engine). Its own pool, because a transaction that waited for a second
    # connection from the pool it already holds one of could wait forever once that pool is full.
    side: AsyncEngine | None = field(default=None, repr=False, compare=False)

    @property
    def session_info(self) -> dict[str, Any]:
        """What every session of this database carries (sessions bound to a held connection too)."""
        return {SIDE_ENGINE: self.side} if self.side is not None else {}

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 10) -> Database:
        write_engine = create_engine(url, pool_size=pool_size, immediate=True)
        side = None
        if url.startswith("sqlite"):
            read_engine = create_engine(url, pool_size=pool_size, immediate=False)
        else:
            read_engine = write_engine
            side = create_engine(url, pool_size=SIDE_POOL_SIZE)
        info = {SIDE_ENGINE: side} if side is not None else {}
        return cls(
            url=url,
            write_engine=write_engine,
            read_engine=read_engine,
            writer=async_sessionmaker(write_engine, expire_on_commit=False, info=info),
            reader=async_sessionmaker(read_engine, expire_on_commit=False, info=info),
            side=side,
        )

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
        if self.side is not None:
            await self.side.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work for jobs and CLI commands: commit on success, roll back on error."""
        async with self.writer() as session, session.begin():
            yield session


def side_engine(session: AsyncSession) -> AsyncEngine | None:
    """The side pool of the session's database (PostgreSQL), or None (SQLite, or a session made
    without ``Database``): then the caller does its side work inside its own transaction."""
    engine = session.info.get(SIDE_ENGINE)
    return engine if isinstance(engine, AsyncEngine) else None


def _unavailable(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        if "locked" in text or "busy" in text or "connect" in text or "unable to open" in text:
            return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, ConnectionError | TimeoutError | OSError):
        return True
    # asyncpg raises these unwrapped when a new connection is refused (CannotConnectNowError,
    # TooManyConnectionsError, a database with ALLOW_CONNECTIONS false, a restart or failover).
    sqlstate = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
        return True
    text = str(exc)
    return any(marker in text for marker in _UNAVAILABLE_TEXT)


def cause_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it, each once: ``__cause__``, or SQLAlchemy's ``orig`` (the driver's
    own error, which is where SQLSTATEs and connection failures are told apart)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or getattr(current, "orig", None)


def is_unavailable_error(exc: BaseException) -> bool:
    """A locked SQLite or a PostgreSQL that is unreachable or refuses connections for now: the
    caller should retry later (503). Follows the cause chain and SQLAlchemy's ``orig``."""
    return any(_unavailable(cause) for cause in cause_chain(exc))


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, WriteConflict):
        return True
    sqlstate = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return isinstance(sqlstate, str) and sqlstate in _RETRYABLE_SQLSTATES


def is_retryable_error(exc: BaseException) -> bool:
    """A deadlock, serialization failure or ``WriteConflict``: nothing was committed, running it
    again may succeed."""
    return any(_retryable(cause) for cause in cause_chain(exc))
