"""Per-process copies routing reads on the intake hot path, held by whoever owns the process's
intake (the hub's committer); routing without them reads the database per batch."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.runs import repository as runs_repository
from awooop.runs.playbooks import PlaybookSpec, list_playbooks
from awooop.silences.cache import SilenceCache

# How long another process's playbook replacement may go unseen by a cached copy (this process's
# own replacements invalidate at once: runs.repository.playbook_generation).
PLAYBOOK_TTL_SECONDS = 2.0


class PlaybookCache:
    """Playbooks for the intake hot path: one query and validation per project every
    ``ttl_seconds`` instead of one per batch. Dropped at once when this process replaces a set."""

    def __init__(self, ttl_seconds: float = PLAYBOOK_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, int, list[PlaybookSpec]]] = {}

    async def get(self, session: AsyncSession, project_id: str) -> list[PlaybookSpec]:
        generation = runs_repository.playbook_generation()  # read before loading: a change mid-load reloads
        now = time.monotonic()
        entry = self._entries.get(project_id)
        if entry is not None and entry[0] > now and entry[1] == generation:
            return entry[2]
        specs = await list_playbooks(session, project_id)
        self._entries[project_id] = (now + self._ttl, generation, specs)
        return specs


@dataclass(slots=True)
class RoutingCaches:
    """What routing may keep between batches: each project's playbooks and live silences."""

    playbooks: PlaybookCache = field(default_factory=PlaybookCache)
    silences: SilenceCache = field(default_factory=SilenceCache)
