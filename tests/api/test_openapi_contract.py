"""The OpenAPI document tells the truth: a bounded, deterministic schemathesis run through the ASGI
app (its own lifespan and database pool) fails on any 5xx, any status the document does not list
for the operation, and any answer that does not fit the documented schema (422s included).

A few hundred cases in all: every operation, generated valid (with working credentials, so the
calls get past authentication) and invalid (schemathesis' negative mode), with a fixed seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from awooop.app import create_app
from awooop.config import Settings
from awooop.core.db import Database
from awooop.openapi import FOREIGN_PREFIXES
from tests.factories import Factory
from tests.fakes.events import alert, ingest, load_playbooks

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_MODE = 5  # x (29 valid + 26 invalid strategies): 275 calls


@pytest.fixture
def contract_app(settings: Settings) -> Iterator[FastAPI]:
    """An app that opens its own database pool in schemathesis' event loop (no shared ``db``)."""
    # Invalid cases present wrong keys by the dozen: throttling them would turn the valid cases of
    # later operations into 429s (tests/api/test_guard.py covers the throttle).
    app = create_app(settings.model_copy(update={"auth_max_failures": 0}))
    yield app
    asgi.shutdown_lifespans()


async def _credentials(factory: Factory, db: Database) -> dict[str, str]:
    project = await factory.project("acme")
    await load_playbooks(db, "acme")
    await ingest(db, "acme", [alert("acme", alertname="GatedLatency", fingerprint="g"), alert("acme")])
    return {
        "operator": await factory.key(role="admin"),
        "agent": await factory.key(role="agent", operator_id="k8s-remediator"),
        "token": project.intake_token,
    }


def _fixed(operation: Any, keys: dict[str, str]) -> dict[str, Any]:
    """Working credentials for the operation, so generated calls get past authentication."""
    path: str = operation.path
    if path.startswith("/api/v1/hub/"):
        return {"path_parameters": {"project_id": "acme"}, "query": {"token": keys["token"]}}
    if path.startswith("/api/v1/agents/"):
        return {"headers": {"x-awooop-agent-key": keys["agent"]}}
    return {"headers": {"x-awooop-operator-key": keys["operator"]}}


def _can_be_invalid(operation: Any) -> bool:
    """Only a body or a query parameter can be made invalid (headers and path ids take any string)."""
    return len(operation.body) > 0 or len(operation.query) > 0


async def test_every_answer_is_documented_and_none_is_a_server_error(
    contract_app: FastAPI, factory: Factory, clean_db: Database
) -> None:
    keys = await _credentials(factory, clean_db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", contract_app)
    # The Opsgenie- and Alertmanager-compatible surfaces speak those APIs' shapes; their own suites
    # hold them to those (tests/monitors/test_opsgenie_api.py, tests/silences with the real amtool).
    operations = [
        operation
        for operation in (result.ok() for result in schema.get_all_operations())
        if not operation.path.startswith(FOREIGN_PREFIXES)
    ]
    assert len(operations) >= 29
    strategies = []
    for operation in operations:
        fixed = _fixed(operation, keys)
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, **fixed))
        if _can_be_invalid(operation):
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    calls: list[tuple[str, int]] = []
    failures: list[str] = []

    @seed(20261201)
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_MODE,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(strategy: Any, data: st.DataObject) -> None:
        case = data.draw(strategy)
        try:
            response = case.call_and_validate(checks=CHECKS)
        except Exception as exc:  # the check's report names the operation, status and mismatch
            failures.append(f"{case.method} {case.formatted_path}: {exc}"[:2000])
            return
        calls.append((f"{case.method} {case.operation.path}", response.status_code))

    for strategy in strategies:
        run(strategy)
    assert failures == []
    assert len(calls) >= 200
    # The run reached past authentication: successes and domain errors, not only 401/422.
    statuses = {status for _, status in calls}
    assert {200, 401, 404, 422} <= statuses, sorted(statuses)
