"""The whole loop through the real routes: Alertmanager fires → incident + run → an agent claims
and repairs → Alertmanager resolves → incident resolved, with exactly the expected Telegram messages."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from awooop.config import Settings
from awooop.core.db import Database
from awooop.models import OutboxMessage
from awooop.notify.worker import DeliveryPolicy, run_worker
from awooop.operators import projects
from awooop.operators.projects import ProjectSecrets
from tests.factories import Factory
from tests.fakes.telegram import FakeTelegram

PLATFORM = "/api/v1/platform"
PLAYBOOK = """
playbooks:
  - id: restart-crashloop
    match: {provider: alertmanager, alertname: KubePodCrashLooping, namespace: "pay*"}
    agent_id: k8s-remediator
    action: rollout-restart
"""


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


async def _deliver_all(db: Database, settings: Settings) -> None:
    stop = asyncio.Event()
    policy = DeliveryPolicy(poll_seconds=0.01, backoff_base_seconds=0.01, backoff_cap_seconds=0.02)
    task = asyncio.create_task(run_worker(db, settings, stop, policy=policy))
    try:
        for _ in range(500):
            async with db.reader() as session:
                stmt = select(OutboxMessage.id).where(OutboxMessage.status == "pending")
                if not (await session.scalars(stmt)).all():
                    return
            await asyncio.sleep(0.01)
        raise AssertionError("outbox did not drain")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


@dataclass
class Shop:
    intake: dict[str, str]
    operator: dict[str, str]
    agent: dict[str, str]


async def _shop(client: httpx.AsyncClient, factory: Factory, db: Database) -> Shop:
    project = await factory.project("shop")
    async with db.transaction() as session:
        await projects.set_secrets(
            session, "shop", ProjectSecrets(telegram_bot_token="42:e2e-token", telegram_chat_id="-100777")
        )
    operator = await factory.operator_headers(projects_spec="shop")
    agent = {"X-AwoooP-Agent-Key": await factory.key(role="agent", operator_id="k8s-remediator", projects_spec="shop")}
    loaded = await client.put(
        f"{PLATFORM}/playbooks/shop", content=PLAYBOOK, headers=operator | {"Content-Type": "application/yaml"}
    )
    assert loaded.status_code == 200, loaded.text
    intake = {"Authorization": f"Bearer {project.intake_token}", "Content-Type": "application/json"}
    return Shop(intake, operator, agent)


async def _deliver(client: httpx.AsyncClient, shop: Shop, sample: Path) -> dict[str, Any]:
    response = await client.post("/api/v1/hub/shop/alertmanager", content=sample.read_bytes(), headers=shop.intake)
    assert response.status_code == 202, response.text
    (event,) = response.json()["events"]
    return dict(event)


async def _repair(client: httpx.AsyncClient, shop: Shop, run_id: str) -> None:
    claimed = await client.post("/api/v1/agents/k8s-remediator/claim", headers=shop.agent)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["run"]["id"] == run_id
    assert claimed.json()["trigger_event"]["namespace"] == "payments"
    report = {"state": "completed", "repair_outcome": "verified", "note": "rollout restarted; pod ready"}
    reported = await client.post(f"/api/v1/agents/runs/{run_id}/report", json=report, headers=shop.agent)
    assert reported.status_code == 200, reported.text


async def test_alert_to_repair_to_resolution(
    *,
    client: httpx.AsyncClient,
    factory: Factory,
    clean_db: Database,
    settings: Settings,
    fixtures_dir: Path,
    telegram: FakeTelegram,
) -> None:
    shop = await _shop(client, factory, clean_db)
    fired = await _deliver(client, shop, fixtures_dir / "alertmanager_firing_single.json")
    assert fired["is_duplicate"] is False
    (incident,) = (await client.get(f"{PLATFORM}/incidents", headers=shop.operator)).json()["items"]
    assert (incident["status"], incident["severity"]) == ("open", "warning")
    assert incident["title"].startswith("KubePodCrashLooping")
    assert incident["recurrence_key"] == "fp:b4b99d28110359b4"
    (run,) = (await client.get(f"{PLATFORM}/runs", headers=shop.operator)).json()["items"]
    assert (run["state"], run["agent_id"], run["incident_id"]) == ("queued", "k8s-remediator", incident["id"])
    assert run["trigger_event_id"] == fired["event_id"]

    await _repair(client, shop, run["id"])
    repeat = await _deliver(client, shop, fixtures_dir / "alertmanager_firing_single.json")
    assert repeat["is_duplicate"] is True  # a retry of the same delivery: stored, not routed
    await _deliver(client, shop, fixtures_dir / "alertmanager_resolved.json")

    detail = (await client.get(f"{PLATFORM}/incidents/{incident['id']}", headers=shop.operator)).json()
    assert (detail["status"], detail["resolved_at"] is not None) == ("resolved", True)
    assert [(r["id"], r["state"], r["repair_outcome"]) for r in detail["runs"]] == [
        (run["id"], "completed", "verified")
    ]
    run_detail = (await client.get(f"{PLATFORM}/runs/{run['id']}", headers=shop.operator)).json()
    assert [t["to_state"] for t in run_detail["transitions"]] == ["queued", "running", "completed"]
    assert [e["id"] for e in run_detail["events"]] == [fired["event_id"]]

    await _deliver_all(clean_db, settings.model_copy(update={"telegram_api_base": telegram.base_url}))
    sent = telegram.all_requests()
    assert [(m.token, m.chat_id, m.status) for m in sent] == [("42:e2e-token", "-100777", 200)] * 2
    opened, closed = (m.text for m in sent)
    assert opened.startswith(f"🟡 <b>{incident['id']} opened</b> · warning · shop\n<b>KubePodCrashLooping")
    assert f"Run <code>{run['id']}</code>: rollout-restart by k8s-remediator" in opened
    assert closed.startswith(f"✅ <b>{incident['id']} resolved</b>")
