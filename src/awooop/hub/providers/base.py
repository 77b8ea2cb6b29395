"""The contract shared by every provider module (pure data, no I/O): the parser's types and the
``ProviderSpec`` each module declares (see registry.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from awooop.hub.providers._heartbeat import HeartbeatFormat

Stage = Literal["firing", "resolved", "heartbeat", "message", "edited"]
Severity = Literal["critical", "error", "warning", "info"]
ChannelType = Literal["alert", "chat"]
# The stage the hub stamps on synthetic heartbeats (a parser never emits it).
HEARTBEAT_STAGE: Final = "heartbeat"
# The intake-token forms, as the OpenAPI descriptions of token-authenticated routes name them.
INTAKE_AUTH_DOC = "the project's intake token as `Authorization: Bearer <token>`, HTTP Basic password, or `?token=`"
# How a sender proves itself; hub/sources.py holds one verifier per scheme.
SourceAuth = Literal["intake_token", "grafana_signature", "sentry_signature", "telegram_secret"]


class PayloadSchemaError(ValueError):
    """The body is JSON but does not fit the provider's schema (the hub answers 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One item of a delivery, normalised; ``content`` is what gets hashed and redacted."""

    content: dict[str, Any]
    provider_event_id: str
    stage: Stage
    channel_type: ChannelType
    alertname: str | None
    severity: Severity | None
    namespace: str | None
    target_resource: str | None
    fingerprint: str | None
    provider_ts: datetime | None
    labels: dict[str, str]
    summary: str | None
    source_url: str | None
    source_refs: dict[str, dict[str, str]]
    log_correlation: dict[str, str]
    channel_chat_id: str | None = None


# (parsed JSON body, request headers with lower-cased names) -> items of the delivery
Parser = Callable[[Any, Mapping[str, str]], list[ParsedItem]]


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """One provider as the hub sees it; its intake route, source authentication, OpenAPI entry and
    heartbeat are all derived from this (one per provider module, listed in registry.py)."""

    name: str  # the path segment of POST /api/v1/hub/{project_id}/{name}
    channel_type: ChannelType
    parse: Parser
    auth: SourceAuth
    summary: str  # OpenAPI summary of the intake route
    description: str  # OpenAPI description of the intake route
    heartbeat: HeartbeatFormat | None  # the synthetic heartbeat body; every alert provider has one
    methods: tuple[str, ...] = ("POST",)  # one route per method (operation ids stay unique)
    # Relays Prometheus' always-firing Watchdog alert, which monitors/watchdog.py turns into a monitor.
    forwards_watchdog: bool = False
