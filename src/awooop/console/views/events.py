"""Recent events list (pure view building)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CHANNEL_OPTIONS: tuple[tuple[str, str], ...] = (
    ("", "events.all_channels"),
    ("alert", "channel.alert"),
    ("chat", "channel.chat"),
)
LIMITS = (20, 50, 100)


@dataclass(frozen=True, slots=True)
class EventsView:
    events: list[Mapping[str, Any]]
    total: int
    limit: int
    channel_type: str | None
    provider_prefix: str | None
    many_projects: bool
    channel_options: tuple[tuple[str, str], ...] = CHANNEL_OPTIONS

    @property
    def filtered(self) -> bool:
        return bool(self.channel_type or self.provider_prefix)


def build_events_view(
    result: Mapping[str, Any], *, channel_type: str | None, provider_prefix: str | None, many_projects: bool
) -> EventsView:
    events = list(result.get("events", []))
    return EventsView(
        events=events,
        total=int(result.get("total", len(events))),
        limit=int(result.get("limit", 50)),
        channel_type=channel_type or None,
        provider_prefix=provider_prefix or None,
        many_projects=many_projects or len({e.get("project_id") for e in events}) > 1,
    )
