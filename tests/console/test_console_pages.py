"""Every console page through the ASGI client, with data ingested through the real hub."""

from __future__ import annotations

import re

import httpx

from tests.console.console_data import am_alert, gated_run, login, signed_in_csrf, tenant
from tests.factories import Factory


def starts_at(minute: int) -> str:
    return f"2026-08-20T09:{minute:02d}:07Z"


async def test_empty_console_tells_a_new_user_where_to_point_alertmanager(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    await factory.project("acme")
    await login(client, await factory.key(projects_spec="acme"))
    page = await client.get("/console")
    assert page.status_code == 200
    assert "Connect your first alert source" in page.text
    assert "http://testserver/api/v1/hub/acme/alertmanager" in page.text
    assert "Authorization: Bearer &lt;intake token&gt;" in page.text
    assert "webhook_configs:" in page.text
    events = await client.get("/console/events")
    assert "http://testserver/api/v1/hub/acme/alertmanager" in events.text
    runs = await client.get("/console/runs")
    assert "No runs yet" in runs.text
    assert "awooop playbooks load playbooks.yaml --project acme" in runs.text


async def test_overview_shows_freshness_coverage_and_an_svg_rate_chart(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    acme = await tenant(factory, "acme")
    await acme.send(client, am_alert("HighErrorRate", fingerprint="aa01"), am_alert("DiskFull", fingerprint="aa02"))
    await login(client, await factory.key(projects_spec="acme"))
    page = await client.get("/console")
    assert page.status_code == 200
    assert 'id="tile-acme-alertmanager"' in page.text
    tile = page.text.split('id="tile-acme-alertmanager"', 1)[1].split("</article>", 1)[0]
    assert "fresh" in tile
    assert "Send heartbeat" in tile
    assert "Nothing received yet from:" in page.text  # the other providers, compactly
    assert "Connect your first alert source" not in page.text
    assert re.search(r'<svg class="chart"[^>]*role="img"', page.text)
    assert '<rect class="bar"' in page.text
    assert "2 events" in page.text
    assert "events per hour (UTC)" in page.text
    week = await client.get("/console", params={"rate": "7d"})
    assert "events per 4 h (UTC)" in week.text
    assert re.search(r'aria-current="true" data-testid="rate-7d"', week.text)
    assert (await client.get("/console", params={"rate": "bogus"})).status_code == 200  # falls back to 24 h


async def test_heartbeat_button_records_and_redraws_the_tiles(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    await login(client, await factory.key(projects_spec="acme"))
    csrf = await signed_in_csrf(client)
    response = await client.post(
        "/console/overview/heartbeat",
        data={"project_id": "acme", "provider": "sentry"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.startswith('<section id="provider-tiles"')
    assert 'id="tile-acme-sentry"' in response.text  # sentry now has a heartbeat: a full tile
    assert 'hx-swap-oob="beforeend:#toasts"' in response.text
    recent = await client.get("/console/events", params={"provider_prefix": "heartbeat-"})
    assert recent.text.count('class="expander"') == 1


async def test_runs_list_badges_the_dossier_and_detail_approves_a_gated_run(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    acme = await tenant(factory, "acme")
    run_id = await gated_run(client, factory, acme)
    await login(client, await factory.key(projects_spec="acme", operator_id="bob"))
    listing = await client.get("/console/runs", params={"state": "awaiting_approval"})
    assert listing.status_code == 200
    assert f"/console/runs/{run_id}" in listing.text
    assert "in dossier" in listing.text
    assert "restart-crashlooping" in listing.text  # the playbook names the run
    assert "rollout-restart" in listing.text  # and its action
    assert f'title="{run_id}">{run_id.replace("-", "")[-8:]}</a>' in listing.text  # the id's random tail
    # Which alert the run is about: severity, name, where.
    assert '<span class="sev critical">critical</span> <strong>KubePodCrashLooping</strong>' in listing.text
    assert '<span class="mono small">payments</span>' in listing.text
    detail = await client.get(f"/console/runs/{run_id}")
    assert "Approval required" in detail.text
    assert "KubePodCrashLooping" in detail.text  # the source dossier
    assert "4bf92f3577b34da6a3ce929d0e0e4736" in detail.text  # correlation id with a copy button
    assert 'data-copy="4bf92f3577b34da6a3ce929d0e0e4736"' in detail.text
    assert 'href="http://prometheus:9090/graph?g0.expr=up" rel="noopener noreferrer"' in detail.text
    csrf = await signed_in_csrf(client)
    approved = await client.post(
        f"/console/runs/{run_id}/approve",
        data={"note": "checked the dashboard"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert approved.status_code == 200
    assert approved.text.startswith('<div id="run-body">')
    assert "checked the dashboard" in approved.text
    assert "Approval required" not in approved.text
    again = await client.post(f"/console/runs/{run_id}/approve", headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert again.status_code == 409  # a second click: a toast, not a crash
    assert "toast-error" in again.text


async def test_heartbeat_runs_are_hidden_until_asked_for(client: httpx.AsyncClient, factory: Factory) -> None:
    acme = await tenant(factory, "acme")
    run_id = await gated_run(client, factory, acme)
    await login(client, await factory.key(projects_spec="acme"))
    csrf = await signed_in_csrf(client)
    beat = await client.post(
        "/console/overview/heartbeat",
        data={"project_id": "acme", "provider": "sentry"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert beat.status_code == 200
    default = await client.get("/console/runs")
    assert default.text.count('<a class="id"') == 1  # the alert's run only
    assert f"/console/runs/{run_id}" in default.text
    assert "Heartbeat runs hidden" in default.text
    assert 'href="/console/runs?heartbeats=shown"' in default.text
    shown = await client.get("/console/runs", params={"heartbeats": "shown"})
    assert shown.text.count('<a class="id"') == 2
    assert "awooop-heartbeat" in shown.text
    assert 'href="/console/runs?state=completed&amp;heartbeats=shown"' in shown.text  # chips keep the toggle
    assert re.search(r'href="/console/runs" title="[^"]*">Hide heartbeat runs</a>', shown.text)


async def test_recurrence_page_dry_run_and_handoff(client: httpx.AsyncClient, factory: Factory) -> None:
    acme = await tenant(factory, "acme")
    for minute in (1, 2, 3):
        await acme.send(client, am_alert("HighErrorRate", fingerprint="beef01", starts_at=starts_at(minute)))
    await login(client, await factory.key(projects_spec="acme"))
    page = await client.get("/console/recurrence")
    assert page.status_code == 200
    match = re.search(r'data-testid="wi-(wi_[0-9a-f]{16})"', page.text)
    assert match, page.text[:2000]
    work_item = match.group(1)
    assert '<svg class="spark"' in page.text
    panel = await client.get(f"/console/recurrence/work-items/{work_item}", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert 'class="checklist"' in panel.text
    csrf = await signed_in_csrf(client)
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    dry = await client.post(
        f"/console/recurrence/work-items/{work_item}/dry-run", data={"mode": "auto"}, headers=headers
    )
    assert dry.status_code == 200
    assert 'data-testid="wi-result-dry_run"' in dry.text
    assert 'id="wi-history" class="section" hx-swap-oob="true"' in dry.text
    handoff = await client.post(
        f"/console/recurrence/work-items/{work_item}/handoff",
        data={"mode": "auto", "handoff_kind": "ticket_proposal"},
        headers=headers,
    )
    assert handoff.status_code == 200
    assert 'data-testid="proposal-markdown"' in handoff.text
    assert "<h2>" in handoff.text  # rendered markdown
    assert 'id="proposal-raw"' in handoff.text  # and the raw text to copy
    deep_link = await client.get("/console/recurrence", params={"work_item": work_item})
    history = deep_link.text.split('id="wi-history"', 1)[1]
    assert '<span class="muted small">(2)</span>' in history  # dry-run and handoff survive a reload
    assert "<strong>Ticket proposal</strong>" in history


async def test_events_page_filters_and_expands_to_the_dossier(client: httpx.AsyncClient, factory: Factory) -> None:
    acme = await tenant(factory, "acme")
    await acme.send(client, am_alert("HighErrorRate", fingerprint="ab01"))
    await login(client, await factory.key(projects_spec="acme"))
    page = await client.get("/console/events", params={"channel_type": "alert"})
    assert page.status_code == 200
    match = re.search(r'hx-get="/console/events/([0-9a-f-]{36})"', page.text)
    assert match
    fragment = await client.get(f"/console/events/{match.group(1)}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert not fragment.text.lstrip().startswith("<!doctype")
    assert "HighErrorRate" in fragment.text
    full = await client.get(f"/console/events/{match.group(1)}")
    assert full.text.startswith("<!doctype html>")
    empty = await client.get("/console/events", params={"channel_type": "chat"})
    assert "No events match these filters." in empty.text


async def test_bad_filter_values_render_an_error_page(client: httpx.AsyncClient, factory: Factory) -> None:
    await login(client, await factory.key())
    response = await client.get("/console/runs", params={"state": "exploded"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "state must be one of" in response.text
    response = await client.get("/console/events", params={"limit": "9999"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
