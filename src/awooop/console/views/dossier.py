"""The source dossier of one event, shaped for display: refs as safe links, correlation ids, content."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from awooop.console.views.common import safe_href
from awooop.dossier.schemas import ChannelEventDossierItem

STAGE_CLASS = {"firing": "bad", "resolved": "ok", "heartbeat": "info", "message": "neutral", "edited": "neutral"}
# The order operators look for them when joining an alert to logs and traces.
CORRELATION_ORDER = ("trace_id", "span_id", "request_id", "service", "pod", "container", "host")


@dataclass(frozen=True, slots=True)
class SourceRef:
    kind: str
    name: str
    value: str
    href: str | None  # only absolute http(s) URLs become links


@dataclass(frozen=True, slots=True)
class DossierEvent:
    item: ChannelEventDossierItem
    refs: list[SourceRef]
    correlation: list[tuple[str, str]]
    content: str | None
    source_href: str | None
    origin_system: str | None = None  # the system an imported event came from; None for live events

    @property
    def stage_class(self) -> str:
        return STAGE_CLASS.get(self.item.stage, "neutral")


def _leaves(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        return [
            leaf for key, inner in value.items() for leaf in _leaves(f"{prefix}.{key}" if prefix else str(key), inner)
        ]
    if isinstance(value, list | tuple):
        return [leaf for i, inner in enumerate(value) for leaf in _leaves(f"{prefix}[{i}]", inner)]
    return [(prefix, value)]


def flatten_refs(source_refs: Mapping[str, Any] | None) -> list[SourceRef]:
    refs = []
    for kind, group in sorted((source_refs or {}).items()):
        for name, value in _leaves("", group) if isinstance(group, Mapping) else [("", group)]:
            if value in (None, ""):
                continue
            text = str(value)
            refs.append(SourceRef(kind=str(kind), name=name or str(kind), value=text, href=safe_href(text)))
    return refs


def correlation_pairs(log_correlation: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    data = {str(k): str(v) for k, v in (log_correlation or {}).items() if v not in (None, "")}
    ordered = [k for k in CORRELATION_ORDER if k in data] + sorted(k for k in data if k not in CORRELATION_ORDER)
    return [(key, data[key]) for key in ordered]


def pretty_content(content: str | None) -> str | None:
    """Redacted content, pretty-printed when it is JSON (escaping happens in the template)."""
    if not content:
        return None
    try:
        parsed = json.loads(content)
    except ValueError:
        return content
    return json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False)


def dossier_event(item: ChannelEventDossierItem, origin_system: str | None = None) -> DossierEvent:
    return DossierEvent(
        item=item,
        refs=flatten_refs(item.source_refs),
        correlation=correlation_pairs(item.log_correlation),
        content=pretty_content(item.content_redacted),
        source_href=safe_href(item.source_url),
        origin_system=origin_system,
    )


def dossier_events(items: Sequence[ChannelEventDossierItem]) -> list[DossierEvent]:
    return [dossier_event(item) for item in items]
