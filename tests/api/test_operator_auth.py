"""Operator authentication: every way in, every way refused."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from awooop.core.db import Database
from awooop.models import ApiKey
from awooop.operators import keys, last_use
from tests.factories import Factory

WHOAMI = "/api/v1/platform/whoami"


async def test_whoami_with_operator_key_header(client: httpx.AsyncClient, factory: Factory) -> None:
    key = await factory.key(projects_spec="acme,beta", operator_id="alice")
    response = await client.get(WHOAMI, headers={"X-AwoooP-Operator-Key": key})
    assert response.status_code == 200
    body = response.json()
    assert body["operator_id"] == "alice"
    assert body["auth_method"] == "operator_key"
    assert body["role"] == "operator"
    assert body["projects"] == ["acme", "beta"]


async def test_whoami_with_bearer(client: httpx.AsyncClient, factory: Factory) -> None:
    key = await factory.key(role="admin")
    response = await client.get(WHOAMI, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["auth_method"] == "bearer"
    assert response.json()["role"] == "admin"


async def test_missing_credentials_get_401_naming_the_header(client: httpx.AsyncClient) -> None:
    response = await client.get(WHOAMI)
    assert response.status_code == 401
    assert "X-AwoooP-Operator-Key" in response.json()["detail"]


async def test_wrong_key_gets_401(client: httpx.AsyncClient, factory: Factory) -> None:
    key = await factory.key()
    tampered = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for headers in (
        {"X-AwoooP-Operator-Key": tampered},
        {"X-AwoooP-Operator-Key": "not-a-key"},
        {"Authorization": f"Bearer {tampered}"},
        {"Authorization": f"Basic {key}"},
    ):
        response = await client.get(WHOAMI, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"] == "unauthorized"


async def test_revoked_key_stops_working(client: httpx.AsyncClient, factory: Factory, clean_db: Database) -> None:
    key = await factory.key()
    assert (await client.get(WHOAMI, headers={"X-AwoooP-Operator-Key": key})).status_code == 200
    async with clean_db.transaction() as session:
        await keys.revoke_key(session, key.split("_")[1])
    assert (await client.get(WHOAMI, headers={"X-AwoooP-Operator-Key": key})).status_code == 401


async def test_agent_key_cannot_use_platform_routes(client: httpx.AsyncClient, factory: Factory) -> None:
    key = await factory.key(role="agent", operator_id="robot")
    response = await client.get(WHOAMI, headers={"X-AwoooP-Operator-Key": key})
    assert response.status_code == 403
    assert "agent" in response.json()["detail"]


async def test_keys_are_stored_only_as_hashes(client: httpx.AsyncClient, factory: Factory, clean_db: Database) -> None:
    key = await factory.key()
    secret = key.split("_", 2)[2]
    await client.get(WHOAMI, headers={"X-AwoooP-Operator-Key": key})
    assert await last_use.flush(clean_db) == 1  # the serving process writes noted uses in batches
    async with clean_db.reader() as session:
        row = (await session.scalars(select(ApiKey))).one()
    assert secret not in row.secret_hash
    assert key not in str(row.__dict__)
    assert row.last_used_at is not None
