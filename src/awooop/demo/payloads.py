"""Webhook bodies in each provider's own format for the demo data set (pure).

Modelled on the provider samples in the project's fixtures: Alertmanager/SigNoz webhook v4,
Grafana webhook v1, Sentry Integration Platform (issue, event_alert), Telegram updates and the
generic schema. Times are the virtual times of the demo timeline.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

GO_ZERO = "0001-01-01T00:00:00Z"


def _rfc3339(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")


def prometheus_alert(
    *,
    status: str,
    labels: dict[str, str],
    summary: str,
    fingerprint: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    generator: str = "http://prometheus-k8s-0:9090/graph?g0.expr=up&g0.tab=1",
    runbook: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    annotations = {"summary": summary, "description": description or summary}
    if runbook:
        annotations["runbook_url"] = runbook
    return {
        "status": status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": _rfc3339(starts_at),
        "endsAt": _rfc3339(ends_at) if ends_at else GO_ZERO,
        "generatorURL": generator,
        "fingerprint": fingerprint,
    }


def alertmanager(
    alerts: list[dict[str, Any]], *, external_url: str = "http://alertmanager.monitoring.svc:9093"
) -> bytes:
    common = dict(alerts[0]["labels"]) if len(alerts) == 1 else {}
    group = {k: common[k] for k in ("alertname", "namespace") if k in common}
    return body(
        {
            "receiver": "awooop",
            "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
            "alerts": alerts,
            "groupLabels": group,
            "commonLabels": common,
            "commonAnnotations": {},
            "externalURL": external_url,
            "version": "4",
            "groupKey": "{}:" + json.dumps(group, sort_keys=True),
            "truncatedAlerts": 0,
        }
    )


def signoz(alerts: list[dict[str, Any]]) -> bytes:
    return alertmanager(alerts, external_url="https://signoz.demo.example")


def grafana(alerts: list[dict[str, Any]], *, title: str) -> bytes:
    return body(
        {
            "receiver": "awooop",
            "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
            "alerts": alerts,
            "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]},
            "commonLabels": {"alertname": alerts[0]["labels"]["alertname"]},
            "commonAnnotations": {},
            "externalURL": "https://grafana.demo.example/",
            "version": "1",
            "groupKey": '{}/{team="payments"}:{alertname="' + alerts[0]["labels"]["alertname"] + '"}',
            "truncatedAlerts": 0,
            "orgId": 1,
            "title": title,
            "state": "alerting" if alerts[0]["status"] == "firing" else "ok",
            "message": title,
        }
    )


def grafana_alert(
    *, status: str, labels: dict[str, str], summary: str, fingerprint: str, starts_at: datetime
) -> dict[str, Any]:
    alert = prometheus_alert(
        status=status,
        labels=labels,
        summary=summary,
        fingerprint=fingerprint,
        starts_at=starts_at,
        generator="https://grafana.demo.example/alerting/grafana/be8rk2q9xw3k0a/view?orgId=1",
        runbook="https://runbooks.demo.example/payments/high-error-rate",
    )
    alert["dashboardURL"] = "https://grafana.demo.example/d/checkout-slo?orgId=1"
    alert["panelURL"] = "https://grafana.demo.example/d/checkout-slo?orgId=1&viewPanel=12"
    alert["silenceURL"] = "https://grafana.demo.example/alerting/silence/new?alertmanager=grafana"
    return alert


def _sentry_issue(
    issue_id: str, title: str, *, status: str, first_seen: datetime, last_seen: datetime
) -> dict[str, Any]:
    return {
        "id": issue_id,
        "web_url": f"https://sentry.demo.example/organizations/demo/issues/{issue_id}/",
        "shortId": f"CHECKOUT-API-{issue_id[-3:]}",
        "title": title,
        "culprit": "POST /api/v1/checkout",
        "level": "error",
        "status": status,
        "priority": "high",
        "issueCategory": "error",
        "project": {"id": "4507823190016", "name": "checkout-api", "slug": "checkout-api", "platform": "python"},
        "metadata": {"type": title.split(":", 1)[0], "value": title.split(": ", 1)[-1]},
        "count": "1",
        "firstSeen": first_seen.isoformat(),
        "lastSeen": last_seen.isoformat(),
    }


def sentry_issue(action: str, issue_id: str, title: str, *, first_seen: datetime, last_seen: datetime) -> bytes:
    status = "resolved" if action == "resolved" else "unresolved"
    issue = _sentry_issue(issue_id, title, status=status, first_seen=first_seen, last_seen=last_seen)
    return body(
        {
            "action": action,
            "installation": {"uuid": "7b0c3f8e-52d1-4c0a-9a77-1f4e2d6b8c90"},
            "data": {"issue": issue},
            "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
        }
    )


def sentry_event_alert(event_id: str, issue_id: str, title: str, *, at: datetime, trace_id: str) -> bytes:
    return body(
        {
            "action": "triggered",
            "installation": {"uuid": "7b0c3f8e-52d1-4c0a-9a77-1f4e2d6b8c90"},
            "data": {
                "event": {
                    "event_id": event_id,
                    "issue_id": issue_id,
                    "project": 4507823190016,
                    "url": f"https://sentry.demo.example/api/0/projects/demo/checkout-api/events/{event_id}/",
                    "web_url": f"https://sentry.demo.example/organizations/demo/issues/{issue_id}/events/{event_id}/",
                    "title": title,
                    "culprit": "POST /api/v1/checkout",
                    "level": "error",
                    "environment": "production",
                    "datetime": at.isoformat(),
                    "tags": [
                        ["environment", "production"],
                        ["level", "error"],
                        ["server_name", "checkout-api-7d9f8b6c5-x2kqz"],
                        ["request_id", f"req_{event_id[:20]}"],
                    ],
                    "contexts": {"trace": {"trace_id": trace_id, "span_id": trace_id[:16], "type": "trace"}},
                },
                "triggered_rule": "Checkout errors to AwoooP",
            },
            "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
        }
    )


def telegram_message(update_id: int, message_id: int, text: str, *, at: datetime, edited: bool = False) -> bytes:
    message = {
        "message_id": message_id,
        "from": {"id": 318274650, "is_bot": False, "first_name": "Dana", "username": "dana_oncall"},
        "chat": {"id": -1001234567890, "title": "payments-oncall", "type": "supergroup"},
        "date": int(at.timestamp()),
        "text": text,
    }
    if edited:
        message["edit_date"] = int(at.timestamp())
    return body({"update_id": update_id, "edited_message" if edited else "message": message})


def generic(*, event_id: str, status: str, title: str, fingerprint: str, at: datetime, **fields: Any) -> bytes:
    return body(
        {
            "event_id": event_id,
            "status": status,
            "alertname": title,
            "fingerprint": fingerprint,
            "timestamp": at.isoformat(),
            **fields,
        }
    )
