"""The console marks imported events: "imported from X" in the events list and the dossier."""

from __future__ import annotations

from pathlib import Path

import httpx

from awooop.core.db import Database
from tests.console.console_data import am_alert, login, tenant
from tests.factories import Factory
from tests.imports.helpers import events, import_files


async def test_imported_events_carry_an_imported_from_badge(
    client: httpx.AsyncClient, factory: Factory, database_url: str, tmp_path: Path, clean_db: Database
) -> None:
    acme = await tenant(factory, "acme")
    await acme.send(client, am_alert("HighErrorRate", fingerprint="aa01"))
    env = {"AWOOOP_DATABASE_URL": database_url, "AWOOOP_DATA_DIR": str(tmp_path / "data")}
    result = await import_files(env, "opsgenie", "acme", "opsgenie_list_alerts.json")
    assert result.exit_code == 0, result.output
    await login(client, await factory.key(projects_spec="acme"))

    page = await client.get("/console/events", params={"limit": 100})
    assert page.status_code == 200
    assert page.text.count("imported from opsgenie") == 3
    live_line = page.text.split("HighErrorRate", 1)[1].split("</li>", 1)[0]
    assert "imported from" not in live_line

    imported = next(e for e in await events(clean_db, "acme") if e.origin_system == "opsgenie")
    detail = await client.get(f"/console/events/{imported.id}")
    assert detail.status_code == 200
    assert "imported from opsgenie" in detail.text
    client.cookies.set("awooop_lang", "zh-Hant")
    chinese = await client.get(f"/console/events/{imported.id}", headers={"Accept-Language": "zh-Hant"})
    assert "匯入自 opsgenie" in chinese.text
