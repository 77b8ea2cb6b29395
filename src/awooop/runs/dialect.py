"""The one place where SQL differs between SQLite and PostgreSQL for the remediation loop.

* ``insert_ignoring_conflicts``: ``INSERT … ON CONFLICT DO NOTHING`` (both engines spell it the
  same, but SQLAlchemy builds it from each dialect's own ``insert``).
* Row locks: ``select(...).with_for_update(skip_locked=True)`` renders ``FOR UPDATE SKIP LOCKED``
  on PostgreSQL and nothing on SQLite, where every writer transaction starts with
  ``BEGIN IMMEDIATE`` (core/db.py) and so already runs alone. Callers use it unconditionally.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Insert, TextClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_ignoring_conflicts(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    *,
    index_elements: Sequence[str],
    index_where: ColumnElement[bool] | TextClause | None = None,
) -> Insert:
    """An INSERT of ``rows`` that silently skips rows hitting the given unique index."""
    if dialect_name(session) == "postgresql":
        pg = postgresql.insert(model).values(list(rows))
        return pg.on_conflict_do_nothing(index_elements=list(index_elements), index_where=index_where)
    lite = sqlite.insert(model).values(list(rows))
    return lite.on_conflict_do_nothing(index_elements=list(index_elements), index_where=index_where)
