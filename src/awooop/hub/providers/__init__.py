"""Pure provider parsers: a provider's parsed JSON body and headers → normalised items.

No I/O here. See docs/providers.md for every mapping decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awooop.hub.providers.alertmanager import parse_alertmanager
from awooop.hub.providers.base import (
    ALERT_PROVIDERS,
    PROVIDERS,
    ParsedItem,
    Parser,
    PayloadSchemaError,
    Severity,
    Stage,
    UnknownProviderError,
)
from awooop.hub.providers.generic import parse_generic
from awooop.hub.providers.grafana import parse_grafana
from awooop.hub.providers.sentry import parse_sentry
from awooop.hub.providers.signoz import parse_signoz
from awooop.hub.providers.telegram import parse_telegram

PARSERS: dict[str, Parser] = {
    "alertmanager": parse_alertmanager,
    "signoz": parse_signoz,
    "grafana": parse_grafana,
    "sentry": parse_sentry,
    "generic": parse_generic,
    "telegram": parse_telegram,
}


def parse_delivery(provider: str, body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
    """Items of one delivery (possibly none). ``headers`` must have lower-cased names.

    Raises PayloadSchemaError (→ 422) for a body that does not fit the provider's schema and
    UnknownProviderError (a ValueError) for a provider name outside PROVIDERS.
    """
    parser = PARSERS.get(provider)
    if parser is None:
        raise UnknownProviderError(provider)
    return parser(body, headers)


__all__ = [
    "ALERT_PROVIDERS",
    "PARSERS",
    "PROVIDERS",
    "ParsedItem",
    "Parser",
    "PayloadSchemaError",
    "Severity",
    "Stage",
    "UnknownProviderError",
    "parse_delivery",
]
