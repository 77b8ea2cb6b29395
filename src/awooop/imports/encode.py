"""Rows → what an engine's bulk path takes, in ``COLUMNS`` order (pure: no connection needed, so
the converting process can do it): PostgreSQL COPY records, SQLite parameter tuples.

PostgreSQL values travel as asyncpg encodes them in binary (JSON as text, cast to jsonb by the
insert from the staging table); SQLite values go through each column type's own bind processor,
exactly what SQLAlchemy stores.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import create_async_engine

from awooop.models import ChannelEvent

Encoded = tuple[Any, ...]
Encoder = Callable[[Sequence[dict[str, Any]]], list[Encoded]]

EVENTS = ChannelEvent.__table__
COLUMNS: tuple[str, ...] = tuple(column.name for column in EVENTS.columns)
JSON_COLUMNS: frozenset[str] = frozenset(c.name for c in EVENTS.columns if isinstance(c.type, JSON))


def _json(value: Any) -> str:
    # The application engines' json_serializer (core.db), so both paths store the same text.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


_values = operator.itemgetter(*COLUMNS)  # a row's values in column order, in one C call
_PG_JSON_AT = tuple(index for index, name in enumerate(COLUMNS) if name in JSON_COLUMNS)


def pg_records(rows: Sequence[dict[str, Any]]) -> list[Encoded]:
    encoded = []
    for row in rows:
        values = list(_values(row))
        for index in _PG_JSON_AT:
            values[index] = _json(values[index])
        encoded.append(tuple(values))
    return encoded


class SqliteEncoder:
    """Each column's bind processor of the given dialect (the application's, or one built like it)."""

    def __init__(self, dialect: Dialect) -> None:
        self.processors = [EVENTS.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in COLUMNS]
        self._processed = tuple((index, p) for index, p in enumerate(self.processors) if p is not None)

    def __call__(self, rows: Sequence[dict[str, Any]]) -> list[Encoded]:
        encoded = []
        for row in rows:
            values = list(_values(row))
            for index, process in self._processed:
                value = values[index]
                if value is not None:
                    values[index] = process(value)
            encoded.append(tuple(values))
        return encoded


def sqlite_dialect() -> Dialect:
    """A dialect like the application's SQLite engine (same driver, same JSON serializer); building
    the engine opens no connection."""
    return create_async_engine("sqlite+aiosqlite://", json_serializer=_json).dialect


def encoder_for(engine: str) -> Encoder:
    return pg_records if engine == "postgresql" else SqliteEncoder(sqlite_dialect())
