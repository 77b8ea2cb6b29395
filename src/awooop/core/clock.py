"""The one source of "now", so tests can move time."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every value we store is UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """The one human spelling of a time in texts we generate: ``2026-08-20 09:41:07 UTC``."""
    return as_utc(value).strftime("%Y-%m-%d %H:%M:%S UTC")
