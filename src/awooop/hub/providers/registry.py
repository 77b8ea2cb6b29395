"""Every provider the hub knows, one ``ProviderSpec`` per provider module.

The intake routes (hub/api.py), source authentication (hub/sources.py), parsing and heartbeats
are all looked up here, so adding a provider is one new module with a ``SPEC``, its name in the
list at the bottom (tests/unit/providers/test_registry.py fails on a module left out) and its
tests. The name tuples are those of the providers built in; ``provider_spec`` and
``provider_specs`` also see any registered later (a test's throwaway provider).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awooop.hub.providers import alertmanager, generic, grafana, sentry, signoz, telegram
from awooop.hub.providers.base import ParsedItem, Parser, ProviderSpec

_SPECS: dict[str, ProviderSpec] = {}
# Each registered provider's parser, kept in step with the specs: the one table parsing looks in.
PARSERS: dict[str, Parser] = {}


class UnknownProviderError(ValueError):
    """A provider name outside the registry (a programming error, never a sender's)."""

    def __init__(self, provider: str) -> None:
        super().__init__(f"unknown provider {provider!r}; expected one of {', '.join(_SPECS)}")
        self.provider = provider


class DuplicateProviderError(ValueError):
    def __init__(self, provider: str) -> None:
        super().__init__(f"provider {provider!r} is already registered")
        self.provider = provider


def register(spec: ProviderSpec) -> ProviderSpec:
    if spec.name in _SPECS:
        raise DuplicateProviderError(spec.name)
    _SPECS[spec.name] = spec
    PARSERS[spec.name] = spec.parse
    return spec


def unregister(name: str) -> None:
    """Forget a provider registered after start-up (tests); unknown names are ignored."""
    _SPECS.pop(name, None)
    PARSERS.pop(name, None)


def provider_spec(name: str) -> ProviderSpec | None:
    return _SPECS.get(name)


def provider_specs() -> tuple[ProviderSpec, ...]:
    """Every registered provider, in registration order (the order of routes and lists)."""
    return tuple(_SPECS.values())


def parse_delivery(provider: str, body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
    """Items of one delivery (possibly none). ``headers`` must have lower-cased names.

    Raises PayloadSchemaError (→ 422) for a body that does not fit the provider's schema and
    UnknownProviderError (a ValueError) for a provider name outside the registry.
    """
    parser = PARSERS.get(provider)
    if parser is None:
        raise UnknownProviderError(provider)
    return parser(body, headers)


for _module in (alertmanager, signoz, grafana, sentry, generic, telegram):
    register(_module.SPEC)

PROVIDERS: tuple[str, ...] = tuple(_SPECS)
ALERT_PROVIDERS: tuple[str, ...] = tuple(spec.name for spec in _SPECS.values() if spec.channel_type == "alert")
WATCHDOG_PROVIDERS: tuple[str, ...] = tuple(spec.name for spec in _SPECS.values() if spec.forwards_watchdog)
