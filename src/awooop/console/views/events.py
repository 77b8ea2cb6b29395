"""Events list (pure view building): filters named for what they filter, duplicates under their original."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

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
    event: Mapping[str, Any]
    duplicates: list[Mapping[str, Any]] = field(default_factory=list)  # repeats folded under this row


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


def fold_duplicates(events: Sequence[Mapping[str, Any]]) -> list[EventRow]:
    """Each repeat goes under its original when the original is on the page, else stands alone."""
    rows: list[EventRow] = []
    by_id: dict[Any, EventRow] = {}
    for event in events:
        row = EventRow(event)
        rows.append(row)
        by_id[event["event_id"]] = row
    folded: list[EventRow] = []
    for row in rows:
        original = by_id.get(row.event.get("duplicate_of")) if row.event.get("is_duplicate") else None
        if original is not None and original is not row:
            original.duplicates.append(row.event)
        else:
            folded.append(row)
    return folded


def build_events_view(events: Sequence[Mapping[str, Any]], *, filters: EventFilters, many_projects: bool) -> EventsView:
    rows = fold_duplicates(events) if filters.duplicates == "folded" else [EventRow(e) for e in events]
    return EventsView(
        rows=rows,
        total=len(events),
        filters=filters,
        many_projects=many_projects or len({e.get("project_id") for e in events}) > 1,
    )
