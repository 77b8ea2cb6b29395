"""Synthetic provider heartbeats, each in its provider's own webhook format (the spec's
``heartbeat``), so a heartbeat goes through the same parser and envelope code as a real delivery
(only HTTP auth is skipped)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from awooop.hub.providers._heartbeat import (
    ALERTNAME,
    FINGERPRINT_PREFIX,
    NAMESPACE,
    SUMMARY,
    TARGET_RESOURCE,
    HeartbeatContext,
)
from awooop.hub.providers.base import HEARTBEAT_STAGE, ParsedItem
from awooop.hub.providers.registry import provider_spec

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
    spec = provider_spec(provider)
    if spec is None or spec.heartbeat is None:
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
    body, headers = spec.heartbeat(HeartbeatContext(provider, extras, now.astimezone(UTC)))
    return orjson.dumps(body), {"content-type": _JSON, "user-agent": _USER_AGENT, **headers}


def is_heartbeat(item: ParsedItem) -> bool:
    """A heartbeat item: stamped by the hub, or carrying the synthetic heartbeat markers."""
    if item.stage == HEARTBEAT_STAGE:
        return True
    return item.labels.get("awooop_heartbeat") == "true" and (item.fingerprint or "").startswith(FINGERPRINT_PREFIX)


__all__ = [
    "ALERTNAME",
    "FINGERPRINT_PREFIX",
    "NAMESPACE",
    "SUMMARY",
    "TARGET_RESOURCE",
    "HeartbeatUnsupportedError",
    "NaiveClockError",
    "build_heartbeat_delivery",
    "is_heartbeat",
]
