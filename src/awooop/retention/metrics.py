"""Retention metrics: rows purged per table and kind, and the age of each project's oldest event."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ROWS_PURGED = Counter("awooop_retention_rows_purged_total", "Rows deleted by retention", ["table", "kind"])
OLDEST_EVENT_AGE = Gauge(
    "awooop_retention_oldest_event_age_seconds",
    "Age of the oldest stored event, as of the last retention pass",
    ["project_id"],
)
LAST_PASS = Gauge("awooop_retention_last_pass_timestamp_seconds", "When the last retention pass finished")
