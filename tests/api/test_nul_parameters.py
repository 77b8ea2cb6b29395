"""A NUL character in any operator, agent or console parameter is a 422 naming it, never a 500.

PostgreSQL text cannot hold NUL, so before the guard these answered 500 there (and on SQLite
they were silently stored or matched nothing)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.console.console_data import gated_run, login, signed_in_csrf, tenant
from tests.factories import Factory

PLATFORM = "/api/v1/platform"
AGENTS = "/api/v1/agents"
NUL = "a\x00b"

QUERY_AND_PATH = [
    ("GET", f"{PLATFORM}/runs", {"params": {"agent_id": NUL}}, "query.agent_id"),
    ("GET", f"{PLATFORM}/runs", {"params": {"recurrence_key": NUL}}, "query.recurrence_key"),
    ("GET", f"{PLATFORM}/incidents", {"params": {"recurrence_key": NUL}}, "query.recurrence_key"),
    ("GET", f"{PLATFORM}/incidents/INC-%00", {}, "path.incident_id"),
    ("GET", f"{PLATFORM}/events/dossier", {"params": {"provider_event_id": NUL}}, "query.provider_event_id"),
    (
        "GET",
        f"{PLATFORM}/events/dossier/recurrence/work-item/history",
        {"params": {"work_item_id": NUL}},
        "query.work_item_id",
    ),
    ("GET", f"{PLATFORM}/playbooks/%00", {}, "path.project_id"),
    ("POST", f"{AGENTS}/%00/claim", {}, "path.agent_id"),
]


@pytest.mark.parametrize("case", QUERY_AND_PATH, ids=[f"{c[0]} {c[3]}" for c in QUERY_AND_PATH])
async def test_nul_in_a_parameter_is_named(
    client: httpx.AsyncClient, factory: Factory, case: tuple[str, str, dict[str, Any], str]
) -> None:
    method, url, request_kwargs, field = case
    admin = await factory.key(role="admin")
    headers = {"X-AwoooP-Agent-Key" if url.startswith(AGENTS) else "X-AwoooP-Operator-Key": admin}
    response = await client.request(method, url, headers=headers, **request_kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}: must not contain NUL")


async def test_nul_in_a_run_note_is_refused_and_the_run_unchanged(client: httpx.AsyncClient, factory: Factory) -> None:
    acme = await tenant(factory, "acme")
    run_id = await gated_run(client, factory, acme)
    admin = await factory.key(role="admin")
    operator = {"X-AwoooP-Operator-Key": admin}
    refused = await client.post(f"{PLATFORM}/runs/{run_id}/approve", json={"note": NUL}, headers=operator)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith("body.note: ")
    report = await client.post(
        f"{AGENTS}/runs/{run_id}/report",
        json={"state": "failed", "note": NUL},
        headers={"X-AwoooP-Agent-Key": admin},
    )
    assert report.status_code == 422, report.text
    assert report.json()["detail"].startswith("body.note: ")

    await login(client, await factory.key(projects_spec="acme"))
    csrf = await signed_in_csrf(client)
    console = await client.post(
        f"/console/runs/{run_id}/approve", data={"note": NUL}, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert console.status_code == 400  # the console renders validation errors as a 400 toast
    assert "must not contain NUL" in console.text
    run = await client.get(f"{PLATFORM}/runs/{run_id}", headers=operator)
    assert run.json()["state"] == "awaiting_approval"
