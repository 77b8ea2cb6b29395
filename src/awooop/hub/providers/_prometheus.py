"""Alertmanager-family webhook bodies (Alertmanager v4, SigNoz, Grafana v1): one item per alert."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from awooop.hub.providers._common import (
    correlation,
    first_of,
    http_url,
    opt_str,
    parse_ts,
    require_object,
    severity_of,
    str_map,
)
from awooop.hub.providers.base import ParsedItem, PayloadSchemaError, Stage
from awooop.hub.redaction import redact_json

# Most specific stable identity first: a workload outlives its pods, a pod is more precise than
# the service or scrape target in front of it, and `job` (the scrape job) is the last resort.
TARGET_KEYS: tuple[str, ...] = (
    "deployment",
    "k8s.deployment.name",
    "statefulset",
    "k8s.statefulset.name",
    "daemonset",
    "k8s.daemonset.name",
    "cronjob",
    "job_name",
    "pod",
    "k8s.pod.name",
    "node",
    "k8s.node.name",
    "service",
    "service.name",
    "instance",
    "host.name",
    "job",
)
NAMESPACE_KEYS: tuple[str, ...] = ("namespace", "k8s.namespace.name")
GROUP_KEYS: tuple[str, ...] = (
    "receiver",
    "status",
    "groupKey",
    "externalURL",
    "version",
    "truncatedAlerts",
    "groupLabels",
    "commonLabels",
    "notification_reason",
)
SUMMARY_KEYS = ("summary", "description", "message")
RUNBOOK_KEYS = ("runbook_url", "runbook")
DASHBOARD_KEYS = ("dashboard_url", "dashboard", "grafana_url")

_STAGES: dict[str, Stage] = {"firing": "firing", "resolved": "resolved"}
# Go's zero time, what Alertmanager sends as endsAt of every firing alert: parse_ts gives None.
GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_PLAIN_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_URL_SAFE_TEXT = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote(…, safe="") leaves alone
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK64 = 0xFFFFFFFFFFFFFFFF


@dataclass(frozen=True, slots=True)
class AlertView:
    """What a flavour needs to build its source refs for one alert."""

    alert: Mapping[str, Any]
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    external_url: str | None
    generator_url: str | None


RefsBuilder = Callable[[AlertView], dict[str, dict[str, str]]]


@dataclass(frozen=True, slots=True)
class Flavor:
    title: str
    refs: RefsBuilder
    namespace_keys: tuple[str, ...] = NAMESPACE_KEYS
    severity_keys: tuple[str, ...] = ("severity",)
    group_keys: tuple[str, ...] = GROUP_KEYS


def parse_family(body: Any, flavor: Flavor) -> list[ParsedItem]:
    root = require_object(body, "body")
    version = root.get("version")
    if version is None:
        raise PayloadSchemaError(
            "version",
            f"missing: not a {flavor.title} webhook body (custom payload templates are not "
            "supported; send the default webhook payload)",
        )
    if not isinstance(version, str):
        raise PayloadSchemaError("version", "must be a string")
    alerts = root.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadSchemaError("alerts", "must be a list")
    external_url = http_url(opt_str(root, "externalURL", "externalURL"))
    group = {key: root[key] for key in flavor.group_keys if key in root}
    return [_parse_alert(alert, f"alerts[{index}]", group, external_url, flavor) for index, alert in enumerate(alerts)]


def _parse_alert(raw: Any, where: str, group: dict[str, Any], external_url: str | None, flavor: Flavor) -> ParsedItem:
    alert = require_object(raw, where)
    labels = str_map(alert.get("labels"), f"{where}.labels", required=True)
    annotations = _public(str_map(alert.get("annotations"), f"{where}.annotations", required=False))
    status = alert.get("status")
    stage = _STAGES.get(status) if isinstance(status, str) else None
    if stage is None:
        raise PayloadSchemaError(f"{where}.status", "must be 'firing' or 'resolved'")
    starts_raw = alert.get("startsAt")
    if not isinstance(starts_raw, str):
        raise PayloadSchemaError(f"{where}.startsAt", "must be an RFC 3339 timestamp string")
    starts_at = _timestamp(starts_raw, f"{where}.startsAt")
    ends_raw = opt_str(alert, "endsAt", f"{where}.endsAt")
    ends_at = _timestamp(ends_raw, f"{where}.endsAt") if ends_raw else None
    fingerprint = opt_str(alert, "fingerprint", f"{where}.fingerprint") or label_fingerprint(labels)
    generator_url = http_url(opt_str(alert, "generatorURL", f"{where}.generatorURL"))
    view = AlertView(alert, labels, annotations, external_url, generator_url)
    return ParsedItem(
        content={"alert": alert, "group": group},
        provider_event_id=f"{fingerprint}:{starts_raw}:{status}",
        stage=stage,
        channel_type="alert",
        alertname=first_of(labels, ("alertname",)),
        severity=severity_of(first_of(labels, flavor.severity_keys)),
        namespace=first_of(labels, flavor.namespace_keys),
        target_resource=first_of(labels, TARGET_KEYS),
        fingerprint=fingerprint,
        provider_ts=starts_at if stage == "firing" else ends_at,
        labels=labels,
        summary=first_of(annotations, SUMMARY_KEYS),
        source_url=generator_url,
        source_refs=flavor.refs(view),
        log_correlation=correlation(labels, annotations),
    )


def _timestamp(value: str, field: str) -> datetime | None:
    if value == GO_ZERO_TIME:  # hot path: skips fromisoformat for every firing alert
        return None
    try:
        return parse_ts(value)
    except ValueError:
        raise PayloadSchemaError(field, "must be an RFC 3339 timestamp") from None


def _public(annotations: dict[str, str]) -> dict[str, str]:
    # SigNoz may leak private `_title_template`-style annotations; they are not alert text.
    if any(key.startswith("_") for key in annotations):
        return {key: value for key, value in annotations.items() if not key.startswith("_")}
    return annotations


def label_fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's fingerprint (FNV-1a 64 over sorted name/value pairs, 0xff-separated).

    Used only when a sender omits ``fingerprint``, so identical label sets still group.
    """
    digest = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode():
                digest = ((digest ^ byte) * _FNV_PRIME) & _MASK64
            digest = ((digest ^ 0xFF) * _FNV_PRIME) & _MASK64
    return f"{digest:016x}"


def silence_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """The labels a silence link may show: those redaction leaves alone.

    A link is a derived field and holds redacted values only; a matcher on
    ``password="[REDACTED:password]"`` would match nothing, so a redacted label is left out of
    the pre-filled filter (the silence is then a little broader: every other label still matches).
    """
    redacted, count = redact_json(labels)
    if not count:
        return dict(labels)
    return {name: value for name, value in labels.items() if redacted.get(name) == value}


def silence_url(external_url: str | None, labels: Mapping[str, str]) -> str | None:
    """Alertmanager UI link that pre-fills a silence matching exactly this alert's labels.

    Callers pass :func:`silence_labels` (redacted values only), never the raw labels.

    Equal to quoting ``{name="value", …}`` whole with ``quote(…, safe="")``, but the fixed
    punctuation is pre-encoded and only unsafe names/values go through urllib (hot path).
    """
    if not external_url or not labels:
        return None
    matchers = "%2C%20".join(f"{_matcher_name(name)}%3D%22{_pct(_escaped(labels[name]))}%22" for name in sorted(labels))
    return f"{external_url.rstrip('/')}/#/silences/new?filter=%7B{matchers}%7D"


def _matcher_name(name: str) -> str:
    # UTF-8 label names (e.g. service.name) must be quoted in matchers since Alertmanager 0.27.
    return name if _PLAIN_LABEL_NAME.fullmatch(name) else f"%22{_pct(_escaped(name))}%22"


def _escaped(value: str) -> str:
    if "\\" in value or '"' in value or "\n" in value:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return value


def _pct(text: str) -> str:
    return text if _URL_SAFE_TEXT.fullmatch(text) else quote(text, safe="")


def alert_refs(view: AlertView, *, with_silence: bool) -> dict[str, str | None]:
    """The `alert` ref group every AM-family flavour shares (Grafana overrides some keys)."""
    return {
        "generator_url": view.generator_url,
        "external_url": view.external_url,
        "silence_url": silence_url(view.external_url, silence_labels(view.labels)) if with_silence else None,
        "runbook_url": http_url(first_of(view.annotations, RUNBOOK_KEYS)),
        "dashboard_url": http_url(first_of(view.annotations, DASHBOARD_KEYS)),
        "trace_url": http_url(view.annotations.get("trace_url")),
        "logs_url": http_url(view.annotations.get("logs_url")),
    }
