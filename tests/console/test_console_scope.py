"""A key scoped to project A never sees project B on any console page, and cannot act on it."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from awooop.core.db import Database
from awooop.models import ChannelEvent, Run
from tests.console.console_data import am_alert, gated_run, login, signed_in_csrf, tenant
from tests.factories import Factory

SECRET_ALERT = "BetaOnlyDatabaseMeltdown"


async def _two_tenants(client: httpx.AsyncClient, factory: Factory) -> None:
    alpha = await tenant(factory, "alpha")
    beta = await tenant(factory, "beta")
    await alpha.send(client, am_alert("AlphaLatency", fingerprint="a1", starts_at="2026-08-20T09:01:00Z"))
    await alpha.send(client, am_alert("AlphaLatency", fingerprint="a1", starts_at="2026-08-20T09:02:00Z"))
    await gated_run(client, factory, beta)
    for minute in (1, 2, 3):
        await beta.send(client, am_alert(SECRET_ALERT, fingerprint="b1", starts_at=f"2026-08-20T09:0{minute}:00Z"))


async def test_scoped_key_sees_only_its_project_everywhere(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    await _two_tenants(client, factory)
    await login(client, await factory.key(projects_spec="alpha"))
    for path in ("/console", "/console/runs", "/console/recurrence", "/console/events", "/console/events?limit=100"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert SECRET_ALERT not in page.text, path
        assert "KubePodCrashLooping" not in page.text, path
        assert ">beta<" not in page.text, path  # not even in the project picker
    assert "AlphaLatency" in (await client.get("/console/events")).text

    async with clean_db.reader() as session:
        beta_event = (await session.scalars(select(ChannelEvent.id).where(ChannelEvent.project_id == "beta"))).first()
        beta_run = (await session.scalars(select(Run.id).where(Run.project_id == "beta"))).first()
    assert beta_event is not None
    assert beta_run is not None
    assert (await client.get(f"/console/events/{beta_event}", headers={"HX-Request": "true"})).status_code == 404
    assert (await client.get(f"/console/runs/{beta_run}")).status_code == 404
    assert (await client.get("/console/events", params={"project": "beta"})).status_code == 403
    assert (await client.get("/console/runs", params={"project": "beta"})).status_code == 403

    csrf = await signed_in_csrf(client)
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    approve = await client.post(f"/console/runs/{beta_run}/approve", headers=headers)
    assert approve.status_code == 404
    heartbeat = await client.post(
        "/console/overview/heartbeat", data={"project_id": "beta", "provider": "alertmanager"}, headers=headers
    )
    assert heartbeat.status_code == 403


async def test_scoped_key_cannot_open_another_projects_work_item(client: httpx.AsyncClient, factory: Factory) -> None:
    await _two_tenants(client, factory)
    await login(client, await factory.key(projects_spec="*"))
    page = await client.get("/console/recurrence", params={"project": "beta"})
    beta_items = re.findall(r'data-testid="wi-(wi_[0-9a-f]{16})"', page.text)
    assert beta_items
    client.cookies.clear()
    await login(client, await factory.key(projects_spec="alpha"))
    csrf = await signed_in_csrf(client)
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    for work_item in beta_items:
        panel = await client.get(f"/console/recurrence/work-items/{work_item}", headers=headers)
        assert panel.status_code == 404
        dry = await client.post(f"/console/recurrence/work-items/{work_item}/dry-run", headers=headers)
        assert dry.status_code == 404
        assert SECRET_ALERT not in dry.text
