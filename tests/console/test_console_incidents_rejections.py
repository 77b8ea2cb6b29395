"""Console round 2: the Incidents page, refused deliveries (API, page, overview tile), the events
list's provider / stage / duplicate columns and filters, and coverage without synthetic heartbeats."""

from __future__ import annotations

import re

import httpx

from tests.console.console_data import PLATFORM, am_alert, am_body, login, tenant
from tests.factories import Factory


def _rows(html: str, table: str) -> list[str]:
    body = html.split(f'<table class="{table}"', 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr>")[2:]  # after the header row


async def test_incidents_page_lists_filters_and_opens_an_incident(client: httpx.AsyncClient, factory: Factory) -> None:
    acme = await tenant(factory, "acme")
    await acme.send(client, am_alert("HighErrorRate", fingerprint="aa01"))
    await acme.send(
        client, am_alert("DiskFull", fingerprint="aa02", labels={"severity": "warning", "namespace": "storage"})
    )
    await acme.send(client, am_alert("DiskFull", fingerprint="aa02", status="resolved"))
    await login(client, await factory.key(projects_spec="acme"))

    page = await client.get("/console/incidents")
    assert page.status_code == 200
    rows = _rows(page.text, "incidents")
    assert len(rows) == 2
    assert "DiskFull" in rows[0]
    assert "resolved" in rows[0]
    assert "HighErrorRate" in rows[1]
    assert ">open<" in rows[1]

    only_open = _rows((await client.get("/console/incidents", params={"status": "open"})).text, "incidents")
    assert [("HighErrorRate" in r) for r in only_open] == [True]
    warning = _rows((await client.get("/console/incidents", params={"severity": "warning"})).text, "incidents")
    assert [("DiskFull" in r) for r in warning] == [True]
    text = _rows((await client.get("/console/incidents", params={"q": "higherror"})).text, "incidents")
    assert [("HighErrorRate" in r) for r in text] == [True]
    none = await client.get("/console/incidents", params={"q": "100%_literal"})
    assert "No incident matches these filters." in none.text

    incident_id = re.search(r'href="/console/incidents/(INC-[0-9]+)"', rows[0])
    assert incident_id
    detail = await client.get(f"/console/incidents/{incident_id.group(1)}")
    assert detail.status_code == 200
    timeline = detail.text.split('data-testid="incident-timeline"', 1)[1].split("</ol>", 1)[0]
    steps = re.findall(r"<div>(Incident opened|Alert fired|Alert resolved|Incident resolved)", timeline)
    assert steps == ["Incident opened", "Alert fired", "Alert resolved", "Incident resolved"]
    assert detail.text.count('hx-get="/console/events/') == 2  # each linked event expands to its dossier

    chinese = await client.get("/console/incidents", headers={"Accept-Language": "zh-TW"})
    assert "<h1>事故</h1>" in chinese.text
    assert "已解決" in chinese.text
    missing = await client.get("/console/incidents/INC-999999")
    assert missing.status_code == 404


async def test_refused_deliveries_are_listed_and_flag_the_provider_tile(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    acme = await tenant(factory, "acme")
    await acme.send(client, am_alert("HighErrorRate", fingerprint="aa01"))
    for _ in range(3):
        refused = await client.post(
            "/api/v1/hub/acme/alertmanager", json=am_body(), headers={"Authorization": "Bearer ait_wrong"}
        )
        assert refused.status_code == 401
    not_json = await client.post(
        "/api/v1/hub/acme/grafana", content=b"{nope", headers={"Authorization": f"Bearer {acme.intake_token}"}
    )
    assert not_json.status_code == 400
    admin = await factory.operator_headers(role="admin")

    listed = await client.get(f"{PLATFORM}/intake/rejections", params={"project_id": "acme"}, headers=admin)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [(i["provider"], i["status_code"]) for i in items] == [("grafana", 400)] + [("alertmanager", 401)] * 3
    assert all(i["body_sha256"] and "{nope" not in str(i) for i in items)
    wrong = await client.get(
        f"{PLATFORM}/intake/rejections", params={"provider": "alertmanager", "limit": "2"}, headers=admin
    )
    first = wrong.json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = await client.get(
        f"{PLATFORM}/intake/rejections",
        params={"provider": "alertmanager", "limit": "2", "cursor": first["next_cursor"]},
        headers=admin,
    )
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None
    by_reason = await client.get(f"{PLATFORM}/intake/rejections", params={"reason": "not_json"}, headers=admin)
    assert [i["provider"] for i in by_reason.json()["items"]] == ["grafana"]
    backwards = await client.get(
        f"{PLATFORM}/intake/rejections",
        params={"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        headers=admin,
    )
    assert backwards.status_code == 400
    assert "until" in backwards.json()["detail"]

    await login(client, await factory.key(projects_spec="acme"))
    overview = await client.get("/console")
    tile = overview.text.split('id="tile-acme-alertmanager"', 1)[1].split("</article>", 1)[0]
    assert "3 refused in the last hour" in tile
    # Grafana never delivered an event, yet its refusal puts it on a full tile, not the quiet row.
    grafana = overview.text.split('id="tile-acme-grafana"', 1)[1].split("</article>", 1)[0]
    assert "1 refused in the last hour" in grafana
    assert "latest: not_json" in grafana
    page = await client.get("/console/rejections", params={"provider": "alertmanager"})
    assert len(_rows(page.text, "rejections")) == 3
    assert page.text.count(">bad_credentials<") == 3
    assert "intake token is not valid for project" in page.text


async def test_events_list_names_provider_and_stage_and_folds_duplicates(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    acme = await tenant(factory, "acme")
    alert = am_alert("HighErrorRate", fingerprint="aa01")
    await acme.send(client, alert)
    await acme.send(client, alert)  # a repeat: stored as a duplicate of the first
    await acme.send(client, am_alert("HighErrorRate", fingerprint="aa01", status="resolved"))
    await login(client, await factory.key(projects_spec="acme"))

    page = await client.get("/console/events")
    rows = page.text.split('data-testid="event-row"')[1:]
    assert len(rows) == 2  # the duplicate is folded under its original
    assert 'data-testid="event-stage">resolved' in rows[0]
    assert 'data-testid="event-provider">alertmanager' in rows[1]
    assert "1 duplicate of this event" in rows[1]

    only = await client.get("/console/events", params={"duplicates": "only"})
    assert len(only.text.split('data-testid="event-row"')[1:]) == 1
    hidden = await client.get("/console/events", params={"duplicates": "hidden"})
    assert "duplicate of this event" not in hidden.text
    assert len(hidden.text.split('data-testid="event-row"')[1:]) == 2
    firing = await client.get("/console/events", params={"stage": "firing", "duplicates": "hidden"})
    assert len(firing.text.split('data-testid="event-row"')[1:]) == 1
    grafana = await client.get("/console/events", params={"provider": "grafana"})
    assert "No events match these filters." in grafana.text
    bad = await client.get("/console/events", params={"provider": "nagios"})
    assert bad.status_code == 400
    assert "provider must be one of" in bad.text
    prefix = await client.get("/console/events", params={"provider_event_id_prefix": "aa01:"})
    assert len(prefix.text.split('data-testid="event-row"')[1:]) == 2
    chinese = await client.get("/console/events", headers={"Accept-Language": "zh-Hant"})
    assert "此事件有 1 筆重複" in chinese.text
    assert "解除" in chinese.text


async def test_coverage_leaves_synthetic_heartbeats_out(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    admin = await factory.operator_headers(role="admin")
    beat = await client.post(
        f"{PLATFORM}/events/dossier/provider-heartbeat",
        json={"project_id": "acme", "providers": ["alertmanager", "sentry"]},
        headers=admin,
    )
    assert beat.status_code == 200, beat.text
    coverage = await client.get(f"{PLATFORM}/events/dossier/coverage", params={"project_id": "acme"}, headers=admin)
    assert coverage.json()["summary"]["source_count"] == 0
    assert coverage.json()["providers"] == []
    acme_token = (await factory.project("beta")).intake_token
    sent = await client.post(
        "/api/v1/hub/beta/alertmanager",
        json=am_body(am_alert("HighErrorRate", fingerprint="bb01")),
        headers={"Authorization": f"Bearer {acme_token}"},
    )
    assert sent.status_code == 202
    real = await client.get(f"{PLATFORM}/events/dossier/coverage", params={"project_id": "beta"}, headers=admin)
    assert real.json()["summary"]["source_count"] == 1
