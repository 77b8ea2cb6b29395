"""Builds recurrence scenarios through the real APIs only: alerts through the hub intake (provider
fixtures with their startsAt/status/fingerprint altered), playbooks through the playbook route, runs
moved by an agent through claim and report. Other work-item test modules import ``Scenario``."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import Factory

PLATFORM = "/api/v1/platform"
RECURRENCE = f"{PLATFORM}/events/dossier/recurrence"
PREVIEW = f"{RECURRENCE}/work-item/preview"
DRY_RUN = f"{RECURRENCE}/work-item/dry-run"
HANDOFF = f"{RECURRENCE}/work-item/handoff"
HISTORY = f"{RECURRENCE}/work-item/history"
AGENT = "k8s-remediator"

LIVE_PLAYBOOK = f"""
playbooks:
  - id: restart-crashlooping
    match: {{alertname: "KubePodCrashLooping*"}}
    agent_id: {AGENT}
    action: rollout-restart
"""
GATED_PLAYBOOK = LIVE_PLAYBOOK + "    requires_approval: true\n"
NO_PLAYBOOKS = "playbooks: []\n"


def starts_at(minute: int) -> str:
    """A distinct firing episode per minute: a new startsAt makes a new original."""
    return f"2026-08-20T09:{minute:02d}:07.318476211Z"


@dataclass
class Scenario:
    client: httpx.AsyncClient
    factory: Factory
    fixtures_dir: Path
    project_id: str = "acme"
    intake_token: str = ""
    operator: dict[str, str] | None = None
    admin: dict[str, str] | None = None
    agent: dict[str, str] | None = None

    async def setup(self) -> Scenario:
        created = await self.factory.project(self.project_id)
        self.intake_token = created.intake_token
        self.operator = await self.factory.operator_headers(projects_spec=self.project_id)
        self.admin = await self.factory.operator_headers(role="admin")
        agent_key = await self.factory.key(role="agent", projects_spec=self.project_id, operator_id=AGENT)
        self.agent = {"X-AwoooP-Agent-Key": agent_key}
        return self

    def alertmanager_body(
        self,
        *,
        fingerprint: str,
        minute: int,
        status: str = "firing",
        alertname: str = "KubePodCrashLooping",
        severity: str = "warning",
        pod: str = "checkout-api-7d9f8b6c5-x2kqz",
        trace_id: str | None = None,
    ) -> bytes:
        body = json.loads((self.fixtures_dir / "alertmanager_firing_single.json").read_bytes())
        alert = copy.deepcopy(body["alerts"][0])
        alert["labels"].update({"alertname": alertname, "severity": severity, "pod": pod})
        if trace_id:
            alert["annotations"]["trace_id"] = trace_id
        alert.update({"status": status, "fingerprint": fingerprint, "startsAt": starts_at(minute)})
        if status == "resolved":
            alert["endsAt"] = starts_at(minute + 1)
        body.update({"status": status, "alerts": [alert]})
        return json.dumps(body).encode()

    async def post(self, provider: str, body: bytes, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
        sent = {"Content-Type": "application/json", "Authorization": f"Bearer {self.intake_token}", **(headers or {})}
        response = await self.client.post(f"/api/v1/hub/{self.project_id}/{provider}", content=body, headers=sent)
        assert response.status_code == 202, response.text
        events: list[dict[str, Any]] = response.json()["events"]
        return events

    async def fire(self, fingerprint: str, minute: int, **labels: Any) -> dict[str, Any]:
        events = await self.post(
            "alertmanager", self.alertmanager_body(fingerprint=fingerprint, minute=minute, **labels)
        )
        assert len(events) == 1
        return events[0]

    async def resolve(self, fingerprint: str, minute: int, **labels: Any) -> dict[str, Any]:
        body = self.alertmanager_body(fingerprint=fingerprint, minute=minute, status="resolved", **labels)
        return (await self.post("alertmanager", body))[0]

    async def playbooks(self, yaml_text: str) -> None:
        response = await self.client.put(
            f"{PLATFORM}/playbooks/{self.project_id}",
            content=yaml_text.encode(),
            headers={**(self.admin or {}), "Content-Type": "application/yaml"},
        )
        assert response.status_code == 200, response.text

    async def claim(self, agent_id: str = AGENT) -> dict[str, Any]:
        response = await self.client.post(f"/api/v1/agents/{agent_id}/claim", headers=self.agent)
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()["run"]
        return run

    async def report(self, run_id: str, state: str, outcome: str | None = None) -> dict[str, Any]:
        body = {"state": state, "repair_outcome": outcome, "note": f"test agent: {state}"}
        response = await self.client.post(f"/api/v1/agents/runs/{run_id}/report", json=body, headers=self.agent)
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()
        return run

    async def repair(self, state: str, outcome: str | None) -> dict[str, Any]:
        run = await self.claim()
        return await self.report(run["id"], state, outcome)

    async def recurrence(self, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
        response = await self.client.get(RECURRENCE, params=params, headers=headers or self.operator)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def group(self, fingerprint: str) -> dict[str, Any]:
        items = (await self.recurrence())["items"]
        found = [item for item in items if item["recurrence_key"] == f"fp:{fingerprint}"]
        assert len(found) == 1, [item["recurrence_key"] for item in items]
        return found[0]

    async def work_item_id(self, fingerprint: str) -> str:
        group = await self.group(fingerprint)
        assert group["work_item"] is not None, group
        work_item_id: str = group["work_item"]["work_item_id"]
        return work_item_id


@pytest.fixture
async def scenario(client: httpx.AsyncClient, factory: Factory, fixtures_dir: Path) -> Scenario:
    return await Scenario(client, factory, fixtures_dir).setup()


async def test_a_new_starts_at_is_an_original_and_a_resend_a_duplicate(scenario: Scenario) -> None:
    first = await scenario.fire("aaaa000000000001", 1)
    resend = await scenario.fire("aaaa000000000001", 1)
    again = await scenario.fire("aaaa000000000001", 2)
    assert [first["is_duplicate"], resend["is_duplicate"], again["is_duplicate"]] == [False, True, False]


async def test_a_live_playbook_queues_a_run_the_agent_can_finish(scenario: Scenario) -> None:
    await scenario.playbooks(LIVE_PLAYBOOK)
    await scenario.fire("aaaa000000000002", 1)
    run = await scenario.repair("completed", "verified")
    assert run["state"] == "completed"
    assert run["repair_outcome"] == "verified"
