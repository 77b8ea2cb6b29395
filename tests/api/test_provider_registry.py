"""A provider registered as one module gets its intake route, its source authentication and its
OpenAPI entry with no other change; once unregistered it leaves no trace in a new app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from awooop.app import create_app
from awooop.config import Settings
from awooop.core.db import Database
from awooop.hub.providers import ProviderSpec
from awooop.models import ChannelEvent
from awooop.operators import projects
from tests.unit.providers import uptime_provider

TOKEN = "ait_test-token-4d1f"
UPTIME = "/api/v1/hub/acme/uptime"
CHECK = {"monitor": "checkout", "status": "down", "checked_at": "2026-08-20T10:00:00Z"}


@pytest.fixture
def uptime(request: pytest.FixtureRequest) -> Iterator[ProviderSpec]:
    changes: dict[str, Any] = getattr(request, "param", {})
    with uptime_provider.registered(**changes) as spec:
        yield spec


@pytest.fixture
async def uptime_client(
    uptime: ProviderSpec, settings: Settings, clean_db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built while the uptime provider is registered."""
    async with clean_db.transaction() as session:
        await projects.create_project(session, "acme", intake_token=TOKEN)
    application = create_app(settings, db=clean_db)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_registered_provider_has_an_intake_route(uptime_client: httpx.AsyncClient, clean_db: Database) -> None:
    response = await uptime_client.post(UPTIME, json=CHECK, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 202, response.text
    [accepted] = response.json()["events"]
    assert accepted["provider_event_id"] == "checkout@2026-08-20T10:00:00Z"
    async with clean_db.reader() as session:
        [row] = (await session.scalars(select(ChannelEvent))).all()
    assert (row.provider, row.stage, row.target_resource) == ("uptime", "firing", "checkout")


async def test_registered_provider_is_authenticated_by_its_scheme(uptime_client: httpx.AsyncClient) -> None:
    missing = await uptime_client.post(UPTIME, json=CHECK)
    wrong = await uptime_client.post(UPTIME, json=CHECK, headers={"Authorization": "Bearer ait_wrong"})
    assert (missing.status_code, missing.json()["reason"]) == (401, "missing_credentials")
    assert (wrong.status_code, wrong.json()["reason"]) == (401, "bad_credentials")


@pytest.mark.parametrize("uptime", [{"auth": "telegram_secret"}], indirect=True)
async def test_the_spec_chooses_the_authentication(uptime_client: httpx.AsyncClient) -> None:
    """The same module with another scheme: the intake token no longer proves the sender."""
    response = await uptime_client.post(UPTIME, json=CHECK, headers={"Authorization": f"Bearer {TOKEN}"})
    assert (response.status_code, response.json()["reason"]) == (401, "telegram_secret_not_configured")


async def test_registered_provider_is_documented(uptime_client: httpx.AsyncClient, uptime: ProviderSpec) -> None:
    document = (await uptime_client.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/hub/{project_id}/uptime"]["post"]
    assert (operation["summary"], operation["description"]) == (uptime.summary, uptime.description)
    assert set(operation["responses"]) >= {"202", "401", "422"}


@pytest.mark.parametrize("uptime", [{"methods": ("POST", "PUT")}], indirect=True)
async def test_each_method_of_the_spec_is_a_route(uptime_client: httpx.AsyncClient, uptime: ProviderSpec) -> None:
    document = (await uptime_client.get("/openapi.json")).json()
    put = document["paths"]["/api/v1/hub/{project_id}/uptime"]["put"]
    assert put["summary"] == f"{uptime.summary} (PUT)"
    response = await uptime_client.put(UPTIME, json=CHECK, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 202


async def test_an_unregistered_provider_leaves_no_route(client: httpx.AsyncClient, clean_db: Database) -> None:
    async with clean_db.transaction() as session:
        await projects.create_project(session, "acme", intake_token=TOKEN)
    response = await client.post(UPTIME, json=CHECK, headers={"Authorization": f"Bearer {TOKEN}"})
    assert (response.status_code, response.json()["reason"]) == (404, "unknown_provider")
    document = (await client.get("/openapi.json")).json()
    assert "/api/v1/hub/{project_id}/uptime" not in document["paths"]
