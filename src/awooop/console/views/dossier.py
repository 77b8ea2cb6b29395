"""The source dossier of one event, shaped for display: refs as safe links, correlation ids, content."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from awooop.console.views.common import safe_href

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
    raw: Mapping[str, Any]
    refs: list[SourceRef]
    correlation: list[tuple[str, str]]
    content: str | None
    source_href: str | None

    @property
    def stage_class(self) -> str:
        return STAGE_CLASS.get(str(self.raw.get("stage")), "neutral")

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


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


def dossier_event(item: Mapping[str, Any]) -> DossierEvent:
    return DossierEvent(
        raw=item,
        refs=flatten_refs(item.get("source_refs")),
        correlation=correlation_pairs(item.get("log_correlation")),
        content=pretty_content(item.get("content_redacted")),
        source_href=safe_href(item.get("source_url")),
    )


def dossier_events(items: Sequence[Mapping[str, Any]]) -> list[DossierEvent]:
    return [dossier_event(item) for item in items]
