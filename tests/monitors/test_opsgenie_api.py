"""The Opsgenie-compatible Heartbeat API answers every call in Opsgenie's documented shapes:
``{"data": …, "took": <number>, "requestId": <uuid>}``, ``{"result": …, …}`` and errors as
``{"message": …, "took": …, "requestId": …}``; the GenieKey picks the project."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx

from awooop.core.db import Database
from awooop.monitors.evaluator import evaluate_once
from tests.factories import Factory
from tests.monitors.helpers import Clock, incidents_of

OG = "/api/v1/opsgenie/v2/heartbeats"
INFO_KEYS = {"name", "enabled", "expired"}
FULL_KEYS = {
    "name",
    "description",
    "interval",
    "intervalUnit",
    "enabled",
    "expired",
    "ownerTeam",
    "alertMessage",
    "alertTags",
    "alertPriority",
}


def genie(key: str) -> dict[str, str]:
    return {"Authorization": f"GenieKey {key}"}


def _envelope(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert isinstance(body.pop("took"), int | float)
    uuid.UUID(body.pop("requestId"))
    return body


async def _keys(factory: Factory) -> tuple[str, str]:
    token = (await factory.project("acme")).intake_token
    await factory.project("other")
    operator = await factory.key(projects_spec="acme")
    return token, operator


CREATE = {
    "name": "HeartbeatName",
    "description": "An intent of the heartbeat",
    "interval": 10,
    "intervalUnit": "minutes",
    "enabled": True,
    "ownerTeam": {"name": "ops_team"},
    "alertMessage": "Nightly job did not report",
    "alertTags": ["tag1", "tag2"],
    "alertPriority": "P2",
}


async def test_every_heartbeat_call_has_opsgenies_shape(
    client: httpx.AsyncClient, factory: Factory, clock: Clock
) -> None:
    token, operator = await _keys(factory)
    created = _envelope(await client.post(OG, json=CREATE, headers=genie(operator)), 201)
    assert created == {"data": {"name": "HeartbeatName", "enabled": True, "expired": False}}

    got = _envelope(await client.get(f"{OG}/HeartbeatName", headers=genie(operator)), 200)
    assert set(got) == {"data"}
    assert set(got["data"]) >= FULL_KEYS
    assert got["data"]["interval"] == 10
    assert got["data"]["intervalUnit"] == "minutes"
    assert got["data"]["ownerTeam"] == {"name": "ops_team"}
    assert got["data"]["alertTags"] == ["tag1", "tag2"]
    assert got["data"]["alertPriority"] == "P2"
    assert got["data"]["alertMessage"] == "Nightly job did not report"

    listed = _envelope(await client.get(OG, headers=genie(operator)), 200)
    assert [h["name"] for h in listed["data"]["heartbeats"]] == ["HeartbeatName"]
    assert set(listed["data"]["heartbeats"][0]) >= FULL_KEYS

    for method in ("GET", "POST", "PUT", "PATCH"):
        pong = _envelope(await client.request(method, f"{OG}/HeartbeatName/ping", headers=genie(token)), 202)
        assert pong == {"result": "PONG - Heartbeat received"}
    assert "lastPingTime" in _envelope(await client.get(f"{OG}/HeartbeatName", headers=genie(operator)), 200)["data"]

    updated = _envelope(
        await client.patch(
            f"{OG}/HeartbeatName", json={"interval": 2, "intervalUnit": "hours"}, headers=genie(operator)
        ),
        200,
    )
    assert updated == {"data": {"name": "HeartbeatName", "enabled": True, "expired": False}}
    got = _envelope(await client.get(f"{OG}/HeartbeatName", headers=genie(operator)), 200)
    assert (got["data"]["interval"], got["data"]["intervalUnit"]) == (2, "hours")

    disabled = _envelope(await client.post(f"{OG}/HeartbeatName/disable", headers=genie(operator)), 200)
    assert disabled == {"data": {"name": "HeartbeatName", "enabled": False, "expired": False}}
    enabled = _envelope(await client.post(f"{OG}/HeartbeatName/enable", headers=genie(operator)), 200)
    assert enabled == {"data": {"name": "HeartbeatName", "enabled": True, "expired": False}}

    deleted = _envelope(await client.delete(f"{OG}/HeartbeatName", headers=genie(operator)), 200)
    assert deleted == {"result": "Deleted"}
    assert _envelope(await client.get(OG, headers=genie(operator)), 200) == {"data": {"heartbeats": []}}


async def test_errors_have_opsgenies_shape(client: httpx.AsyncClient, factory: Factory, clock: Clock) -> None:
    token, operator = await _keys(factory)
    missing = _envelope(await client.get(f"{OG}/nope", headers=genie(operator)), 404)
    assert set(missing) == {"message"}
    assert _envelope(await client.post(OG, json=CREATE, headers=genie(operator)), 201)
    conflict = _envelope(await client.post(OG, json=CREATE, headers=genie(operator)), 409)
    assert set(conflict) == {"message"}
    invalid = _envelope(await client.post(OG, json={"name": "x", "interval": 0}, headers=genie(operator)), 422)
    assert set(invalid) == {"message", "errors"}
    assert "interval" in invalid["errors"]
    unit = _envelope(
        await client.post(OG, json={**CREATE, "name": "y", "intervalUnit": "weeks"}, headers=genie(operator)), 422
    )
    assert "intervalUnit" in unit["errors"]
    not_json = _envelope(await client.post(OG, content=b"{nope", headers=genie(operator)), 400)
    assert set(not_json) == {"message"}
    assert set(_envelope(await client.get(OG), 401)) == {"message"}
    assert set(_envelope(await client.get(OG, headers=genie("wrong-key")), 401)) == {"message"}
    # The intake token pings but does not manage.
    assert set(_envelope(await client.get(OG, headers=genie(token)), 403)) == {"message"}
    assert set(_envelope(await client.delete(f"{OG}/HeartbeatName", headers=genie(token)), 403)) == {"message"}
    assert _envelope(await client.get(f"{OG}/HeartbeatName", headers=genie(operator)), 200)


async def test_a_ping_of_an_unknown_heartbeat_answers_pong_like_opsgenie(
    client: httpx.AsyncClient, factory: Factory, clock: Clock
) -> None:
    token, operator = await _keys(factory)
    answer = _envelope(await client.post(f"{OG}/never-created/ping", headers=genie(token)), 202)
    assert answer == {"result": "PONG - Heartbeat received"}
    assert _envelope(await client.get(OG, headers=genie(operator)), 200) == {"data": {"heartbeats": []}}
    # ?apiKey= and `Authorization: basic base64(key)` work as on Opsgenie.
    assert _envelope(await client.get(f"{OG}/never-created/ping", params={"apiKey": token}), 202)
    basic = {"Authorization": "basic " + base64.b64encode(token.encode()).decode()}
    assert _envelope(await client.get(f"{OG}/never-created/ping", headers=basic), 202)
    _envelope(await client.get(f"{OG}/never-created/ping", headers={"Authorization": "basic !!"}), 401)


async def test_the_key_chooses_the_project(client: httpx.AsyncClient, factory: Factory, clock: Clock) -> None:
    token, operator = await _keys(factory)
    everywhere = await factory.key(projects_spec="*")
    # A key for several projects must name one; one for a single project needs nothing.
    assert "project" in _envelope(await client.post(OG, json=CREATE, headers=genie(everywhere)), 422)["errors"]
    _envelope(await client.post(OG, json=CREATE, params={"project": "other"}, headers=genie(everywhere)), 201)
    assert _envelope(await client.get(OG, headers=genie(operator)), 200) == {"data": {"heartbeats": []}}
    listed = _envelope(await client.get(OG, params={"project": "other"}, headers=genie(everywhere)), 200)
    assert [h["name"] for h in listed["data"]["heartbeats"]] == ["HeartbeatName"]
    # A key scoped to acme cannot name another project; an intake token cannot either.
    _envelope(await client.get(OG, params={"project": "other"}, headers=genie(operator)), 403)
    _envelope(await client.post(f"{OG}/HeartbeatName/ping", params={"project": "other"}, headers=genie(token)), 403)


async def test_an_opsgenie_heartbeat_expires_after_its_interval_and_recovers(
    client: httpx.AsyncClient, factory: Factory, clock: Clock, clean_db: Database
) -> None:
    token, operator = await _keys(factory)
    _envelope(await client.post(OG, json={**CREATE, "interval": 1}, headers=genie(operator)), 201)
    _envelope(await client.get(f"{OG}/HeartbeatName/ping", headers=genie(token)), 202)
    clock.advance(61)  # Opsgenie has no grace: one minute and a second
    assert await evaluate_once(clean_db) == 1
    got = _envelope(await client.get(f"{OG}/HeartbeatName", headers=genie(operator)), 200)
    assert got["data"]["expired"] is True
    [incident] = await incidents_of(clean_db, "hb:acme:HeartbeatName")
    assert "Nightly job did not report" in incident.title
    _envelope(await client.post(f"{OG}/HeartbeatName/ping", headers=genie(token)), 202)
    got = _envelope(await client.get(f"{OG}/HeartbeatName", headers=genie(operator)), 200)
    assert got["data"]["expired"] is False
    assert [i.status for i in await incidents_of(clean_db, "hb:acme:HeartbeatName")] == ["resolved"]
