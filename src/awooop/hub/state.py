"""The hub's per-process state: everything it keeps in memory between deliveries to skip queries
on the hot path, in one object owned by the intake committer (``app.state.intake.state``).

* ``credentials``: each project's intake credentials for a few seconds (hub/sources.py);
* ``known_keys``: the work-item keys already stored (hub/workitem_keys.py), never invalidated;
* ``routing``: remediation's copies of each project's playbooks and live silences, dropped per
  project when a replacement committed through this database (``PlaybookVersions``).

Nothing of it is module-level: a second app in the same process (tests) starts empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from awooop.core.db import Database
from awooop.hub.sources import CredentialCache
from awooop.hub.workitem_keys import KnownKeys
from awooop.remediation import RoutingCaches


@dataclass(slots=True)
class HubState:
    credentials: CredentialCache
    known_keys: KnownKeys
    routing: RoutingCaches

    @classmethod
    def for_database(cls, db: Database) -> HubState:
        return cls(CredentialCache(db), KnownKeys(), RoutingCaches.watching(db.write_engine))

    def close(self) -> None:
        """Stop following the database's playbook replacements (the committer stopped)."""
        self.routing.close()
