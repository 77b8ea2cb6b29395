"""Nothing an alert sender controls is ever rendered as markup."""

from __future__ import annotations

import re

import httpx

from tests.console.console_data import am_alert, login, tenant
from tests.factories import Factory

PAYLOAD = "<script>alert('pwned')</script>"


async def test_script_in_an_alert_is_escaped_on_every_page(client: httpx.AsyncClient, factory: Factory) -> None:
    acme = await tenant(factory, "acme")
    for minute in (1, 2):
        await acme.send(
            client,
            am_alert(
                "Evil<img src=x onerror=alert(1)>",
                fingerprint="e1",
                starts_at=f"2026-08-20T09:0{minute}:00Z",
                summary=PAYLOAD,
                labels={"runbook_url": "javascript:alert(1)"},
            ),
        )
    await login(client, await factory.key(projects_spec="acme"))
    events = await client.get("/console/events")
    assert "&lt;script&gt;" in events.text
    event_id = re.search(r'hx-get="/console/events/([0-9a-f-]{36})"', events.text)
    assert event_id
    pages = [
        events,
        await client.get(f"/console/events/{event_id.group(1)}"),
        await client.get("/console/recurrence"),
        await client.get("/console"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert PAYLOAD not in page.text
        assert "<img src=x" not in page.text
        assert 'href="javascript:' not in page.text
    dossier = pages[1].text
    assert "&lt;script&gt;alert(" in dossier
