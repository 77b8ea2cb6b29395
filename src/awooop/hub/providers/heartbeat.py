"""Synthetic provider heartbeats, each in its provider's own webhook format, so a heartbeat goes
through the same parser and envelope code as a real delivery (only HTTP auth is skipped)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from awooop.hub.providers.base import ParsedItem

ALERTNAME = "SourceProviderHeartbeat"
NAMESPACE = "awooop"
TARGET_RESOURCE = "source-provider-ingestion"
FINGERPRINT_PREFIX = "source-provider-heartbeat:"
SUMMARY = "Low-noise provider freshness smoke; verifies AwoooP source dossier ingestion without creating an incident."
_GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_JSON = "application/json"
_USER_AGENT = "awooop-heartbeat"


class HeartbeatUnsupportedError(ValueError):
    """Telegram is a chat, not an alert source: it has no heartbeat format."""

    def __init__(self, provider: str) -> None:
        super().__init__(f"no heartbeat format for provider {provider!r}")
        self.provider = provider


class NaiveClockError(ValueError):
    def __init__(self) -> None:
        super().__init__("now must be timezone-aware")


Builder = Callable[["_Heartbeat"], tuple[dict[str, Any], dict[str, str]]]


class _Heartbeat:
    """Everything every format needs, computed once."""

    def __init__(self, provider: str, extras: dict[str, Any], now: datetime) -> None:
        self.provider = provider
        self.extras = extras
        self.now = now
        self.iso = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.fingerprint = f"{FINGERPRINT_PREFIX}{provider}"
        self.markers = {
            "provider": provider,
            "synthetic": "true",
            "awooop_heartbeat": "true",
            "alert_category": "alertchain_provider_freshness",
            "telegram": "not_sent",
            "incident": "not_created",
        }
        self.labels = {
            "alertname": ALERTNAME,
            "severity": "info",
            "namespace": NAMESPACE,
            "service": TARGET_RESOURCE,
            **self.markers,
        }
        self.annotations = {"summary": SUMMARY, "reason": str(extras["reason"])}


def build_heartbeat_delivery(
    provider: str,
    *,
    project_id: str,
    reason: str,
    run_ref: str | None,
    operator_id: str,
    auth_method: str,
    now: datetime,
) -> tuple[bytes, dict[str, str]]:
    """Raw body bytes and lower-cased headers of a synthetic delivery for ``provider``.

    Raises HeartbeatUnsupportedError (a ValueError) for telegram and unknown providers.
    """
    builder = _BUILDERS.get(provider)
    if builder is None:
        raise HeartbeatUnsupportedError(provider)
    if now.tzinfo is None:
        raise NaiveClockError
    extras = {
        "project_id": project_id,
        "reason": reason,
        "run_ref": run_ref,
        "operator_id": operator_id,
        "auth_method": auth_method,
        "synthetic": True,
        "side_effects": {
            "incident_created": False,
            "telegram_sent": False,
            "approval_created": False,
        },
    }
    body, headers = builder(_Heartbeat(provider, extras, now.astimezone(UTC)))
    return orjson.dumps(body), {"content-type": _JSON, "user-agent": _USER_AGENT, **headers}


def is_heartbeat(item: ParsedItem) -> bool:
    """A heartbeat item: stamped by the hub, or carrying the synthetic heartbeat markers."""
    if item.stage == "heartbeat":
        return True
    return item.labels.get("awooop_heartbeat") == "true" and (item.fingerprint or "").startswith(FINGERPRINT_PREFIX)


def _am_alert(hb: _Heartbeat) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": hb.labels,
        "annotations": hb.annotations,
        "startsAt": hb.iso,
        "endsAt": _GO_ZERO_TIME,
        "generatorURL": "",
        "fingerprint": hb.fingerprint,
        # Unknown alert fields are tolerated by every AM-family reader and kept in the dossier.
        "awooop": hb.extras,
    }


def _am_group(hb: _Heartbeat, alert: dict[str, Any], version: str) -> dict[str, Any]:
    return {
        "receiver": "awooop-heartbeat",
        "status": "firing",
        "alerts": [alert],
        "groupLabels": {"alertname": ALERTNAME, "provider": hb.provider},
        "commonLabels": hb.labels,
        "commonAnnotations": hb.annotations,
        "externalURL": "",
        "version": version,
        "groupKey": f'{{}}:{{alertname="{ALERTNAME}", provider="{hb.provider}"}}',
        "truncatedAlerts": 0,
    }


def _alertmanager(hb: _Heartbeat) -> tuple[dict[str, Any], dict[str, str]]:
    return _am_group(hb, _am_alert(hb), "4"), {}


def _grafana(hb: _Heartbeat) -> tuple[dict[str, Any], dict[str, str]]:
    alert = {
        **_am_alert(hb),
        "silenceURL": "",
        "dashboardURL": "",
        "panelURL": "",
        "values": None,
        "valueString": "",
    }
    body = _am_group(hb, alert, "1")
    body.update(orgId=1, title=f"[FIRING:1] {ALERTNAME}", state="alerting", message=SUMMARY)
    return body, {}


def _sentry(hb: _Heartbeat) -> tuple[dict[str, Any], dict[str, str]]:
    event_id = hashlib.sha256(f"{hb.fingerprint}|{hb.iso}".encode()).hexdigest()[:32]
    event = {
        "event_id": event_id,
        "platform": "other",
        "message": SUMMARY,
        "datetime": hb.iso,
        "tags": [[key, value] for key, value in hb.markers.items()],
        "environment": NAMESPACE,
        "level": "info",
        "metadata": {"type": ALERTNAME, "value": SUMMARY},
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
    return body, {"sentry-hook-resource": "event_alert"}


def _generic(hb: _Heartbeat) -> tuple[dict[str, Any], dict[str, str]]:
    body = {
        "event_id": f"heartbeat-{hb.now:%Y%m%dT%H%M%SZ}",
        "alertname": ALERTNAME,
        "status": "firing",
        "severity": "info",
        "namespace": NAMESPACE,
        "target_resource": TARGET_RESOURCE,
        "fingerprint": hb.fingerprint,
        "labels": hb.markers,
        "annotations": hb.annotations,
        "summary": SUMMARY,
        "timestamp": hb.iso,
        "awooop": hb.extras,
    }
    return body, {}


_BUILDERS: dict[str, Builder] = {
    "alertmanager": _alertmanager,
    "signoz": _alertmanager,  # SigNoz sends the Alertmanager v4 body unchanged
    "grafana": _grafana,
    "sentry": _sentry,
    "generic": _generic,
}
