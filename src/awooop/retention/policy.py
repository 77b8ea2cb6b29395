"""What is kept how long: Settings defaults, per-project overrides, and the cutoffs of one pass (pure)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

# The purge kinds, in the order one pass runs them: duplicates before raw events (a day's rollup is
# computed before either touches it), everything else after.
Kind = Literal["duplicates", "raw_events", "rejections", "notifications", "heartbeat_runs", "console_sessions"]
PROJECT_KINDS: tuple[Kind, ...] = ("duplicates", "raw_events", "rejections", "notifications", "heartbeat_runs")
KINDS: tuple[Kind, ...] = (*PROJECT_KINDS, "console_sessions")
TABLE_OF: dict[Kind, str] = {
    "duplicates": "channel_events",
    "raw_events": "channel_events",
    "rejections": "intake_rejections",
    "notifications": "notification_outbox",
    "heartbeat_runs": "runs",
    "console_sessions": "console_sessions",
}
# What retention never deletes (documented in docs/operations.md).
KEPT_FOREVER = (
    "incidents",
    "runs (live, and shadow runs of playbooks)",
    "run_transitions (of kept runs)",
    "work_item_records",
    "work_item_keys",
    "event_rollups",
    "pending notifications",
)


@dataclass(frozen=True, slots=True)
class RetentionDays:
    """Days each kind is kept; the field names are the override columns of ``retention_settings``."""

    raw_event_days: int
    duplicate_days: int
    rejection_days: int
    notification_days: int
    heartbeat_run_days: int

    def days(self, kind: Kind) -> int:
        return {
            "duplicates": self.duplicate_days,
            "raw_events": self.raw_event_days,
            "rejections": self.rejection_days,
            "notifications": self.notification_days,
            "heartbeat_runs": self.heartbeat_run_days,
        }[kind]

    def with_overrides(self, overrides: dict[str, int | None]) -> RetentionDays:
        values = {f.name: overrides.get(f.name) or getattr(self, f.name) for f in fields(self)}
        return RetentionDays(**values)

    @property
    def compaction_days(self) -> int:
        """Events of a day are rolled up before the first of its rows (duplicate or raw) may go."""
        return min(self.raw_event_days, self.duplicate_days)


FIELD_NAMES = tuple(f.name for f in fields(RetentionDays))


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def event_cutoff(now: datetime, days: int) -> datetime:
    """Events go by whole UTC days: everything received before midnight of (today - days)."""
    return day_start(utc_day(now) - timedelta(days=days))


def row_cutoff(now: datetime, days: int) -> datetime:
    """Other rows go when they are exactly ``days`` old."""
    return now - timedelta(days=days)


def compaction_day(now: datetime, policy: RetentionDays) -> date:
    """Rollups exist for every day before this one once the pass compacted."""
    return utc_day(now) - timedelta(days=policy.compaction_days)
