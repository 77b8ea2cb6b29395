"""GET /api/v1/platform/events/recent: newest first, filters, limits and project scope."""

from __future__ import annotations

import httpx
import pytest

from awooop.core.db import Database
from tests.api.dossier_data import am_alert, am_body, generic_body, minutes_ago, record, telegram_body
from tests.factories import Factory

RECENT = "/api/v1/platform/events/recent"


async def _two_projects(factory: Factory, db: Database) -> None:
    await factory.project("acme")
    await factory.project("beta")
    await record(db, "acme", "alertmanager", am_body(am_alert("A1", fingerprint="f1")), received_at=minutes_ago(30))
    await record(db, "acme", "telegram", telegram_body(101), received_at=minutes_ago(20))
    await record(db, "beta", "generic", generic_body("beta-1"), received_at=minutes_ago(10))
    await record(db, "acme", "generic", generic_body("alert-group:42"), received_at=minutes_ago(5))


async def test_recent_lists_newest_first_with_seed_fields(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _two_projects(factory, clean_db)
    response = await client.get(RECENT, headers=await factory.operator_headers())
    assert response.status_code == 200
    body = response.json()
    assert [e["provider_event_id"] for e in body["events"]] == [
        "alert-group:42",
        "beta-1",
        "update:101",
        "f1:2026-08-20T09:41:07Z:firing",
    ]
    assert body["total"] == 4
    assert body["limit"] == 20
    chat = body["events"][2]
    assert set(chat) == {
        "event_id",
        "project_id",
        "channel_type",
        "provider_event_id",
        "channel_chat_id",
        "content_preview",
        "is_duplicate",
        "received_at",
    }
    assert chat["channel_type"] == "chat"
    assert chat["channel_chat_id"] == "-1001"
    assert chat["content_preview"].startswith("[message]")


async def test_recent_filters_by_channel_type_and_project(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _two_projects(factory, clean_db)
    headers = await factory.operator_headers()
    chat = (await client.get(RECENT, params={"channel_type": "chat"}, headers=headers)).json()
    assert [e["provider_event_id"] for e in chat["events"]] == ["update:101"]
    acme_alerts = (
        await client.get(RECENT, params={"project_id": "acme", "channel_type": "alert"}, headers=headers)
    ).json()
    assert [e["provider_event_id"] for e in acme_alerts["events"]] == [
        "alert-group:42",
        "f1:2026-08-20T09:41:07Z:firing",
    ]


async def test_recent_unknown_channel_type_is_422_naming_the_choices(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    response = await client.get(RECENT, params={"channel_type": "email"}, headers=await factory.operator_headers())
    assert response.status_code == 422
    assert "channel_type" in response.json()["detail"]
    assert "alert, chat" in response.json()["detail"]


async def test_provider_prefix_matches_the_start_of_provider_event_id(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _two_projects(factory, clean_db)
    headers = await factory.operator_headers()
    for params in ({"provider_prefix": "alert-group:"}, {"provider_prefix": "alert-group:", "project_id": "acme"}):
        body = (await client.get(RECENT, params=params, headers=headers)).json()
        assert [e["provider_event_id"] for e in body["events"]] == ["alert-group:42"], params
    none = (await client.get(RECENT, params={"provider_prefix": "group:"}, headers=headers)).json()
    assert none["events"] == []


async def test_provider_prefix_wildcards_are_literal(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await factory.project("acme")
    for index, event_id in enumerate(("50%_off", "50x_off", "50%xoff", "ABC-1", "abc-2")):
        await record(clean_db, "acme", "generic", generic_body(event_id), received_at=minutes_ago(10 - index))
    headers = await factory.operator_headers()

    async def matching(prefix: str) -> list[str]:
        body = (await client.get(RECENT, params={"provider_prefix": prefix}, headers=headers)).json()
        return sorted(e["provider_event_id"] for e in body["events"])

    assert await matching("50%") == ["50%_off", "50%xoff"]
    assert await matching("50%_") == ["50%_off"]
    assert await matching("50_") == []
    assert await matching("abc") == ["abc-2"]  # case-sensitive, on SQLite as on PostgreSQL
    assert await matching("\\") == []


async def test_recent_limit_bounds(client: httpx.AsyncClient, factory: Factory, clean_db: Database) -> None:
    await factory.project("acme")
    for index in range(3):
        await record(clean_db, "acme", "generic", generic_body(f"e{index}"), received_at=minutes_ago(10 - index))
    headers = await factory.operator_headers()
    body = (await client.get(RECENT, params={"limit": 2}, headers=headers)).json()
    assert [e["provider_event_id"] for e in body["events"]] == ["e2", "e1"]
    assert (body["total"], body["limit"]) == (2, 2)
    assert (await client.get(RECENT, params={"limit": 100}, headers=headers)).status_code == 200
    for bad in (0, 101):
        response = await client.get(RECENT, params={"limit": bad}, headers=headers)
        assert response.status_code == 422, bad
        assert response.json()["detail"].startswith("query.limit")


async def test_scoped_key_sees_only_its_projects(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _two_projects(factory, clean_db)
    acme_only = await factory.operator_headers(projects_spec="acme")
    for params in ({}, {"provider_prefix": "b"}, {"channel_type": "alert"}):
        body = (await client.get(RECENT, params=params, headers=acme_only)).json()
        assert {e["project_id"] for e in body["events"]} <= {"acme"}, params
        assert "beta-1" not in [e["provider_event_id"] for e in body["events"]]
    assert len((await client.get(RECENT, headers=acme_only)).json()["events"]) == 3
    forbidden = await client.get(RECENT, params={"project_id": "beta"}, headers=acme_only)
    assert forbidden.status_code == 403
    assert "beta" in forbidden.json()["detail"]


async def test_key_for_two_projects_merges_them_newest_first(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _two_projects(factory, clean_db)
    await factory.project("gamma")
    await record(clean_db, "gamma", "generic", generic_body("gamma-1"), received_at=minutes_ago(1))
    headers = await factory.operator_headers(projects_spec="acme,beta")
    body = (await client.get(RECENT, params={"limit": 3}, headers=headers)).json()
    assert [e["provider_event_id"] for e in body["events"]] == ["alert-group:42", "beta-1", "update:101"]


@pytest.mark.parametrize("project_id", ["Acme", "acme corp", "-acme"])
async def test_malformed_project_id_is_422(client: httpx.AsyncClient, factory: Factory, project_id: str) -> None:
    response = await client.get(RECENT, params={"project_id": project_id}, headers=await factory.operator_headers())
    assert response.status_code == 422
    assert "project_id" in response.json()["detail"]


async def test_recent_requires_an_operator(client: httpx.AsyncClient) -> None:
    response = await client.get(RECENT)
    assert response.status_code == 401
