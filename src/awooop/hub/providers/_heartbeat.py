"""What every heartbeat format shares: the markers, the fixed names and the Alertmanager-family
body. Each provider module's spec names its own format (a ``HeartbeatFormat``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

ALERTNAME = "SourceProviderHeartbeat"
NAMESPACE = "awooop"
TARGET_RESOURCE = "source-provider-ingestion"
FINGERPRINT_PREFIX = "source-provider-heartbeat:"
SUMMARY = "Low-noise provider freshness smoke; verifies AwoooP source dossier ingestion without creating an incident."
_GO_ZERO_TIME = "0001-01-01T00:00:00Z"


class HeartbeatContext:
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


# a heartbeat in one provider's webhook format -> (JSON body, extra lower-cased headers)
HeartbeatFormat = Callable[[HeartbeatContext], tuple[dict[str, Any], dict[str, str]]]


def am_alert(hb: HeartbeatContext) -> dict[str, Any]:
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


def am_group(hb: HeartbeatContext, alert: dict[str, Any], version: str) -> dict[str, Any]:
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


def alertmanager_heartbeat(hb: HeartbeatContext) -> tuple[dict[str, Any], dict[str, str]]:
    """The Alertmanager v4 body (SigNoz sends it unchanged)."""
    return am_group(hb, am_alert(hb), "4"), {}
