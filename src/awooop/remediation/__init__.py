"""Remediation: what happens to a committed original — its incident, its run, its notifications.

The hub's one interface into this package (and through it into incidents, runs and notify):

* ``committed_events(rows)`` → frozen ``CommittedEvent`` snapshots of the rows it stored;
* ``divert_monitor_pings(session, rows)`` → the originals to route (Watchdog alerts ping their
  monitor instead);
* ``route_committed(session, originals, caches)`` routes them in the caller's transaction;
  ``RoutingCaches`` are the per-process copies (playbooks, silences) the caller may keep.

``route_committed`` needs nothing but the snapshots and the session, so routing can later run as
a stage of its own over originals read back from ``channel_events``.
"""

from awooop.remediation.caches import RoutingCaches
from awooop.remediation.events import CommittedEvent, committed_event, committed_events
from awooop.remediation.intake import divert_monitor_pings, route_committed

__all__ = [
    "CommittedEvent",
    "RoutingCaches",
    "committed_event",
    "committed_events",
    "divert_monitor_pings",
    "route_committed",
]
