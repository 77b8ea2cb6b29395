"""Sentry error events (event_alert, error.created, legacy WebHooks plugin) → one item each."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from awooop.hub.providers._common import (
    compact_refs,
    correlation,
    http_url,
    id_str,
    lenient_ts,
    nonempty,
    present,
    severity_of,
)
from awooop.hub.providers.base import ParsedItem, Stage

_PROJECT_IN_API_URL = re.compile(r"/projects/[^/]+/([^/]+)/events/")
_ISSUE_WEB_URL = re.compile(r"^(.*/issues/[^/]+/)events/")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
_SENTRY_PREFIX = "sentry:"
_PAIR = 2


@dataclass(frozen=True, slots=True)
class EventSource:
    """Where an event came from: the resource/action pair and what the envelope adds."""

    resource: str
    action: str
    stage: Stage
    issue_id: str | None = None
    project_slug: str | None = None
    issue_url: str | None = None
    rule: str | None = None


def event_item(content: dict[str, Any], event: Mapping[str, Any], src: EventSource) -> ParsedItem:
    tags = tag_map(event.get("tags"))
    event_id = id_str(event.get("event_id")) or id_str(event.get("id"))
    issue_id = src.issue_id or id_str(event.get("issue_id")) or id_str(event.get("group_id"))
    web_url = http_url(event.get("web_url"))
    slug = src.project_slug or _slug_from(event.get("url"))
    environment = nonempty(event.get("environment")) or nonempty(tags.get("environment"))
    level = nonempty(event.get("level")) or nonempty(tags.get("level"))
    labels = {
        **tags,
        **present(
            resource=src.resource,
            action=src.action,
            project=slug,
            environment=environment,
            level=level,
            rule=src.rule,
        ),
    }
    issue_url = src.issue_url or _issue_url_from(web_url)
    alertname, summary = name_and_summary(event)
    return ParsedItem(
        content=content,
        provider_event_id=event_id or f"{src.resource}:{issue_id}:{src.action}",
        stage=src.stage,
        channel_type="alert",
        alertname=alertname,
        severity=severity_of(level),
        namespace=environment,
        target_resource=slug,
        fingerprint=issue_id,
        provider_ts=lenient_ts(event.get("datetime")) or lenient_ts(event.get("timestamp")),
        labels=labels,
        summary=summary,
        source_url=web_url or src.issue_url,
        source_refs=compact_refs(
            {
                "sentry": {
                    "issue_id": issue_id,
                    "issue_url": issue_url,
                    "event_id": event_id,
                    "project_slug": slug,
                }
            }
        ),
        log_correlation=event_correlation(event, tags),
    )


def tag_map(tags: Any) -> dict[str, str]:
    """Sentry tags are ``[key, value]`` pairs (legacy bodies keep a ``sentry:`` key prefix)."""
    pairs: Any
    if isinstance(tags, dict):
        pairs = tags.items()
    elif isinstance(tags, list):
        pairs = (tag for tag in tags if isinstance(tag, list | tuple) and len(tag) == _PAIR)
    else:
        return {}
    out: dict[str, str] = {}
    for key, value in pairs:
        if isinstance(key, str) and isinstance(value, str):
            out[key.removeprefix(_SENTRY_PREFIX)] = value
    return out


def event_correlation(event: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, str]:
    """contexts.trace first (the erroring span), then tags, then the request's own headers."""
    found: dict[str, str] = {}
    contexts = event.get("contexts")
    trace = contexts.get("trace") if isinstance(contexts, dict) else None
    if isinstance(trace, dict):
        for key in ("trace_id", "span_id"):
            value = nonempty(trace.get(key))
            if value:
                found[key] = value
    for key, value in correlation(tags, _request_headers(event)).items():
        found.setdefault(key, value)
    return found


def _request_headers(event: Mapping[str, Any]) -> dict[str, str]:
    request = event.get("request")
    headers = request.get("headers") if isinstance(request, dict) else None
    pairs = tag_map(headers)
    out: dict[str, str] = {}
    for name, value in pairs.items():
        lowered = name.lower()
        if lowered == "traceparent":
            match = _TRACEPARENT.match(value.strip().lower())
            if match:
                out["trace_id"], out["span_id"] = match.group(1), match.group(2)
        elif lowered in ("x-request-id", "request-id"):
            out["request_id"] = value
    return out


def name_and_summary(obj: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Issue or event → (alertname, summary).

    The exception type ("QueryCanceled") names the problem the way a Prometheus alertname does
    and its value is the summary; message-only events fall back to their title.
    """
    metadata = obj.get("metadata")
    kind = value = None
    if isinstance(metadata, dict):
        kind, value = nonempty(metadata.get("type")), nonempty(metadata.get("value"))
    title = nonempty(obj.get("title")) or nonempty(obj.get("message"))
    if kind:
        return kind, value or title
    return title, None


def _slug_from(api_url: Any) -> str | None:
    if not isinstance(api_url, str):
        return None
    match = _PROJECT_IN_API_URL.search(api_url)
    return match.group(1) if match else None


def _issue_url_from(event_web_url: str | None) -> str | None:
    if event_web_url is None:
        return None
    match = _ISSUE_WEB_URL.match(event_web_url)
    return match.group(1) if match else None
