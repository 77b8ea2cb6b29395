"""Per-process cache of each project's live silences, for the intake hot path (the hub's
committer holds one ``SilenceCache``; routing without one reads the silences per batch).

Intake asks for a project's silences once per batch; the answer comes from memory (no query)
while it is younger than ``TTL_SECONDS`` and no silence changed in this process since it was
loaded. A change in another process is seen within the TTL. Window edges need no refresh: the
cache holds every silence that has not ended (pending ones too) and each event is evaluated at its
own time, so a silence starts, ends or enters a recurring window exactly on time.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import utcnow
from awooop.models import Silence
from awooop.silences import repository
from awooop.silences.compiled import CompiledSilence, SilenceIndex

TTL_SECONDS = 2.0
_generation = 0


def compile_silence(silence: Silence) -> CompiledSilence:
    return CompiledSilence.build(
        silence_id=silence.id,
        matchers=silence.matchers,
        match_all=silence.match_all,
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        time_intervals=silence.time_intervals,
        time_zone=silence.time_zone,
    )


def build_index(silences: list[Silence]) -> SilenceIndex:
    return SilenceIndex(compile_silence(s) for s in silences)


async def load_index(session: AsyncSession, project_id: str) -> SilenceIndex:
    return build_index(list(await repository.live_silences(session, [project_id], utcnow())))


class SilenceCache:
    """The hub's per-process copy (one per intake committer, like remediation.caches.PlaybookCache)."""

    def __init__(self, ttl_seconds: float = TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, int, SilenceIndex]] = {}

    async def get(self, session: AsyncSession, project_id: str) -> SilenceIndex:
        generation = _generation  # read before loading: a change mid-load reloads next time
        now = time.monotonic()
        entry = self._entries.get(project_id)
        if entry is not None and entry[0] > now and entry[1] == generation:
            return entry[2]
        index = await load_index(session, project_id)
        self._entries[project_id] = (now + self._ttl, generation, index)
        return index


def _bump(*_args: Any) -> None:
    global _generation  # noqa: PLW0603 - a process-wide invalidation counter
    _generation += 1


def invalidate(session: AsyncSession) -> None:
    """Drop cached silences now and again when ``session`` commits (a reader in between may
    have loaded the old set)."""
    _bump()
    event.listen(session.sync_session, "after_commit", _bump, once=True)
