"""Slow and abusive clients through the real app: failed-credential throttling (429 + Retry-After)
on operator and agent keys, console sign-in and intake tokens, sampled rejection rows, the
body-read timeout (408) and X-Forwarded-For from trusted proxies only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from awooop.app import create_app
from awooop.config import Settings
from awooop.core.db import Database
from awooop.models import IntakeRejection
from tests.console.console_data import csrf_from
from tests.factories import Factory

WHOAMI = "/api/v1/platform/whoami"
AM = "/api/v1/hub/acme/alertmanager"
LIMIT = 3


@pytest.fixture
async def guarded(settings: Settings, clean_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a small failure limit; the test client's peer (127.0.0.1) is a trusted proxy,
    so X-Forwarded-For stands for the caller's address."""
    tuned = settings.model_copy(
        update={"auth_max_failures": LIMIT, "trusted_proxies": ["127.0.0.1"], "body_read_timeout_seconds": 0.3}
    )
    app: FastAPI = create_app(tuned, db=clean_db)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def _from(address: str, **headers: str) -> dict[str, str]:
    return {"X-Forwarded-For": address, **headers}


def _wrong(key: str) -> str:
    """The same key id with another secret."""
    prefix, key_id, _secret = key.split("_", 2)
    return f"{prefix}_{key_id}_{'x' * 43}"


async def test_wrong_keys_from_one_address_get_429_while_the_owner_elsewhere_gets_in(
    guarded: httpx.AsyncClient, factory: Factory
) -> None:
    key = await factory.key()
    for _ in range(LIMIT):
        wrong = await guarded.get(WHOAMI, headers=_from("203.0.113.5", **{"X-AwoooP-Operator-Key": _wrong(key)}))
        assert wrong.status_code == 401
    refused = await guarded.get(WHOAMI, headers=_from("203.0.113.5", **{"X-AwoooP-Operator-Key": key}))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["code"] == "too_many_failures"
    owner = await guarded.get(WHOAMI, headers=_from("198.51.100.8", **{"X-AwoooP-Operator-Key": key}))
    assert owner.status_code == 200
    bearer = await guarded.get(WHOAMI, headers=_from("198.51.100.8", Authorization=f"Bearer {key}"))
    assert bearer.status_code == 200


async def test_a_key_guessed_from_many_addresses_gets_one_try_per_address(
    guarded: httpx.AsyncClient, factory: Factory
) -> None:
    agent = await factory.key(role="agent", operator_id="k8s-remediator")
    claim = "/api/v1/agents/k8s-remediator/claim"
    for n in range(LIMIT):
        wrong = await guarded.post(claim, headers=_from(f"203.0.113.{n}", **{"X-AwoooP-Agent-Key": _wrong(agent)}))
        assert wrong.status_code == 401
    again = await guarded.post(claim, headers=_from("203.0.113.0", **{"X-AwoooP-Agent-Key": _wrong(agent)}))
    assert again.status_code == 429
    # Another key from the same address is checked as usual; the agent itself still claims.
    other = await guarded.post(
        claim, headers=_from("203.0.113.0", **{"X-AwoooP-Agent-Key": "awk_0123456789ab_" + "y" * 43})
    )
    assert other.status_code == 401
    owner = await guarded.post(claim, headers=_from("192.0.2.10", **{"X-AwoooP-Agent-Key": agent}))
    assert owner.status_code == 204


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(
    settings: Settings, clean_db: Database, factory: Factory
) -> None:
    app = create_app(settings.model_copy(update={"auth_max_failures": LIMIT}), db=clean_db)
    key = await factory.key()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for n in range(LIMIT):  # a new "address" each time, but the peer is what counts
                headers = _from(f"203.0.113.{n}", **{"X-AwoooP-Operator-Key": _wrong(key)})
                assert (await http.get(WHOAMI, headers=headers)).status_code == 401
            spoofed = await http.get(WHOAMI, headers=_from("198.51.100.8", **{"X-AwoooP-Operator-Key": key}))
    assert spoofed.status_code == 429


async def test_console_sign_in_is_throttled_with_a_page(guarded: httpx.AsyncClient, factory: Factory) -> None:
    key = await factory.key()

    async def sign_in(presented: str, address: str) -> httpx.Response:
        form = await guarded.get("/console/login", headers=_from(address))
        data = {"key": presented, "csrf_token": csrf_from(form.text), "next": "/console"}
        return await guarded.post("/console/login", data=data, headers=_from(address))

    for _ in range(LIMIT):
        assert (await sign_in(_wrong(key), "203.0.113.5")).status_code == 401
    throttled = await sign_in(key, "203.0.113.5")
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in throttled.text
    elsewhere = await sign_in(key, "198.51.100.8")
    assert elsewhere.status_code == 303


def _alert() -> dict[str, object]:
    labels = {"alertname": "DiskFull", "severity": "warning"}
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {"summary": "disk full"},
        "startsAt": "2026-08-20T09:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": "f1",
    }
    return {"receiver": "awooop", "status": "firing", "alerts": [alert], "version": "4"}


async def _rejections(db: Database) -> list[IntakeRejection]:
    async with db.reader() as session:
        return list((await session.scalars(select(IntakeRejection))).all())


async def test_a_flood_of_wrong_intake_tokens_is_throttled_and_keeps_few_rows(
    guarded: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    token = (await factory.project("acme")).intake_token
    statuses = []
    for _ in range(30):
        response = await guarded.post(AM, json=_alert(), headers=_from("203.0.113.5", Authorization="Bearer wrong"))
        statuses.append(response.status_code)
    assert statuses == [401] * LIMIT + [429] * (30 - LIMIT)
    rows = await _rejections(clean_db)
    assert sorted(r.status_code for r in rows) == [401] * LIMIT + [429]
    accepted = await guarded.post(AM, json=_alert(), headers=_from("198.51.100.8", Authorization=f"Bearer {token}"))
    assert accepted.status_code == 202
    still = await guarded.post(AM, json=_alert(), headers=_from("203.0.113.5", Authorization=f"Bearer {token}"))
    assert still.status_code == 429
    assert int(still.headers["Retry-After"]) >= 1


async def test_a_body_dribbled_too_slowly_is_refused_with_408(
    guarded: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    token = (await factory.project("acme")).intake_token

    async def dribble() -> AsyncIterator[bytes]:
        yield b'{"receiver": '
        await asyncio.sleep(30)  # a stalled sender; the app gives up long before
        yield b'"awooop"}'

    response = await guarded.post(AM, content=dribble(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 408
    assert response.json()["code"] == "request_timeout"
    assert response.headers["Connection"] == "close"
    (rejection,) = await _rejections(clean_db)
    assert (rejection.reason, rejection.status_code) == ("body_timeout", 408)
