"""Remediation: what happens to a committed original — its incident, its run, its notifications.

The hub's one interface into this package (and through it into incidents, runs and notify):

* ``committed_events(rows)`` → frozen ``CommittedEvent`` snapshots of the rows it is storing;
* ``divert_monitor_pings(session, rows)`` → the originals to route (Watchdog alerts ping their
  monitor instead);
* ``routing_lock_names(rows)`` → the advisory locks routing needs, for the hub to take with its
  own in one statement;
* ``route_originals(session, originals, caches, keys_locked=…)`` routes them in the caller's
  transaction, before the rows are inserted, and returns each event's ``EventLink`` (run,
  incident, silence) for the row; ``RoutingCaches`` are the per-process copies (playbooks,
  silences) the caller may keep.

``route_originals`` needs nothing but the snapshots and the session; a caller routing events
already stored would write the returned links with an UPDATE.
"""

from awooop.remediation.caches import RoutingCaches
from awooop.remediation.events import CommittedEvent, EventLink, committed_event, committed_events
from awooop.remediation.intake import divert_monitor_pings, route_originals, routing_lock_names

__all__ = [
    "CommittedEvent",
    "EventLink",
    "RoutingCaches",
    "committed_event",
    "committed_events",
    "divert_monitor_pings",
    "route_originals",
    "routing_lock_names",
]
