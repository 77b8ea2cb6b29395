"""Per-process copies routing reads on the intake hot path, held by whoever owns the process's
intake (the hub's ``HubState``); routing without them reads the database per batch.

Playbooks are cached per project for ``PLAYBOOK_TTL_SECONDS`` and tagged with the project's
version (``PlaybookVersions``): a replacement committed through the watched database raises
that project's version when its connection goes back to the pool, so the next batch reloads at
once; another process's replacement is seen within the TTL. No module-level state: two apps in
one process (tests) each have their own versions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import Pool

from awooop.runs import repository as runs_repository
from awooop.runs.playbooks import PlaybookSpec, list_playbooks
from awooop.silences.cache import SilenceCache

PLAYBOOK_TTL_SECONDS = 2.0


class PlaybookVersions:
    """Per project, how many playbook replacements this process saw committed (0: none)."""

    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._pool: Pool | None = None

    def of(self, project_id: str) -> int:
        return self._versions.get(project_id, 0)

    def bump(self, project_id: str) -> None:
        self._versions[project_id] = self.of(project_id) + 1

    def watch(self, engine: AsyncEngine) -> None:
        """Follow the replacements made through ``engine`` (one engine at a time)."""
        self.close()
        self._pool = engine.sync_engine.pool
        event.listen(self._pool, "checkin", self._checked_in)

    def close(self) -> None:
        if self._pool is not None:
            event.remove(self._pool, "checkin", self._checked_in)
            self._pool = None

    def _checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        if record is None:  # a connection closed without a pool record
            return
        for project_id in runs_repository.take_replaced_projects(record.info):
            self.bump(project_id)


class PlaybookCache:
    """Playbooks for the intake hot path: one query and validation per project every
    ``ttl_seconds`` (or when the project's version moves) instead of one per batch."""

    def __init__(self, versions: PlaybookVersions | None = None, ttl_seconds: float = PLAYBOOK_TTL_SECONDS) -> None:
        self.versions = versions or PlaybookVersions()
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, int, list[PlaybookSpec]]] = {}

    async def get(self, session: AsyncSession, project_id: str) -> list[PlaybookSpec]:
        version = self.versions.of(project_id)  # read before loading: a change mid-load reloads
        now = time.monotonic()
        entry = self._entries.get(project_id)
        if entry is not None and entry[0] > now and entry[1] == version:
            return entry[2]
        specs = await list_playbooks(session, project_id)
        self._entries[project_id] = (now + self._ttl, version, specs)
        return specs


@dataclass(slots=True)
class RoutingCaches:
    """What routing may keep between batches: each project's playbooks and live silences."""

    playbooks: PlaybookCache = field(default_factory=PlaybookCache)
    silences: SilenceCache = field(default_factory=SilenceCache)

    @classmethod
    def watching(cls, engine: AsyncEngine) -> RoutingCaches:
        """Caches that drop a project's playbooks once a replacement through ``engine`` commits."""
        versions = PlaybookVersions()
        versions.watch(engine)
        return cls(playbooks=PlaybookCache(versions))

    def close(self) -> None:
        self.playbooks.versions.close()
