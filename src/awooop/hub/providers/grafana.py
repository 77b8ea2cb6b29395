"""Grafana unified alerting webhook contact point (payload version 1): one item per alert."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awooop.hub.providers import _heartbeat
from awooop.hub.providers._common import compact_refs, http_url, nonempty
from awooop.hub.providers._heartbeat import HeartbeatContext, am_alert, am_group
from awooop.hub.providers._prometheus import (
    GROUP_KEYS,
    AlertView,
    Flavor,
    alert_refs,
    parse_family,
)
from awooop.hub.providers.base import INTAKE_AUTH_DOC, ParsedItem, ProviderSpec


def _refs(view: AlertView) -> dict[str, dict[str, str]]:
    alert = view.alert
    refs = alert_refs(view, with_silence=False)
    # Grafana sends its own links; annotations are only a fallback for the dashboard.
    refs["silence_url"] = http_url(alert.get("silenceURL"))
    refs["dashboard_url"] = http_url(alert.get("dashboardURL")) or refs["dashboard_url"]
    refs["panel_url"] = http_url(alert.get("panelURL"))
    refs["image_url"] = http_url(alert.get("imageURL"))
    refs["rule_uid"] = nonempty(alert.get("ruleUID"))
    return compact_refs({"alert": refs})


_FLAVOR = Flavor(
    title="Grafana",
    refs=_refs,
    # `title`/`message` are rendered for the whole group and can be megabytes: not item content.
    group_keys=(*GROUP_KEYS, "orgId", "state", "appVersion"),
)


def parse_grafana(body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
    """Test notifications (alertname TestAlert) are kept as ordinary firing items."""
    return parse_family(body, _FLAVOR)


def grafana_heartbeat(hb: HeartbeatContext) -> tuple[dict[str, Any], dict[str, str]]:
    alert = {
        **am_alert(hb),
        "silenceURL": "",
        "dashboardURL": "",
        "panelURL": "",
        "values": None,
        "valueString": "",
    }
    body = am_group(hb, alert, "1")
    body.update(orgId=1, title=f"[FIRING:1] {_heartbeat.ALERTNAME}", state="alerting", message=_heartbeat.SUMMARY)
    return body, {}


SPEC = ProviderSpec(
    name="grafana",
    channel_type="alert",
    parse=parse_grafana,
    auth="grafana_signature",
    summary="Grafana alerting webhook",
    description="Webhook contact point (integration v1), POST or PUT; one event per alert. "
    f"Auth: {INTAKE_AUTH_DOC}; when the project has a Grafana secret, also `X-Grafana-Alerting-Signature` "
    "(hex HMAC-SHA256 of `[X-Grafana-Alerting-Timestamp + ':'] + body`).",
    forwards_watchdog=True,
    heartbeat=grafana_heartbeat,
    # Grafana's contact point may be set to PUT.
    methods=("POST", "PUT"),
)
