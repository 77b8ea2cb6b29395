"""SigNoz alert channel of type Webhook: Alertmanager v4 bodies with SigNoz labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awooop.hub.providers._common import compact_refs, http_url
from awooop.hub.providers._heartbeat import alertmanager_heartbeat
from awooop.hub.providers._prometheus import (
    NAMESPACE_KEYS,
    AlertView,
    Flavor,
    alert_refs,
    parse_family,
)
from awooop.hub.providers.base import INTAKE_AUTH_DOC, ParsedItem, ProviderSpec


def _refs(view: AlertView) -> dict[str, dict[str, str]]:
    labels, annotations = view.labels, view.annotations
    rule_id = labels.get("ruleId")
    return compact_refs(
        {
            # SigNoz's externalURL is its own UI, which has no Alertmanager silence page.
            "alert": alert_refs(view, with_silence=False),
            "signoz": {
                "rule_id": rule_id.strip() if rule_id and rule_id.strip() else None,
                "rule_url": http_url(labels.get("ruleSource")) or view.generator_url,
                "trace_url": http_url(annotations.get("related_traces")),
                "logs_url": http_url(annotations.get("related_logs")),
            },
        }
    )


_FLAVOR = Flavor(
    title="SigNoz",
    refs=_refs,
    # OpenTelemetry resource attributes arrive as dotted label names.
    namespace_keys=(*NAMESPACE_KEYS, "deployment.environment", "deployment.environment.name"),
    severity_keys=("severity", "threshold.name"),
)


def parse_signoz(body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
    return parse_family(body, _FLAVOR)


SPEC = ProviderSpec(
    name="signoz",
    channel_type="alert",
    parse=parse_signoz,
    auth="intake_token",
    summary="SigNoz alert webhook",
    description=f"Alertmanager v4 body as SigNoz sends it; one event per alert. Auth: {INTAKE_AUTH_DOC}.",
    forwards_watchdog=True,
    heartbeat=alertmanager_heartbeat,  # SigNoz sends the Alertmanager v4 body unchanged
)
