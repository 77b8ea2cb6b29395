"""Project scope as a WHERE clause, the same way for every repository."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

S = TypeVar("S", bound=Select[Any])


def scoped(stmt: S, column: InstrumentedAttribute[str], projects: Collection[str] | None) -> S:
    """``projects`` None means every project (a ``*`` key); one project compares with ``=`` so the
    planner sees a plain equality on the index's leading column."""
    if projects is None:
        return stmt
    if len(projects) == 1:
        return stmt.where(column == next(iter(projects)))
    return stmt.where(column.in_(sorted(projects)))
