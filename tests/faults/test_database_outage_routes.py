"""While the database is away every API and agent route answers 503 with Retry-After and the error
tree's JSON, the console shows a "database unreachable, retrying" page, /metrics answers 503; once
it is back the same process serves again (no restart)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from awooop.app import create_app
from awooop.config import Settings
from awooop.core.db import Database
from awooop.operators.auth import SESSION_COOKIE, open_console_session
from tests.factories import Factory
from tests.faults.conftest import Fragile

WHOAMI = "/api/v1/platform/whoami"
PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
PARAM_VALUES = {"project_id": "acme", "agent_id": "robot", "provider": "generic"}


@asynccontextmanager
async def running(settings: Settings, url: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Database]]:
    database = Database.connect(url, pool_size=2)
    app = create_app(settings.model_copy(update={"database_url": url}), db=database)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield app, client, database
    finally:
        await database.dispose()


def api_calls(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every API and agent route, path parameters filled with plausible values."""
    calls = []
    for route in iter_route_contexts(app.routes):
        if not (route.path or "").startswith("/api/"):
            continue
        path = PARAM.sub(lambda m: PARAM_VALUES.get(m.group(1), str(uuid.uuid4())), route.path or "")
        calls.extend((method, path) for method in sorted(route.methods or ()) if method != "HEAD")
    return calls


async def test_every_route_degrades_to_503_and_recovers(fragile: Fragile, settings: Settings, backend: str) -> None:
    async with running(settings, fragile.url) as (app, client, database):
        factory = Factory(database)
        project = await factory.project("acme")
        admin = await factory.key(role="admin")
        cookie, _, _ = await open_console_session(database, admin, 600)
        client.cookies.set(SESSION_COOKIE, cookie)
        headers = {
            "X-AwoooP-Operator-Key": admin,
            "X-AwoooP-Agent-Key": admin,
            "Authorization": f"Bearer {project.intake_token}",
        }
        assert (await client.get(WHOAMI, headers=headers)).status_code == 200
        calls = api_calls(app)
        assert len(calls) >= 25  # the whole API, not a sample

        def credentials(path: str) -> tuple[dict[str, str], dict[str, str]]:
            """Headers and query of a caller that would get past authentication: the compatibility
            surfaces take their clients' forms (GenieKey as ?apiKey=, an operator key as Bearer)."""
            if path.startswith("/api/v1/opsgenie/"):
                key = project.intake_token if path.endswith("/ping") else admin
                return {}, {"apiKey": key}
            if path.startswith("/api/v1/alertmanager/"):
                return {"Authorization": f"Bearer {admin}"}, {}
            return headers, {}

        async with fragile.unavailable(database):
            answers = {}
            for method, path in calls:
                call_headers, query = credentials(path)
                answers[(method, path)] = await client.request(
                    method, path, headers=call_headers, params=query, json={}
                )
            metrics = await client.get("/metrics")
            pages = {
                lang: await client.get("/console/", headers={"Accept-Language": lang}) for lang in ("en", "zh-Hant")
            }

        refused = {
            call: (r.status_code, r.headers.get("retry-after"), r.headers.get("content-type"), r.json().get("code"))
            for call, r in answers.items()
        }
        expected = (503, "1", "application/json", "service_unavailable")
        assert {call: got for call, got in refused.items() if got != expected} == {}, backend
        assert metrics.status_code == 503
        assert metrics.headers["retry-after"] == "1"
        for lang, title in (("en", "Database unreachable, retrying"), ("zh-Hant", "無法連線到資料庫，正在重試")):
            page = pages[lang]
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert page.headers["retry-after"] == "1"
            assert title in page.text
            assert '<meta http-equiv="refresh" content="5">' in page.text

        # Back: the same process answers again, without a restart.
        assert (await client.get(WHOAMI, headers=headers)).status_code == 200
        assert (await client.get("/api/v1/platform/events/recent", headers=headers)).status_code == 200
        assert (await client.get("/metrics")).status_code == 200
        page = await client.get("/console/")
        assert page.status_code == 200
