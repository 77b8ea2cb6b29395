"""Prometheus metrics, defined once per process.

Several worker processes (``awooop serve --workers N``) share one view through prometheus_client's
multiprocess mode: each process writes its values to files under ``PROMETHEUS_MULTIPROC_DIR`` and
``/metrics`` (``registry()``) sums them, whichever worker answers the scrape. ``serve`` sets the
directory (``<data dir>/prometheus-multiproc`` unless already set) and empties it at start, before
any worker imports this module. Gauges take the most recent value any process set (the provider
gauges are recomputed from the database at every scrape).
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
MULTIPROC_SUBDIR = "prometheus-multiproc"


def prepare_multiprocess_dir(data_dir: Path) -> Path:
    """Use (and empty) the multiprocess directory: ``$PROMETHEUS_MULTIPROC_DIR`` or one under the
    data dir. Call before the worker processes start; values of an earlier run must not be summed."""
    directory = Path(os.environ.get(MULTIPROC_ENV) or data_dir / MULTIPROC_SUBDIR)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def registry() -> CollectorRegistry:
    """What /metrics renders: this process's registry, or every process's values in multiprocess mode."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined


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
    "awooop_provider_last_event_age_seconds",
    "Age of the newest real event",
    ["project_id", "provider"],
    multiprocess_mode="mostrecent",
)
PROVIDER_LAST_HEARTBEAT_AGE = Gauge(
    "awooop_provider_last_heartbeat_age_seconds",
    "Age of the newest heartbeat",
    ["project_id", "provider"],
    multiprocess_mode="mostrecent",
)
PROVIDER_FRESH = Gauge(
    "awooop_provider_fresh",
    "1 when the provider delivered within the freshness limit",
    ["project_id", "provider"],
    multiprocess_mode="mostrecent",
)
NOTIFICATIONS = Counter("awooop_notifications_total", "Outbox deliveries", ["kind", "result"])
