"""The provider registry: every provider module declares a complete spec, and a new provider
needs only its module (the throwaway ``uptime`` one in uptime_provider.py)."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from typing import get_args

import orjson
import pytest

from awooop.console.views.runs import RUN_STATES
from awooop.dossier.schemas import SourceProviderName
from awooop.hub import providers
from awooop.hub.providers import (
    ALERT_PROVIDERS,
    PROVIDERS,
    WATCHDOG_PROVIDERS,
    SourceAuth,
    UnknownProviderError,
    parse_delivery,
    provider_spec,
    provider_specs,
    registry,
)
from awooop.hub.providers.base import ChannelType
from awooop.hub.providers.heartbeat import HeartbeatUnsupportedError, build_heartbeat_delivery, is_heartbeat
from awooop.hub.sources import VERIFIERS
from awooop.monitors.schemas import AlertProvider
from awooop.runs.states import STATES
from tests.unit.providers import uptime_provider

NOW = datetime(2026, 8, 20, 10, 0, tzinfo=UTC)


def heartbeat(provider: str) -> tuple[bytes, dict[str, str]]:
    return build_heartbeat_delivery(
        provider,
        project_id="payments",
        reason="smoke",
        run_ref=None,
        operator_id="op-ana",
        auth_method="operator_key",
        now=NOW,
    )


@pytest.mark.parametrize("spec", provider_specs(), ids=lambda spec: spec.name)
def test_every_provider_spec_is_complete(spec: providers.ProviderSpec) -> None:
    assert spec.name.isalpha()
    assert spec.name.islower()
    assert spec.channel_type in get_args(ChannelType)
    assert callable(spec.parse)
    assert spec.auth in get_args(SourceAuth)
    assert spec.summary.strip()
    assert spec.description.strip()
    assert spec.methods[:1] == ("POST",)
    assert set(spec.methods) <= {"POST", "PUT"}
    # An alert source proves it is alive with a heartbeat in its own format; a chat has none.
    assert (spec.heartbeat is not None) == (spec.channel_type == "alert")
    assert not spec.forwards_watchdog or spec.channel_type == "alert"


def test_every_provider_module_is_registered() -> None:
    modules = [info.name for info in pkgutil.iter_modules(providers.__path__) if not info.name.startswith("_")]
    declared = {
        module.SPEC.name
        for module in map(importlib.import_module, (f"{providers.__name__}.{name}" for name in modules))
        if hasattr(module, "SPEC")
    }
    assert declared == set(PROVIDERS)


def test_every_auth_scheme_has_a_verifier() -> None:
    assert set(VERIFIERS) == set(get_args(SourceAuth))


def test_name_lists_come_from_the_specs() -> None:
    assert PROVIDERS == ("alertmanager", "signoz", "grafana", "sentry", "generic", "telegram")
    assert tuple(spec.name for spec in provider_specs() if spec.channel_type == "alert") == ALERT_PROVIDERS
    assert WATCHDOG_PROVIDERS == ("alertmanager", "signoz", "grafana")  # the Prometheus family
    # The API's enums must be literal types (mypy, OpenAPI); they name the same providers.
    assert get_args(SourceProviderName) == ALERT_PROVIDERS
    assert get_args(AlertProvider) == ALERT_PROVIDERS


def test_console_offers_every_run_state() -> None:
    assert sorted(RUN_STATES) == sorted(STATES)


def test_a_registered_module_parses_and_beats_without_other_changes() -> None:
    with uptime_provider.registered() as spec:
        assert provider_spec("uptime") is spec
        [item] = parse_delivery("uptime", {"monitor": "checkout", "status": "down", "checked_at": "t1"}, {})
        assert (item.stage, item.target_resource) == ("firing", "checkout")
        raw, headers = heartbeat("uptime")
        [beat] = parse_delivery("uptime", orjson.loads(raw), headers)
        assert beat.fingerprint == "source-provider-heartbeat:uptime"
        assert is_heartbeat(beat)
    assert provider_spec("uptime") is None
    with pytest.raises(UnknownProviderError):
        parse_delivery("uptime", {"monitor": "checkout"}, {})
    with pytest.raises(HeartbeatUnsupportedError):
        heartbeat("uptime")


def test_a_provider_name_is_registered_once() -> None:
    with pytest.raises(registry.DuplicateProviderError):
        registry.register(provider_specs()[0])
    assert provider_specs()[0].name == "alertmanager"
