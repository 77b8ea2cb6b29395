"""The console's work-item panel shows the lifetime, and an aged-out work item opens with its notice."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from awooop.config import Settings
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.hub.envelope import work_item_id
from awooop.retention import service as retention
from awooop.retention.pacing import Pacing
from tests.console.console_data import login
from tests.factories import Factory
from tests.fakes.events import alert
from tests.retention_data import store


async def test_the_panel_of_an_aged_out_work_item_shows_its_lifetime(
    client: httpx.AsyncClient, clean_db: Database, factory: Factory, settings: Settings
) -> None:
    await factory.project("acme")
    now = utcnow()
    fingerprint = f"c{uuid.uuid4().hex[:12]}"
    noon = (now - timedelta(days=50)).replace(hour=12, minute=0)  # both on one UTC day, whenever this runs
    await store(clean_db, [alert(fingerprint=fingerprint, received_at=noon + timedelta(minutes=m)) for m in (1, 2)])
    await retention.run_pass(clean_db, settings, now=now, pacing=Pacing(batch_rows=50, pause_seconds=0))
    item_id = work_item_id("acme", f"fp:{fingerprint}")
    await login(client, await factory.key(projects_spec="acme"))

    panel = await client.get(f"/console/recurrence/work-items/{item_id}", headers={"HX-Request": "true"})
    assert panel.status_code == 200, panel.text
    lifetime = panel.text.split('data-testid="wi-lifetime"', 1)[1].split("</dl>", 1)[0]
    assert "<dd>2</dd>" in lifetime  # occurrences
    assert "1 (1 rolled up)" in lifetime
    assert 'data-testid="wi-aged-out"' in panel.text

    chinese = await client.get(
        f"/console/recurrence/work-items/{item_id}", headers={"HX-Request": "true", "Accept-Language": "zh-TW"}
    )
    assert "生命週期" in chinese.text
    assert "已依保留期限清除" in chinese.text
