"""What routing asks of silences, per batch of original events (remediation.routing calls this).

``for_batch`` (from the hub's ``SilenceCache``: no query) returns None when the project has no live
silence, so routing pays nothing then;
otherwise each event is checked on its own (never "the batch is silenced"): ``covering`` gives the
silence of one event and remembers the mark (``marks``: routing returns them with the event's
other links, and the hub stores them in the event's row), ``hold`` records what routing held back
for an incident (its announcement, a run), and ``write`` stores the holds — one INSERT for the
batch, only when something was silenced.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from awooop.core.clock import as_utc
from awooop.core.ids import uuid7
from awooop.runs.playbooks import MatchSubject
from awooop.silences import repository
from awooop.silences.cache import SilenceCache, load_index
from awooop.silences.compiled import SilenceIndex
from awooop.silences.matchers import matchable_labels
from awooop.silences.metrics import EVENTS_SILENCED

__all__ = ["BatchSilences", "SilenceCache", "SilencedEvent", "event_labels", "for_batch"]


class SilencedEvent(MatchSubject, Protocol):
    """What silences read of an event: a stored ``ChannelEvent`` or routing's frozen snapshot."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def recurrence_key(self) -> str | None: ...
    @property
    def received_at(self) -> datetime: ...


def event_labels(event: SilencedEvent) -> dict[str, str]:
    return matchable_labels(
        event.labels,
        alertname=event.alertname,
        severity=event.severity,
        namespace=event.namespace,
        target_resource=event.target_resource,
        provider=event.provider,
    )


@dataclass
class BatchSilences:
    project_id: str
    index: SilenceIndex
    marks: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    holds: dict[str, dict[str, Any]] = field(default_factory=dict)  # by incident id

    def covering(self, event: SilencedEvent) -> uuid.UUID | None:
        silence = self.index.covering(event_labels(event), as_utc(event.received_at))
        if silence is None:
            return None
        self.marks[event.id] = silence.id  # stored in the event's row by the hub
        return silence.id

    def hold(self, event: SilencedEvent, silence_id: uuid.UUID, incident_id: str, *, notify_owed: bool) -> None:
        held = self.holds.get(incident_id)
        if held is not None:
            held["notify_owed"] = held["notify_owed"] or notify_owed
            return
        self.holds[incident_id] = {
            "id": uuid7(),
            "project_id": self.project_id,
            "silence_id": silence_id,
            "incident_id": incident_id,
            "event_id": event.id,
            "recurrence_key": event.recurrence_key or "",
            "notify_owed": notify_owed,
            "state": "pending",
            "created_at": as_utc(event.received_at),
            "settled_at": None,
            "outcome": None,
        }

    async def write(self, session: AsyncSession) -> None:
        if not self.marks:
            return
        await repository.hold(session, list(self.holds.values()))
        count, project = len(self.marks), self.project_id

        def _committed(_session: Session) -> None:
            EVENTS_SILENCED.labels(project).inc(count)

        sa_event.listen(session.sync_session, "after_commit", _committed, once=True)


async def for_batch(session: AsyncSession, project_id: str, cache: SilenceCache | None = None) -> BatchSilences | None:
    """``cache``: the hub's per-process copy; without it (in-process callers) the silences are read."""
    index = await cache.get(session, project_id) if cache is not None else await load_index(session, project_id)
    return BatchSilences(project_id, index) if index else None
