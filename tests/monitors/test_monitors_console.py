"""The Monitors console page: state, last ping, ping URL with curl and cron lines, pause/resume, both languages."""

from __future__ import annotations

import httpx

from tests.console.console_data import login, signed_in_csrf
from tests.factories import Factory
from tests.monitors.helpers import PLATFORM, Clock, bearer


async def test_monitors_page_shows_ping_instructions_and_pauses(
    client: httpx.AsyncClient, factory: Factory, clock: Clock
) -> None:
    token = (await factory.project("acme")).intake_token
    await factory.project("bravo")
    admin = await factory.operator_headers()
    for project, name in (("acme", "nightly-backup"), ("bravo", "bravo-secret-job")):
        body = {"name": name, "interval_seconds": 3600, "grace_seconds": 300}
        assert (await client.post(f"{PLATFORM}/monitors/{project}", json=body, headers=admin)).status_code == 201
    assert (
        await client.get("/api/v1/hub/acme/heartbeats/nightly-backup/ping", headers=bearer(token))
    ).status_code == 202

    await login(client, await factory.key(projects_spec="acme"))
    page = await client.get("/console/monitors")
    assert page.status_code == 200
    assert "nightly-backup" in page.text
    assert "bravo-secret-job" not in page.text  # another project's monitor is never shown
    assert 'data-state="up"' in page.text
    assert "http://testserver/api/v1/hub/acme/heartbeats/nightly-backup/ping" in page.text
    assert "curl -fsS -m 10 --retry 3 -H &#34;Authorization: Bearer $AWOOOP_INTAKE_TOKEN&#34;" in page.text
    assert "0 * * * * /path/to/job &amp;&amp; curl" in page.text
    assert 'aria-current="page">Monitors</a>' in page.text

    csrf = await signed_in_csrf(client)
    paused = await client.post(
        "/console/monitors/acme/nightly-backup/pause", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert paused.status_code == 200, paused.text
    assert 'data-state="paused"' in paused.text
    assert "nightly-backup paused" in paused.text
    state = (await client.get(f"{PLATFORM}/monitors/acme/nightly-backup", headers=admin)).json()
    assert state["state"] == "paused"
    refused = await client.post(
        "/console/monitors/bravo/bravo-secret-job/pause", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert refused.status_code == 403
    resumed = await client.post(
        "/console/monitors/acme/nightly-backup/resume", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert 'data-state="up"' in resumed.text

    await client.get("/console/lang/zh-Hant", params={"next": "/console/monitors"})
    chinese = await client.get("/console/monitors")
    assert "心跳監控" in chinese.text
    assert "正常" in chinese.text
