"""Every unsafe console route refuses a signed-in browser that sends no CSRF token (or a wrong one).

The routes come from the app, so a new POST route under /console is covered the day it is added."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.console.console_data import login, signed_in_csrf
from tests.factories import Factory

# Signing in has its own double-submit token (there is no session yet); tested in test_console_auth.
# The catch-all only renders the console's 404 page; it acts on nothing.
NOT_ACTIONS = {"/console/login", "/console/{path:path}"}
PLACEHOLDER = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def unsafe_console_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not path.startswith("/console") or path in NOT_ACTIONS:
            continue
        found |= {(m, path) for m in route.methods or () if m not in {"GET", "HEAD", "OPTIONS"}}
    return sorted(found)


def concrete(path: str) -> str:
    """Fill path parameters with well-formed values: CSRF must be refused before any lookup."""
    return PLACEHOLDER.sub(lambda m: str(uuid.uuid4()) if "id" in m.group(1) else "x", path)


async def test_every_unsafe_console_route_requires_the_session_csrf_token(
    app: FastAPI, client: httpx.AsyncClient, factory: Factory
) -> None:
    routes = unsafe_console_routes(app)
    assert routes, "the console has unsafe routes (approve, dry-run, heartbeat, logout …)"
    await login(client, await factory.key())
    good = await signed_in_csrf(client)
    for method, path in routes:
        url = concrete(path)
        missing = await client.request(method, url, data={"note": "x"})
        assert missing.status_code == 403, (method, path, missing.status_code)
        wrong = await client.request(method, url, data={"csrf_token": good[:-2] + "zz"})
        assert wrong.status_code == 403, (method, path, wrong.status_code)
    # The same session with its token is not refused for CSRF (sign-out works, for instance).
    logout = next(p for _, p in routes if p.endswith("/logout"))
    ok = await client.post(logout, data={"csrf_token": good})
    assert ok.status_code != 403
