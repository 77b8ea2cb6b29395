"""Console test helpers: sign in through the login form, and seed data through the real APIs
(hub intake, playbook route, agent claim/report) — never raw inserts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from tests.factories import Factory

PLATFORM = "/api/v1/platform"
AGENT = "k8s-remediator"
GATED_PLAYBOOK = f"""
playbooks:
  - id: restart-crashlooping
    match: {{alertname: "KubePodCrashLooping*"}}
    agent_id: {AGENT}
    action: rollout-restart
    requires_approval: true
"""
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF_FIELD.search(html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


async def login(client: httpx.AsyncClient, key: str, *, next_url: str = "/console") -> httpx.Response:
    """Sign in like a browser: fetch the form (login CSRF cookie + field), post the key."""
    form = await client.get("/console/login")
    assert form.status_code == 200
    return await client.post("/console/login", data={"key": key, "csrf_token": csrf_from(form.text), "next": next_url})


async def signed_in_csrf(client: httpx.AsyncClient) -> str:
    """The session's CSRF token, read from any signed-in page."""
    page = await client.get("/console/events")
    assert page.status_code == 200, page.text[:300]
    return csrf_from(page.text)


def am_alert(
    alertname: str,
    *,
    fingerprint: str,
    starts_at: str = "2026-08-20T09:41:07Z",
    status: str = "firing",
    summary: str | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": alertname, "severity": "critical", "namespace": "payments", **(labels or {})},
        "annotations": {"summary": summary or f"{alertname} fired", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
        "startsAt": starts_at,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": fingerprint,
    }


def am_body(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {
        "receiver": "awooop",
        "status": "firing",
        "alerts": list(alerts),
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
    }


@dataclass
class Tenant:
    project_id: str
    intake_token: str

    async def send(self, client: httpx.AsyncClient, *alerts: dict[str, Any]) -> httpx.Response:
        response = await client.post(
            f"/api/v1/hub/{self.project_id}/alertmanager",
            json=am_body(*alerts),
            headers={"Authorization": f"Bearer {self.intake_token}"},
        )
        assert response.status_code == 202, response.text
        return response


async def tenant(factory: Factory, project_id: str) -> Tenant:
    created = await factory.project(project_id)
    return Tenant(created.id, created.intake_token)


async def gated_run(client: httpx.AsyncClient, factory: Factory, project: Tenant) -> str:
    """A firing alert matching an approval-gated playbook: one run awaiting approval; returns its id."""
    admin = await factory.operator_headers(role="admin")
    put = await client.put(
        f"{PLATFORM}/playbooks/{project.project_id}",
        content=GATED_PLAYBOOK,
        headers={**admin, "Content-Type": "application/yaml"},
    )
    assert put.status_code == 200, put.text
    await project.send(client, am_alert("KubePodCrashLooping", fingerprint="c0ffee01"))
    runs = await client.get(f"{PLATFORM}/runs", params={"state": "awaiting_approval"}, headers=admin)
    items = runs.json()["items"]
    assert items, runs.text
    return str(items[0]["id"])
