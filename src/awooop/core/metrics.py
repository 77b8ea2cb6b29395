"""Prometheus metrics, defined once per process."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

INTAKE_EVENTS = Counter(
    "awooop_intake_events_total", "Events stored by the hub", ["project_id", "provider", "duplicate"]
)
INTAKE_REJECTIONS = Counter(
    "awooop_intake_rejections_total", "Deliveries refused by the hub", ["project_id", "provider", "reason"]
)
INTAKE_BATCH_SIZE = Histogram(
    "awooop_intake_batch_deliveries", "Deliveries sharing one commit", buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256)
)
INTAKE_LATENCY = Histogram(
    "awooop_intake_seconds", "Time from body read to commit", buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
)
PROVIDER_LAST_EVENT_AGE = Gauge(
    "awooop_provider_last_event_age_seconds", "Age of the newest real event", ["project_id", "provider"]
)
PROVIDER_LAST_HEARTBEAT_AGE = Gauge(
    "awooop_provider_last_heartbeat_age_seconds", "Age of the newest heartbeat", ["project_id", "provider"]
)
PROVIDER_FRESH = Gauge(
    "awooop_provider_fresh", "1 when the provider delivered within the freshness limit", ["project_id", "provider"]
)
NOTIFICATIONS = Counter("awooop_notifications_total", "Outbox deliveries", ["kind", "result"])
