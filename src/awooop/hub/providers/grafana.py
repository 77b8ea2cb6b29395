"""Grafana unified alerting webhook contact point (payload version 1): one item per alert."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awooop.hub.providers._common import compact_refs, http_url, nonempty
from awooop.hub.providers._prometheus import (
    GROUP_KEYS,
    AlertView,
    Flavor,
    alert_refs,
    parse_family,
)
from awooop.hub.providers.base import ParsedItem


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
