"""The home of SQL that differs between SQLite and PostgreSQL: named operations, each built from
the ``Table`` it writes (column names and types from ``Table.c``, so a new column cannot drift).

* ``dialect_name`` / ``is_postgresql``: which engine a session talks to.
* ``conflict_free_insert``: ``INSERT … ON CONFLICT DO NOTHING`` (both engines spell it the same,
  but SQLAlchemy builds it from each dialect's own ``insert``), built once per dialect and table and
  executed with a list of dicts (executemany). SQLAlchemy 2.0 gives neither dialect's
  ``on_conflict_do_nothing`` a cache key, so it is compiled again on every execution; it stays
  for callers that need ``RETURNING`` (SQLite's incident and event inserts) or run off the hot path.
* ``insert_skipping_conflicts``: the hot path's form (the notification outbox): the statement
  text rendered once, spelled the same on both engines, with typed bind parameters, so it
  is compiled once per engine and cached.
* ``PgUnnest``: PostgreSQL's batch form: rows travel as one array per column through ``unnest``
  (asyncpg encodes them in binary), one statement per batch — ``insert_sql`` (the hub's event
  inserts), ``update_sql`` (routing's event links), ``arrays`` (rows → one list per column).
* ``pg_open_incidents_sql``: open incidents numbered in the INSERT itself; ``lock_names``:
  transaction-scoped advisory locks (intake's per event identity and per recurrence key), taken
  in one total order (the lock ids sorted) before anything is read or written; SQLite needs neither.
* Reads: ``any_of`` (``= ANY($1)`` on PostgreSQL: one statement text whatever the count),
  ``byte_prefix_range`` (a prefix as a byte-wise range an index serves), ``epoch_bucket`` (time
  buckets of UTC epoch seconds), ``plan_with_actual_values`` (custom plans for skewed filters).
* Row locks: ``select(...).with_for_update(skip_locked=True)`` renders ``FOR UPDATE SKIP LOCKED``
  on PostgreSQL and nothing on SQLite, where every writer transaction starts with
  ``BEGIN IMMEDIATE`` (core/db.py) and so already runs alone. Callers use it unconditionally.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Insert,
    Integer,
    String,
    Table,
    TextClause,
    Uuid,
    and_,
    any_,
    bindparam,
    cast,
    func,
    or_,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from awooop.core.types import UTCDateTime


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def is_postgresql(session: AsyncSession) -> bool:
    return dialect_name(session) == "postgresql"


def writers_serialised(session: AsyncSession) -> bool:
    """True on SQLite, whose writer transactions run one at a time (``BEGIN IMMEDIATE``): no lock
    order between concurrent writers is needed there."""
    return dialect_name(session) == "sqlite"


@functools.cache
def conflict_free_insert(dialect: str, table: Table, index_elements: tuple[str, ...], where_sql: str | None) -> Insert:
    """``INSERT INTO table … ON CONFLICT (index_elements) [WHERE where_sql] DO NOTHING``, no values:
    execute it with a list of row dicts. ``where_sql`` is literal SQL so SQLite infers a partial index."""
    where = text(where_sql) if where_sql else None
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(index_elements), index_where=where)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(index_elements), index_where=where)


@functools.cache
def insert_skipping_conflicts(table: Table, index_elements: tuple[str, ...]) -> TextClause:
    """``INSERT INTO table (every column) VALUES (…) ON CONFLICT (index_elements) DO NOTHING``;
    execute it with a list of row dicts naming every column. The bind parameters carry the
    columns' types, so values are converted exactly as the ORM would (JSON, UUID, UTC times)."""
    names = [column.name for column in table.columns]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608 - names from our own table
        f"VALUES ({', '.join(':' + name for name in names)}) "
        f"ON CONFLICT ({', '.join(index_elements)}) DO NOTHING"
    )
    return text(sql).bindparams(*(bindparam(column.name, type_=column.type) for column in table.columns))


def pg_array_type(column: Column[Any]) -> str:
    """The PostgreSQL array element type a column's values travel as (jsonb travels as text)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "timestamptz"
    if isinstance(kind, Uuid):
        return "uuid"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Integer):
        return "int4"
    if isinstance(kind, JSON):
        return "jsonb"
    if isinstance(kind, String):
        return "text"
    raise TypeError(f"{column.table.name}.{column.name}: no array type for {kind!r}")  # a new column type


class PgUnnest:
    """Rows of ``table`` (``columns``: all of them by default) as one PostgreSQL array per column."""

    def __init__(self, table: Table, columns: Sequence[str] | None = None) -> None:
        self.table = table
        names = list(columns) if columns is not None else [c.name for c in table.columns]
        self.columns: tuple[tuple[str, str], ...] = tuple((name, pg_array_type(table.c[name])) for name in names)
        self._json = frozenset(name for name, kind in self.columns if kind == "jsonb")

    def arrays_sql(self, first: int = 1) -> str:
        """``$1::type[], $2::type[], …``: one typed array parameter per column."""
        return ", ".join(
            f"${index}::{'text' if kind == 'jsonb' else kind}[]" for index, (_, kind) in enumerate(self.columns, first)
        )

    def _names(self) -> str:
        return ", ".join(name for name, _ in self.columns)

    def insert_sql(self, suffix: str = "") -> str:
        """``INSERT INTO table (columns) SELECT … FROM unnest(…)`` in the rows' order, then ``suffix``
        (``ON CONFLICT …``, ``RETURNING …``)."""
        names = self._names()
        values = ", ".join(f"{name}::jsonb" if kind == "jsonb" else name for name, kind in self.columns)
        # WITH ORDINALITY … ORDER BY keeps the caller's row order, i.e. the lock order of the keys.
        sql = (
            f"INSERT INTO {self.table.name} ({names}) SELECT {values} "  # noqa: S608 - names from our own table
            f"FROM unnest({self.arrays_sql()}) WITH ORDINALITY AS t({names}, ordinal) ORDER BY ordinal"
        )
        return f"{sql} {suffix}" if suffix else sql

    def update_sql(self, key: str) -> str:
        """``UPDATE table SET (the other columns) FROM unnest(…) WHERE key matches``: one statement."""
        sets = ", ".join(f"{name} = t.{name}" for name, _ in self.columns if name != key)
        return (
            f"UPDATE {self.table.name} AS e SET {sets} "  # noqa: S608 - names from our own table
            f"FROM unnest({self.arrays_sql()}) AS t({self._names()}) WHERE e.{key} = t.{key}"
        )

    def arrays(self, rows: Sequence[Mapping[str, Any]]) -> tuple[list[Any], ...]:
        """Rows → one list per column; JSON values serialised here (orjson), cast to jsonb in SQL."""
        arrays: list[list[Any]] = []
        for name, _ in self.columns:
            if name in self._json:
                arrays.append([orjson.dumps(row.get(name), option=orjson.OPT_NON_STR_KEYS).decode() for row in rows])
            else:
                arrays.append([row.get(name) for row in rows])
        return tuple(arrays)


def pg_open_incidents_sql(table: Table, counted: Sequence[str]) -> str:
    """Open incidents of one batch with the internal seq from the table's sequence, in the INSERT
    itself, so no UPDATE follows it; ``counted``: the columns passed as arrays (human id first),
    in their order. Keys another transaction opened first are skipped (the partial unique index
    on open keys), and the statement returns ``seq, id, recurrence_key`` of the rows it inserted."""
    source = PgUnnest(table, counted)
    names = ", ".join(counted)
    values = ", ".join(f"s.{name}::jsonb" if kind == "jsonb" else f"s.{name}" for name, kind in source.columns)
    return (
        f"INSERT INTO {table.name} (seq, status, {names}) "  # noqa: S608 - names from our own table
        f"SELECT s.seq, 'open', {values} "
        f"FROM (SELECT nextval(pg_get_serial_sequence('{table.name}', 'seq'))::int4 AS seq, t.* "
        f"FROM unnest({source.arrays_sql()}) WITH ORDINALITY AS t({names}, ordinal)) AS s "
        "ORDER BY s.ordinal "
        "ON CONFLICT (project_id, recurrence_key) WHERE status = 'open' DO NOTHING "
        "RETURNING seq, id, recurrence_key"
    )


# One advisory lock per (project, recurrence key), released at commit or rollback. Every routing
# transaction takes its keys' locks first and in ascending lock-id order, so two transactions
# touching overlapping keys (opening, resolving, reopening incidents in any arrival order) queue
# behind each other instead of deadlocking. A hash collision only serialises two keys more.
# Transaction-scoped advisory locks on names, taken in one total order (the lock ids sorted), so two
# transactions locking overlapping sets wait for each other instead of deadlocking.
PG_LOCK_NAMES = """
SELECT count(pg_advisory_xact_lock(s.lock_id))
FROM (SELECT DISTINCT hashtextextended(k, 0) AS lock_id FROM unnest($1::text[]) AS k ORDER BY lock_id) AS s
"""
LOCK_NAME_SEPARATOR = "\x1f"


async def lock_names(session: AsyncSession, names: Collection[str]) -> None:
    """PostgreSQL: hold an advisory lock per name until the transaction ends; SQLite: nothing (its
    writer transactions already run one at a time)."""
    if names and is_postgresql(session):
        conn = await session.connection()
        await conn.exec_driver_sql(PG_LOCK_NAMES, (sorted(set(names)),))


def any_of(session: AsyncSession, column: InstrumentedAttribute[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN values``. On PostgreSQL one array parameter (``= ANY($1)``) keeps the statement text the
    same whatever the count, so asyncpg reuses its prepared statement instead of parsing a new one each call."""
    if is_postgresql(session):
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


def pairs_in(
    first: InstrumentedAttribute[Any], second: InstrumentedAttribute[Any], pairs: Collection[tuple[Any, Any]]
) -> ColumnElement[bool]:
    """``(first, second) IN pairs`` as one ``first = a AND second IN (…)`` term per first value, so each
    term is an index probe on both engines: SQLite plans a row-value ``IN (VALUES …)`` as a full scan."""
    grouped: dict[Any, list[Any]] = {}
    for a, b in pairs:
        grouped.setdefault(a, []).append(b)
    return or_(*(and_(first == a, second.in_(sorted(bs))) for a, bs in sorted(grouped.items())))


def byte_prefix_range(
    column: InstrumentedAttribute[Any], low: str, high: str | None, *, postgresql: bool
) -> list[ColumnElement[bool]]:
    """A prefix as a range, so wildcards are literal and the btree range is used.

    PostgreSQL's ``text_pattern_ops`` index answers the byte-wise ``~>=~``/``~<~`` operators
    (bound parameters included, unlike ``LIKE $1``); SQLite's BINARY collation compares bytes.
    """
    conditions: list[ColumnElement[bool]]
    if postgresql:
        conditions = [column.op("~>=~", is_comparison=True)(low)]
        if high is not None:
            conditions.append(column.op("~<~", is_comparison=True)(high))
        return conditions
    return [column >= low] if high is None else [column >= low, column < high]


def epoch_bucket(column: InstrumentedAttribute[Any], bucket_seconds: int, *, postgresql: bool) -> ColumnElement[Any]:
    """Bucket number of a UTC time column: whole epoch seconds divided by the bucket width."""
    if postgresql:
        epoch = func.floor(func.extract("epoch", column) / bucket_seconds)
        return cast(epoch, Integer)
    # SQLite stores UTC text (core.types.UTCDateTime); strftime('%s') reads it as UTC.
    return cast(func.strftime("%s", column), Integer) / bucket_seconds


async def plan_with_actual_values(session: AsyncSession) -> None:
    """PostgreSQL: plan this transaction's statements with their parameter values.

    asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic plan
    that ignores the values. For a prefix or a channel_type the best index depends on the value
    (a rare prefix wants the prefix range, a common one the time order): a generic plan chosen
    for a common prefix walked a million rows for a rare one. Planning costs well under 1 ms.
    """
    if is_postgresql(session):
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
