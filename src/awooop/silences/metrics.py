"""Prometheus metrics of silences."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ACTIVE_SILENCES = Gauge("awooop_silences_active", "Silences between their start and end", ["project_id"])
EVENTS_SILENCED = Counter("awooop_events_silenced_total", "Original events a silence covered at intake", ["project_id"])
SUPPRESSIONS_SETTLED = Counter(
    "awooop_silence_suppressions_settled_total", "Held-back effects settled after a silence", ["outcome"]
)
