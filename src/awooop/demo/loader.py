"""Load the demo week into project ``demo`` through the real intake, agent and operator APIs.

The app runs in-process (httpx ASGI transport with its lifespan, no worker); the caller passes in
the factory that builds it (``awooop.app.create_app``), so the demo never imports the app. Every step is a real
HTTP call signed or authenticated the way its sender would do it; afterwards the rows are moved
to the virtual times of the timeline (demo/retime.py, demo only) and the loader's keys revoked.
Idempotent: nothing happens when project ``demo`` exists.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from awooop.config import Settings
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.core.security import hmac_sha256_hex
from awooop.demo.retime import DEMO_PROJECT, Checkpoint, retime_demo_project
from awooop.demo.scenario import PLAYBOOKS_YAML, timeline
from awooop.demo.steps import Claim, Decide, Heartbeat, Post, Report, Step, WorkItemAction
from awooop.hub.envelope import work_item_id
from awooop.models import ChannelEvent, Incident, Run
from awooop.operators import keys, projects, repository
from awooop.operators.projects import ProjectSecrets

log = logging.getLogger(__name__)
OPERATOR = "dana.ortiz"
AGENTS = ("k8s-remediator", "node-janitor", "deploy-bot", "triage-bot")
PLATFORM = "/api/v1/platform"


class AppFactory(Protocol):
    """What ``awooop.app.create_app`` is: the app to drive, on the loader's database."""

    def __call__(self, settings: Settings, *, db: Database) -> FastAPI: ...


class DemoError(RuntimeError):
    """A demo step was answered unexpectedly: the data set would be wrong, so loading stops."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    project_id: str
    steps: int
    events: int
    duplicates: int
    runs: dict[str, int]
    incidents: dict[str, int]
    seconds: float
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Credentials:
    intake_token: str
    sentry_secret: str
    telegram_secret: str
    key_ids: list[str] = field(default_factory=list)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


async def _create_project(db: Database) -> _Credentials | None:
    async with db.transaction() as session:
        if await repository.get_project(session, DEMO_PROJECT) is not None:
            return None
        _, token = await projects.create_project(session, DEMO_PROJECT)
        creds = _Credentials(token, secrets.token_hex(24), secrets.token_urlsafe(24))
        await projects.set_secrets(
            session,
            DEMO_PROJECT,
            ProjectSecrets(sentry_client_secret=creds.sentry_secret, telegram_secret_token=creds.telegram_secret),
        )
        for operator_id, role in ((OPERATOR, "operator"), *((agent, "agent") for agent in AGENTS)):
            row, plaintext = await keys.create_key(session, operator_id=operator_id, role=role, projects=DEMO_PROJECT)
            creds.key_ids.append(row.id)
            header = "X-AwoooP-Operator-Key" if role == "operator" else "X-AwoooP-Agent-Key"
            creds.headers[operator_id] = {header: plaintext}
    return creds


class _Driver:
    def __init__(self, http: httpx.AsyncClient, creds: _Credentials) -> None:
        self.http = http
        self.creds = creds
        self.skipped: list[str] = []

    @property
    def operator(self) -> dict[str, str]:
        return self.creds.headers[OPERATOR]

    async def _expect(self, response: httpx.Response, *statuses: int) -> Any:
        if response.status_code not in statuses:
            raise DemoError(
                f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
            )
        return response.json() if response.content else None

    async def put_playbooks(self) -> None:
        headers = self.operator | {"Content-Type": "application/yaml"}
        await self._expect(
            await self.http.put(f"{PLATFORM}/playbooks/{DEMO_PROJECT}", content=PLAYBOOKS_YAML, headers=headers), 200
        )

    def _post_headers(self, step: Post) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if step.provider == "sentry":
            signature = hmac_sha256_hex(self.creds.sentry_secret, step.body)
            return headers | {
                "Sentry-Hook-Resource": step.sentry_resource or "issue",
                "Sentry-Hook-Signature": signature,
            }
        if step.provider == "telegram":
            return headers | {"X-Telegram-Bot-Api-Secret-Token": self.creds.telegram_secret}
        token = "ait_expired-token-from-an-old-config" if step.wrong_token else self.creds.intake_token
        return headers | {"Authorization": f"Bearer {token}"}

    async def post(self, step: Post) -> None:
        url = f"/api/v1/hub/{DEMO_PROJECT}/{step.provider}"
        response = await self.http.post(url, content=step.body, headers=self._post_headers(step))
        await self._expect(response, 401 if step.wrong_token else 202)

    async def _latest_run(self, key: str) -> dict[str, Any]:
        params: dict[str, str | int] = {"project_id": DEMO_PROJECT, "recurrence_key": key, "limit": 1}
        page = await self._expect(await self.http.get(f"{PLATFORM}/runs", params=params, headers=self.operator), 200)
        if not page["items"]:
            raise DemoError(f"no run for {key}")
        run: dict[str, Any] = page["items"][0]
        return run

    async def claim(self, step: Claim) -> None:
        response = await self.http.post(
            f"/api/v1/agents/{step.agent_id}/claim", headers=self.creds.headers[step.agent_id]
        )
        claimed = await self._expect(response, 200)
        if claimed["run"]["recurrence_key"] != step.key:
            raise DemoError(f"{step.agent_id} claimed a run of {claimed['run']['recurrence_key']}, expected {step.key}")

    async def report(self, step: Report) -> None:
        run = await self._latest_run(step.key)
        body = {"state": step.state, "repair_outcome": step.repair_outcome, "note": step.note}
        url = f"/api/v1/agents/runs/{run['id']}/report"
        await self._expect(await self.http.post(url, json=body, headers=self.creds.headers[run["agent_id"]]), 200)

    async def decide(self, step: Decide) -> None:
        run = await self._latest_run(step.key)
        url = f"{PLATFORM}/runs/{run['id']}/{step.decision}"
        await self._expect(await self.http.post(url, json={"note": step.note}, headers=self.operator), 200)

    async def heartbeat(self, step: Heartbeat) -> None:
        body = {"project_id": DEMO_PROJECT, "providers": list(step.providers), "reason": "demo_freshness_smoke"}
        url = f"{PLATFORM}/events/dossier/provider-heartbeat"
        await self._expect(await self.http.post(url, json=body, headers=self.operator), 200)

    async def work_item(self, step: WorkItemAction) -> None:
        body: dict[str, Any] = {"project_id": DEMO_PROJECT, "work_item_id": work_item_id(DEMO_PROJECT, step.key)}
        if step.action == "handoff":
            body["handoff_kind"] = "ticket_proposal"
        url = f"{PLATFORM}/events/dossier/recurrence/work-item/{step.action}"
        response = await self.http.post(url, json=body, headers=self.operator)
        if response.status_code != 200:  # another area's API: the demo stays usable without it
            self.skipped.append(f"work-item {step.action}: {response.status_code}")

    async def run(self, step: Step) -> None:
        match step:
            case Post():
                await self.post(step)
            case Claim():
                await self.claim(step)
            case Report():
                await self.report(step)
            case Decide():
                await self.decide(step)
            case Heartbeat():
                await self.heartbeat(step)
            case WorkItemAction():
                await self.work_item(step)


async def _drive(
    create_app: AppFactory, db: Database, settings: Settings, creds: _Credentials, now: datetime
) -> tuple[list[Checkpoint], _Driver]:
    app = create_app(settings.model_copy(update={"run_worker": False, "demo": False}), db=db)
    checkpoints: list[Checkpoint] = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://awooop-demo") as http,
    ):
        driver = _Driver(http, creds)
        await driver.put_playbooks()
        steps = timeline(now)
        for timed in steps:
            checkpoints.append((utcnow(), timed.at))
            await driver.run(timed.step)
    return checkpoints, driver


async def _counts(db: Database) -> tuple[int, int, dict[str, int], dict[str, int]]:
    async with db.reader() as session:
        events = select(ChannelEvent.is_duplicate, func.count()).where(ChannelEvent.project_id == DEMO_PROJECT)
        by_dup = dict((await session.execute(events.group_by(ChannelEvent.is_duplicate))).tuples().all())
        runs = select(Run.state, func.count()).where(Run.project_id == DEMO_PROJECT).group_by(Run.state)
        incidents = select(Incident.status, func.count()).where(Incident.project_id == DEMO_PROJECT)
        run_counts = dict((await session.execute(runs)).tuples().all())
        incident_counts = dict((await session.execute(incidents.group_by(Incident.status))).tuples().all())
    total = sum(by_dup.values())
    return total, by_dup.get(True, 0), run_counts, incident_counts


async def load_demo(settings: Settings, create_app: AppFactory, *, now: datetime | None = None) -> DemoSummary | None:
    """Load the demo week ending at ``now`` through the app ``create_app`` builds; None when
    project ``demo`` already exists."""
    started = time.perf_counter()
    db = Database.connect(settings.resolved_database_url, pool_size=2)
    try:
        creds = await _create_project(db)
        if creds is None:
            return None
        checkpoints, driver = await _drive(create_app, db, settings, creds, now or utcnow())
        async with db.transaction() as session:
            await retime_demo_project(session, checkpoints)
            for key_id in creds.key_ids:  # nobody ever saw these keys; revoke them anyway
                await keys.revoke_key(session, key_id)
        events, duplicates, runs, incidents = await _counts(db)
    finally:
        await db.dispose()
    return DemoSummary(
        DEMO_PROJECT,
        len(checkpoints),
        events,
        duplicates,
        runs,
        incidents,
        time.perf_counter() - started,
        driver.skipped,
    )
