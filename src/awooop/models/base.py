"""Declarative base with a naming convention so migrations name constraints the same everywhere."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column: str, values: tuple[str, ...], *, nullable: bool = False) -> str:
    """The SQL of a CHECK constraint that ``column`` holds one of ``values`` (NULL allowed if asked)."""
    listed = ", ".join(f"'{v}'" for v in values)
    check = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {check}" if nullable else check


# Enumerations the database enforces (CHECK constraints, same text on both engines and in 0004).
SEVERITIES = ("critical", "error", "warning", "info")
SEVERITY_CHECK = one_of("severity", SEVERITIES, nullable=True)
RUN_STATES = ("queued", "awaiting_approval", "running", "completed", "failed", "cancelled")
