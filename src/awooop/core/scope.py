"""Project scope as a WHERE clause, the same way for every repository."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute

S = TypeVar("S", bound=Select[Any])


def in_scope(column: InstrumentedAttribute[str], projects: Collection[str]) -> ColumnElement[bool]:
    """The clause for a list of projects: one project compares with ``=`` so the planner sees a
    plain equality on the index's leading column; more go through ``IN`` (sorted: the same SQL
    text and parameters for the same scope). An empty list matches nothing."""
    if len(projects) == 1:
        return column == next(iter(projects))
    return column.in_(sorted(projects))


def scoped(stmt: S, column: InstrumentedAttribute[str], projects: Collection[str] | None) -> S:
    """``projects`` None means every project (a ``*`` key): no clause at all."""
    if projects is None:
        return stmt
    return stmt.where(in_scope(column, projects))
