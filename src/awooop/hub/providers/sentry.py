"""Sentry Integration Platform webhooks (resource in ``Sentry-Hook-Resource``) and the legacy
WebHooks plugin (no headers; detected by its body). One delivery is at most one item."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from awooop.hub.providers._common import (
    compact_refs,
    http_url,
    id_str,
    lenient_ts,
    nonempty,
    present,
    require_object,
    severity_of,
)
from awooop.hub.providers._heartbeat import ALERTNAME as HEARTBEAT_ALERTNAME
from awooop.hub.providers._heartbeat import NAMESPACE, SUMMARY, TARGET_RESOURCE, HeartbeatContext
from awooop.hub.providers._sentry_event import EventSource, event_item, name_and_summary
from awooop.hub.providers.base import INTAKE_AUTH_DOC, ParsedItem, PayloadSchemaError, ProviderSpec, Severity, Stage

RESOURCE_HEADER = "sentry-hook-resource"

# Archiving/ignoring is a human saying "stop paging for this": it closes our incident the way a
# resolve does, and Sentry's `unresolved` (regression, escalation) reopens it. Assignment changes
# ownership, not state: it is recorded as a `message` (stored, listed, never routed).
ISSUE_STAGES: dict[str, Stage] = {
    "created": "firing",
    "unresolved": "firing",
    "resolved": "resolved",
    "ignored": "resolved",
    "archived": "resolved",
    "assigned": "message",
}
METRIC_STAGES: dict[str, tuple[Stage, Severity | None]] = {
    "critical": ("firing", "critical"),
    "warning": ("firing", "warning"),
    "open": ("firing", None),
    "resolved": ("resolved", None),
}

Handler = Callable[[dict[str, Any], dict[str, Any], str], ParsedItem]


def parse_sentry(body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
    root = require_object(body, "body")
    resource = headers.get(RESOURCE_HEADER)
    if resource is None:
        if _is_legacy(root):
            return [_legacy(root)]
        raise PayloadSchemaError(RESOURCE_HEADER, "header missing and the body is not a legacy WebHooks plugin payload")
    handler = _HANDLERS.get(resource.strip().lower())
    if handler is None:  # installation, comment, seer, size_analysis, future resources
        return []
    action = root.get("action")
    if not isinstance(action, str) or not action:
        raise PayloadSchemaError("action", "must be a non-empty string")
    return [handler(root, require_object(root.get("data"), "data"), action)]


def _issue(root: dict[str, Any], data: dict[str, Any], action: str) -> ParsedItem:
    issue = require_object(data.get("issue"), "data.issue")
    issue_id = _required_id(issue.get("id"), "data.issue.id")
    project = issue.get("project")
    slug = nonempty(project.get("slug")) if isinstance(project, dict) else None
    level = nonempty(issue.get("level"))
    last_seen = nonempty(issue.get("lastSeen"))
    stage = ISSUE_STAGES.get(action, "message")
    # An issue can resolve and regress many times: transitions carry lastSeen so a second
    # resolve after a regression is not mistaken for a duplicate of the first.
    event_id = f"issue:{issue_id}:{action}"
    if action != "created" and last_seen:
        event_id = f"{event_id}:{last_seen}"
    web_url = http_url(issue.get("web_url")) or http_url(issue.get("permalink"))
    alertname, summary = name_and_summary(issue)
    return ParsedItem(
        content=root,
        provider_event_id=event_id,
        stage=stage,
        channel_type="alert",
        alertname=alertname,
        severity=severity_of(level),
        namespace=None,  # issue payloads carry no environment
        target_resource=slug,
        fingerprint=issue_id,
        provider_ts=_issue_ts(issue, action),
        labels=present(
            resource="issue",
            action=action,
            project=slug,
            level=level,
            status=nonempty(issue.get("status")),
            substatus=nonempty(issue.get("substatus")),
            priority=nonempty(issue.get("priority")),
            category=nonempty(issue.get("issueCategory")),
        ),
        summary=summary,
        source_url=web_url,
        source_refs=compact_refs({"sentry": {"issue_id": issue_id, "issue_url": web_url, "project_slug": slug}}),
        log_correlation={},  # issue payloads carry no trace or request ids
    )


def _issue_ts(issue: Mapping[str, Any], action: str) -> datetime | None:
    if action == "created":
        return lenient_ts(issue.get("firstSeen"))
    if action == "unresolved":
        return lenient_ts(issue.get("lastSeen"))
    return None  # resolve/assign/archive times are not in the payload


def _metric_alert(root: dict[str, Any], data: dict[str, Any], action: str) -> ParsedItem:
    metric = require_object(data.get("metric_alert"), "data.metric_alert")
    incident_id = _required_id(metric.get("id"), "data.metric_alert.id")
    rule = metric.get("alert_rule")
    rule = rule if isinstance(rule, dict) else {}
    rule_id = id_str(rule.get("id"))
    stage, severity = METRIC_STAGES.get(action, ("message", None))
    slug = _first_str(metric.get("projects")) or _first_str(rule.get("projects"))
    environment = nonempty(rule.get("environment"))
    name = nonempty(rule.get("name")) or nonempty(metric.get("title"))
    web_url = http_url(data.get("web_url"))
    when = metric.get("date_closed") if stage == "resolved" else metric.get("date_detected")
    return ParsedItem(
        content=root,
        provider_event_id=f"metric_alert:{incident_id}:{action}",
        stage=stage,
        channel_type="alert",
        alertname=name,
        severity=severity,
        namespace=environment,
        target_resource=slug,
        # The rule, not the incident: each breach opens a new incident id, and recurrence is
        # "the same rule breaching again".
        fingerprint=f"metric_alert:{rule_id or incident_id}",
        provider_ts=lenient_ts(when) or lenient_ts(metric.get("date_started")),
        labels=present(
            resource="metric_alert",
            action=action,
            project=slug,
            environment=environment,
            rule=name,
        ),
        summary=nonempty(data.get("description_text")) or nonempty(data.get("description_title")),
        source_url=web_url,
        source_refs=compact_refs(
            {
                "sentry": {
                    "project_slug": slug,
                    "metric_alert_id": incident_id,
                    "alert_rule_id": rule_id,
                    "metric_alert_url": web_url,
                }
            }
        ),
        log_correlation={},
    )


def _event_alert(root: dict[str, Any], data: dict[str, Any], action: str) -> ParsedItem:
    event = require_object(data.get("event"), "data.event")
    _required_id(event.get("event_id"), "data.event.event_id")
    rule = nonempty(data.get("triggered_rule"))
    issue_alert = data.get("issue_alert")
    if rule is None and isinstance(issue_alert, dict):
        rule = nonempty(issue_alert.get("title"))
    stage: Stage = "firing" if action == "triggered" else "message"
    return event_item(root, event, EventSource("event_alert", action, stage, rule=rule))


def _error(root: dict[str, Any], data: dict[str, Any], action: str) -> ParsedItem:
    event = require_object(data.get("error"), "data.error")
    _required_id(event.get("event_id"), "data.error.event_id")
    stage: Stage = "firing" if action == "created" else "message"
    return event_item(root, event, EventSource("error", action, stage))


def _is_legacy(root: Mapping[str, Any]) -> bool:
    return id_str(root.get("id")) is not None and isinstance(root.get("event"), dict) and "triggering_rules" in root


def _legacy(root: dict[str, Any]) -> ParsedItem:
    rules = root.get("triggering_rules")
    names = [name for name in rules if isinstance(name, str)] if isinstance(rules, list) else []
    source = EventSource(
        "webhook_plugin",
        "triggered",
        "firing",
        issue_id=id_str(root.get("id")),
        project_slug=nonempty(root.get("project_slug")) or nonempty(root.get("project")),
        issue_url=http_url(root.get("url")),
        rule=", ".join(names) or None,
    )
    return event_item(root, root["event"], source)


def _required_id(value: Any, field: str) -> str:
    found = id_str(value)
    if found is None:
        raise PayloadSchemaError(field, "must be a non-empty string or integer id")
    return found


def _first_str(values: Any) -> str | None:
    if isinstance(values, list):
        return next((nonempty(value) for value in values if nonempty(value)), None)
    return None


_HANDLERS: dict[str, Handler] = {
    "issue": _issue,
    "metric_alert": _metric_alert,
    "event_alert": _event_alert,
    "error": _error,
}


def sentry_heartbeat(hb: HeartbeatContext) -> tuple[dict[str, Any], dict[str, str]]:
    event_id = hashlib.sha256(f"{hb.fingerprint}|{hb.iso}".encode()).hexdigest()[:32]
    event = {
        "event_id": event_id,
        "platform": "other",
        "message": SUMMARY,
        "datetime": hb.iso,
        "tags": [[key, value] for key, value in hb.markers.items()],
        "environment": NAMESPACE,
        "level": "info",
        "metadata": {"type": HEARTBEAT_ALERTNAME, "value": SUMMARY},
        "title": SUMMARY,
        # API path only (no host): it names the project slug the way real event payloads do.
        "url": f"/api/0/projects/{NAMESPACE}/{TARGET_RESOURCE}/events/{event_id}/",
        "issue_id": hb.fingerprint,
        "awooop": hb.extras,
    }
    body = {
        "action": "triggered",
        "data": {"event": event, "triggered_rule": "AwoooP provider heartbeat"},
        "actor": {"type": "application", "id": "awooop", "name": "AwoooP"},
    }
    return body, {RESOURCE_HEADER: "event_alert"}


SPEC = ProviderSpec(
    name="sentry",
    channel_type="alert",
    parse=parse_sentry,
    auth="sentry_signature",
    summary="Sentry webhook",
    description="Integration Platform webhooks signed with `Sentry-Hook-Signature` (hex HMAC-SHA256 of the raw body, "
    "key = the project's Sentry client secret); resource from `Sentry-Hook-Resource` (`installation` and "
    f"other non-alert resources are accepted with no events). Legacy WebHooks plugin: {INTAKE_AUTH_DOC}.",
    heartbeat=sentry_heartbeat,
)
