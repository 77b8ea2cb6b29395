"""Pure provider modules: each declares a ``ProviderSpec`` (parser of a provider's parsed JSON body
and headers → normalised items, source authentication scheme, OpenAPI texts, heartbeat format).

No I/O here. See docs/providers.md for every mapping decision and registry.py for the list.
"""

from __future__ import annotations

from awooop.hub.providers.base import (
    HEARTBEAT_STAGE,
    ParsedItem,
    Parser,
    PayloadSchemaError,
    ProviderSpec,
    Severity,
    SourceAuth,
    Stage,
)
from awooop.hub.providers.registry import (
    ALERT_PROVIDERS,
    PARSERS,
    PROVIDERS,
    WATCHDOG_PROVIDERS,
    UnknownProviderError,
    parse_delivery,
    provider_spec,
    provider_specs,
)

__all__ = [
    "ALERT_PROVIDERS",
    "HEARTBEAT_STAGE",
    "PARSERS",
    "PROVIDERS",
    "WATCHDOG_PROVIDERS",
    "ParsedItem",
    "Parser",
    "PayloadSchemaError",
    "ProviderSpec",
    "Severity",
    "SourceAuth",
    "Stage",
    "UnknownProviderError",
    "parse_delivery",
    "provider_spec",
    "provider_specs",
]
