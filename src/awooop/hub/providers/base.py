"""The parser contract shared by every provider module (pure data, no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Stage = Literal["firing", "resolved", "heartbeat", "message", "edited"]
Severity = Literal["critical", "error", "warning", "info"]
ChannelType = Literal["alert", "chat"]

PROVIDERS: tuple[str, ...] = ("alertmanager", "signoz", "grafana", "sentry", "generic", "telegram")
ALERT_PROVIDERS: tuple[str, ...] = ("alertmanager", "signoz", "grafana", "sentry", "generic")


class PayloadSchemaError(ValueError):
    """The body is JSON but does not fit the provider's schema (the hub answers 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownProviderError(ValueError):
    """A provider name outside PROVIDERS (a programming error, never a sender's)."""

    def __init__(self, provider: str) -> None:
        super().__init__(f"unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}")
        self.provider = provider


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
