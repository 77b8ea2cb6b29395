"""What remediation reads of a committed event: a frozen snapshot, never an ORM object.

The hub builds one ``CommittedEvent`` per stored row (``committed_events``: positional, from the
row dicts it inserted); anything else that holds a ``channel_events`` row (an ORM object, a row
read back later) takes ``committed_event``. Routing never writes to an event: it runs before the
hub inserts the batch's rows and returns an ``EventLink`` per routed original (run, incident,
silence), which the hub writes into the row it then inserts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Any


@dataclass(frozen=True, slots=True)
class CommittedEvent:
    """The columns of a stored ``channel_events`` row that routing, silences and monitors read."""

    id: uuid.UUID
    project_id: str
    channel_type: str
    provider: str | None
    stage: str
    recurrence_key: str | None
    fingerprint: str | None
    alertname: str | None
    severity: str | None
    namespace: str | None
    target_resource: str | None
    labels: Mapping[str, Any] | None
    content_preview: str | None
    source_url: str | None
    received_at: datetime
    is_duplicate: bool

    @property
    def firing_marker(self) -> str:
        """What an incident tracks as still firing: the fingerprint, or the key when there is none."""
        return self.fingerprint or self.recurrence_key or ""


@dataclass(slots=True)
class EventLink:
    """What routing linked one original to; the hub stores it in the event's row."""

    run_id: uuid.UUID | None = None
    incident_id: str | None = None
    silence_id: uuid.UUID | None = None


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(CommittedEvent))
_FROM_ROW = itemgetter(*COLUMNS)
_FROM_OBJECT = attrgetter(*COLUMNS)


def committed_events(rows: Iterable[Mapping[str, Any]]) -> list[CommittedEvent]:
    """Snapshots of stored rows (dicts with at least ``COLUMNS``), in their order."""
    return [CommittedEvent(*_FROM_ROW(row)) for row in rows]


def committed_event(event: object) -> CommittedEvent:
    """A snapshot of anything with the ``COLUMNS`` as attributes (e.g. a loaded ``ChannelEvent``)."""
    return CommittedEvent(*_FROM_OBJECT(event))
