"""Events list (pure view building): filters named for what they filter, duplicates under their original."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

from awooop.dossier.schemas import ChannelEventListItem
from awooop.hub.providers import PROVIDERS
from awooop.hub.providers.base import Stage

CHANNEL_OPTIONS: tuple[tuple[str, str], ...] = (
    ("", "events.all_channels"),
    ("alert", "channel.alert"),
    ("chat", "channel.chat"),
)
STAGES: tuple[str, ...] = get_args(Stage)
# ?duplicates=: folded under their original (default), hidden, or only the repeats.
DUPLICATE_MODES: tuple[str, ...] = ("folded", "hidden", "only")
LIMITS = (20, 50, 100)


@dataclass(frozen=True, slots=True)
class EventFilters:
    channel_type: str = ""
    provider: str = ""
    stage: str = ""
    provider_event_id_prefix: str = ""
    duplicates: str = "folded"
    limit: int = 50

    @property
    def active(self) -> bool:
        return bool(self.channel_type or self.provider or self.stage or self.provider_event_id_prefix) or (
            self.duplicates != "folded"
        )

    @property
    def is_duplicate(self) -> bool | None:
        """The service's filter: None lists both (and the view folds the repeats)."""
        return {"hidden": False, "only": True}.get(self.duplicates)

    def params(self, **changes: Any) -> dict[str, Any]:
        """Query parameters of this filter set with ``changes``; defaults left out of the URL."""
        values = {
            "channel_type": self.channel_type,
            "provider": self.provider,
            "stage": self.stage,
            "provider_event_id_prefix": self.provider_event_id_prefix,
            "duplicates": self.duplicates if self.duplicates != "folded" else "",
            "limit": self.limit if self.limit != 50 else "",
            **changes,
        }
        return {key: value for key, value in values.items() if value not in ("", None)}


@dataclass(frozen=True, slots=True)
class EventRow:
    event: ChannelEventListItem
    origin_system: str | None = None  # the system an imported event came from; None for live events
    duplicates: list[EventRow] = field(default_factory=list)  # repeats folded under this row


@dataclass(frozen=True, slots=True)
class EventsView:
    rows: list[EventRow]
    total: int
    filters: EventFilters
    many_projects: bool
    channel_options: tuple[tuple[str, str], ...] = CHANNEL_OPTIONS
    providers: tuple[str, ...] = PROVIDERS
    stages: tuple[str, ...] = STAGES
    duplicate_modes: tuple[str, ...] = DUPLICATE_MODES

    @property
    def filtered(self) -> bool:
        return self.filters.active


def fold_duplicates(rows: Sequence[EventRow]) -> list[EventRow]:
    """Each repeat goes under its original when the original is on the page, else stands alone."""
    by_id: dict[uuid.UUID, EventRow] = {row.event.event_id: row for row in rows}
    folded: list[EventRow] = []
    for row in rows:
        event = row.event
        original = by_id.get(event.duplicate_of) if event.is_duplicate and event.duplicate_of else None
        if original is not None and original is not row:
            original.duplicates.append(row)
        else:
            folded.append(row)
    return folded


def build_events_view(
    events: Sequence[ChannelEventListItem],
    *,
    filters: EventFilters,
    many_projects: bool,
    origins: Mapping[uuid.UUID, str] | None = None,
) -> EventsView:
    """``origins``: the system each imported event came from (imports.service.origins_of)."""
    found = origins or {}
    listed = [EventRow(event, found.get(event.event_id)) for event in events]
    rows = fold_duplicates(listed) if filters.duplicates == "folded" else listed
    return EventsView(
        rows=rows,
        total=len(events),
        filters=filters,
        many_projects=many_projects or len({e.project_id for e in events}) > 1,
    )
