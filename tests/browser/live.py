"""A live uvicorn server for browser tests (background thread, random 127.0.0.1 port), and a data set
built through its real HTTP APIs: alerts through the hub, playbooks through the platform API, run
states through the agent API."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn

from awooop.app import create_app
from awooop.config import Settings

AGENT = "k8s-remediator"
PLAYBOOKS = f"""
playbooks:
  - id: restart-crashlooping
    match: {{alertname: "KubePodCrashLooping"}}
    agent_id: {AGENT}
    action: rollout-restart
    requires_approval: true
  - id: scale-checkout
    match: {{alertname: "HighErrorRate"}}
    agent_id: {AGENT}
    action: scale-up
"""


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` until the block ends; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    started = threading.Event()
    # Wait for startup (bounded; the thread reports readiness through server.started).
    for _ in range(600):
        if server.started:
            started.set()
            break
        if not thread.is_alive():
            break
        threading.Event().wait(0.05)
    if not started.is_set():
        raise RuntimeError("the live console server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _alert(name: str, fingerprint: str, starts: datetime, *, severity: str, namespace: str, **extra: str) -> Any:
    return {
        "status": "firing",
        "labels": {"alertname": name, "severity": severity, "namespace": namespace, "pod": f"{namespace}-api-7d9f"},
        "annotations": {
            "summary": extra.get("summary", f"{name} on {namespace}"),
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "runbook_url": f"https://runbooks.example.com/{name}",
        },
        "startsAt": starts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus:9090/graph?g0.expr={name}",
        "fingerprint": fingerprint,
    }


def _body(*alerts: Any) -> dict[str, Any]:
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


async def seed(base_url: str, *, project_id: str, intake_token: str, admin_key: str, agent_key: str) -> None:
    """Recurring alerts, a gated run waiting for approval, a completed and a failed repair."""
    admin = {"X-AwoooP-Operator-Key": admin_key}
    agent = {"X-AwoooP-Agent-Key": agent_key}
    intake = {"Authorization": f"Bearer {intake_token}"}
    now = datetime.now(UTC).replace(microsecond=0)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        put = await http.put(
            f"/api/v1/platform/playbooks/{project_id}",
            content=PLAYBOOKS,
            headers={**admin, "Content-Type": "application/yaml"},
        )
        put.raise_for_status()
        hub = f"/api/v1/hub/{project_id}/alertmanager"
        for hours_ago in (20, 14, 9, 5, 2):
            starts = now - timedelta(hours=hours_ago)
            first = _alert("HighErrorRate", "f1a9", starts, severity="critical", namespace="checkout",
                           summary="5xx ratio 7.2% over 5m on checkout")  # fmt: skip
            second = _alert("DiskPressure", "d15c", starts, severity="warning", namespace="storage")
            (await http.post(hub, json=_body(first, second), headers=intake)).raise_for_status()
            if hours_ago in (20, 14):
                # The agent takes the run and reports: one verified repair, one failure.
                claim = await http.post(f"/api/v1/agents/{AGENT}/claim", headers=agent)
                if claim.status_code == 200:
                    run_id = claim.json()["run"]["id"]
                    outcome = {"state": "completed", "repair_outcome": "verified"} if hours_ago == 20 else {
                        "state": "failed", "note": "rollout stuck: 0/3 replicas ready"}  # fmt: skip
                    report = await http.post(f"/api/v1/agents/runs/{run_id}/report", json=outcome, headers=agent)
                    report.raise_for_status()
        crash = _alert("KubePodCrashLooping", "c4a5", now - timedelta(minutes=12), severity="critical",
                       namespace="payments", summary="payments-api restarting (CrashLoopBackOff)")  # fmt: skip
        (await http.post(hub, json=_body(crash), headers=intake)).raise_for_status()
        beat = await http.post(
            "/api/v1/platform/events/dossier/provider-heartbeat",
            json={"project_id": project_id, "providers": ["sentry"]},
            headers=admin,
        )
        beat.raise_for_status()
