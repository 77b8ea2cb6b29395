"""No secret or personal datum survives anywhere: every provider gets payloads with a secret in
every field through the real intake route; then every table, every API answer, every console
page, every outbox payload and every rendered Telegram text is searched for the secrets."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
from typing import Any
from urllib.parse import quote

import httpx
import orjson
from sqlalchemy import select

from awooop.core.db import Database
from awooop.models import OutboxMessage
from awooop.models.base import Base
from awooop.notify.messages import render
from awooop.operators import projects
from awooop.operators.projects import ProjectSecrets
from tests.console.console_data import login
from tests.factories import Factory

PLATFORM = "/api/v1/platform"
PROJECT = "leaky"
SENTRY_SECRET = "r2-sentry-client-secret-0a1b2c3d"
TELEGRAM_SECRET = "r2-telegram-secret-token"

PASSWORD = "Hunter2-FAKE-r2pw"
TOKEN = "ghp_FAKEr2everywhere0123456789abcdefghij"
EMAIL = "r2.leak@example.com"
CLIENT_IP = "203.0.113.77"
AWS_ID = "AKIAR2EVERYWHEREFAKE"
AWS_SECRET = "wJalrR2FAKEuTnFEMI/K7MDENG+bPxRfiCYzEXAM"
HEX_KEY = "e93facc04764012d7bfb002500d5d1a6"
COOKIE = "FAKEr2cookie77"
BARE_PASSWORD = "S3cr3t-r2-bare"
ZH_PASSWORD = "Tr0ub4dor-r2"
SECRETS = (PASSWORD, TOKEN, EMAIL, CLIENT_IP, AWS_ID, AWS_SECRET, HEX_KEY, COOKIE, BARE_PASSWORD, ZH_PASSWORD)
# Distinctive pieces too, so a partly kept secret is caught (the AWS secret's first segment).
NEEDLES = (*SECRETS, "FAKEr2everywhere", "wJalrR2FAKEuTnFEMI", "R2EVERYWHERE")

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
DIRTY = (
    f"login failed password={PASSWORD} with token {TOKEN} for {EMAIL} from {CLIENT_IP}; "
    f"aws {AWS_ID} {AWS_SECRET} routing_key={HEX_KEY}; connect deploy:{BARE_PASSWORD}@db01.internal; "
    f"密码改成 {ZH_PASSWORD} 了 trace_id={TRACE} span_id={SPAN} Cookie: session={COOKIE}; lang=en"
)
LINK = f"https://wiki.example.com/run?token={TOKEN}&q=%7Bpassword%3D%22{PASSWORD}%22%7D"
PLAYBOOK = """
playbooks:
  - id: gate-everything
    match: {alertname: "*"}
    agent_id: fixer
    action: investigate
    requires_approval: true
"""


def _labels(name: str) -> dict[str, str]:
    return {
        "alertname": f"{name} password={PASSWORD}",
        "severity": "critical",
        "namespace": f"payments token={TOKEN}",
        "pod": f"checkout {CLIENT_IP}",
        "instance": f"{CLIENT_IP}:9100",
        "client_ip": CLIENT_IP,
        "db_password": PASSWORD,
        "owner": EMAIL,
        "cookie": f"session={COOKIE}; lang=en",
        "routing_key": HEX_KEY,
        "aws_access_key_id": AWS_ID,
        "note": DIRTY,
    }


def _alert(name: str, fingerprint: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": _labels(name),
        "annotations": {
            "summary": DIRTY,
            "description": DIRTY,
            "runbook_url": LINK,
            "dashboard_url": f"https://deploy:{BARE_PASSWORD}@grafana.example.com/d/x?token={TOKEN}",
        },
        "startsAt": "2026-08-20T10:05:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus:9090/graph?g0.expr=up&token={TOKEN}",
        "fingerprint": fingerprint,
    }


def _alert_family(provider: str) -> dict[str, Any]:
    alert = _alert(f"{provider}Leak", f"fp-{provider} password={PASSWORD}")
    if provider == "grafana":
        alert |= {
            "silenceURL": f"https://grafana.example.com/alerting/silence/new?matcher=password%3D{PASSWORD}",
            "dashboardURL": f"https://grafana.example.com/d/x?token={TOKEN}",
            "panelURL": f"https://grafana.example.com/d/x?viewPanel=1&token={TOKEN}",
            "valueString": f"[ var='A' labels={{client={CLIENT_IP}}} value=3 ] {DIRTY}",
        }
    return {
        "version": "1" if provider == "grafana" else "4",
        "status": "firing",
        "receiver": f"awooop password={PASSWORD}",
        "groupKey": DIRTY,
        "groupLabels": {"alertname": f"x password={PASSWORD}"},
        "commonLabels": _labels("common"),
        "commonAnnotations": {"summary": DIRTY},
        "externalURL": f"http://admin:{PASSWORD}@alertmanager.example.com:9093",
        "truncatedAlerts": 0,
        "alerts": [alert],
    }


def _generic() -> dict[str, Any]:
    return {
        "alertname": f"GenericLeak password={PASSWORD}",
        "title": DIRTY,
        "summary": DIRTY,
        "severity": "critical",
        "namespace": f"payments {EMAIL}",
        "target_resource": f"db01 {CLIENT_IP}",
        "fingerprint": f"gfp password={PASSWORD}",
        "event_id": f"gen-1 token={TOKEN}",
        "source_url": LINK,
        "labels": _labels("generic"),
        "annotations": {"description": DIRTY, "runbook_url": LINK},
    }


def _sentry() -> dict[str, Any]:
    event = {
        "event_id": "c0ffee00c0ffee00c0ffee00c0ffee00",
        "title": f"ValueError: password={PASSWORD}",
        "message": DIRTY,
        "level": "error",
        "environment": f"prod {EMAIL}",
        "web_url": f"https://sentry.example.com/organizations/acme/issues/42/events/c0ffee/?token={TOKEN}",
        "tags": [["client_ip", CLIENT_IP], ["user.email", EMAIL], ["note", DIRTY]],
        "user": {"email": EMAIL, "ip_address": CLIENT_IP, "username": f"bob password={PASSWORD}"},
        "request": {
            "url": f"https://api.example.com/pay?token={TOKEN}",
            "headers": [
                ["Cookie", f"session={COOKIE}; lang=en"],
                ["X-Forwarded-For", f"{CLIENT_IP}, 10.0.0.1"],
                ["Authorization", f"Bearer {TOKEN}"],
            ],
            "cookies": [["session", COOKIE], ["lang", "en"]],
            "env": {"REMOTE_ADDR": CLIENT_IP},
        },
        "extra": {"aws": f"{AWS_ID} {AWS_SECRET}", "routing_key": HEX_KEY},
    }
    return {"action": "triggered", "data": {"event": event, "triggered_rule": DIRTY}}


def _telegram() -> dict[str, Any]:
    return {
        "update_id": 990001,
        "message": {
            "message_id": 77,
            "date": 1787220000,
            "from": {"id": 5, "is_bot": False, "first_name": f"Bob {EMAIL}", "username": "bob"},
            "chat": {"id": -100123, "type": "supergroup", "title": f"ops {CLIENT_IP}"},
            "text": f"changed the admin pw to {PASSWORD} — {DIRTY}",
        },
    }


def _leaks(where: str, text: str) -> list[str]:
    variants = {needle: (needle, quote(needle, safe=""), html.escape(needle)) for needle in NEEDLES}
    return [f"{where}: {needle}" for needle, forms in variants.items() if any(form in text for form in forms)]


class Collector:
    def __init__(self) -> None:
        self.leaks: list[str] = []
        self.seen = 0

    def check(self, where: str, value: Any) -> Any:
        text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
        self.seen += 1
        self.leaks.extend(_leaks(where, text))
        return value


async def _deliver(client: httpx.AsyncClient, token: str) -> None:
    intake = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for provider in ("alertmanager", "signoz", "grafana"):
        answer = await client.post(f"/api/v1/hub/{PROJECT}/{provider}", json=_alert_family(provider), headers=intake)
        assert answer.status_code == 202, answer.text
    answer = await client.post(f"/api/v1/hub/{PROJECT}/generic", json=_generic(), headers=intake)
    assert answer.status_code == 202, answer.text
    body = orjson.dumps(_sentry())
    signature = hmac.new(SENTRY_SECRET.encode(), body, hashlib.sha256).hexdigest()
    sentry_headers = {
        "Content-Type": "application/json",
        "Sentry-Hook-Resource": "event_alert",
        "Sentry-Hook-Signature": signature,
    }
    answer = await client.post(f"/api/v1/hub/{PROJECT}/sentry", content=body, headers=sentry_headers)
    assert answer.status_code == 202, answer.text
    telegram_headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    answer = await client.post(f"/api/v1/hub/{PROJECT}/telegram", json=_telegram(), headers=telegram_headers)
    assert answer.status_code == 202, answer.text
    for leak in _leaks("intake answer", answer.text):
        raise AssertionError(leak)


async def _api(client: httpx.AsyncClient, operator: dict[str, str], seen: Collector) -> tuple[list[str], list[str]]:
    async def get(path: str, **params: Any) -> Any:
        response = await client.get(f"{PLATFORM}{path}", params={"project_id": PROJECT, **params}, headers=operator)
        assert response.status_code == 200, (path, response.text[:300])
        return seen.check(f"GET {path} {params}", response.json())

    async def post(path: str, body: dict[str, Any]) -> Any:
        response = await client.post(f"{PLATFORM}{path}", json={"project_id": PROJECT, **body}, headers=operator)
        assert response.status_code == 200, (path, response.text[:300])
        return seen.check(f"POST {path} {body}", response.json())

    recent = await get("/events/recent", limit=100)
    event_ids = [item["event_id"] for item in recent["events"]]
    assert len(event_ids) == 6
    await get("/events/dossier", limit=50)
    await get("/events/dossier/coverage")
    await get("/events/dossier/freshness")
    recurrence = await get("/events/dossier/recurrence")
    work_items = [item["work_item"]["work_item_id"] for item in recurrence["items"] if item.get("work_item")]
    assert work_items, "the approval gate makes every alert group a work item"
    base = "/events/dossier/recurrence/work-item"
    for work_item_id in work_items:
        await get(f"{base}/preview", work_item_id=work_item_id)
        await post(f"{base}/dry-run", {"work_item_id": work_item_id})
        await post(f"{base}/handoff", {"work_item_id": work_item_id, "handoff_kind": "ticket_proposal"})
        await post(f"{base}/handoff", {"work_item_id": work_item_id, "handoff_kind": "manual_takeover"})
        await get(f"{base}/history", work_item_id=work_item_id)
    runs = await get("/runs")
    run_ids = [run["id"] for run in runs["items"]]
    assert len(run_ids) == 5  # one gated run per alert event
    for run_id in run_ids:
        await get(f"/runs/{run_id}")
        await get("/events/dossier", run_id=run_id)
    incidents = await get("/incidents")
    for incident in incidents["items"]:
        await get(f"/incidents/{incident['id']}")
    return event_ids, run_ids


async def _console(
    client: httpx.AsyncClient, key: str, event_ids: list[str], run_ids: list[str], seen: Collector
) -> None:
    signed_in = await login(client, key)
    assert signed_in.status_code in (302, 303), signed_in.text[:300]
    pages = ["/console", "/console/events", "/console/recurrence", "/console/runs"]
    pages += [f"/console/events/{event_id}" for event_id in event_ids]
    pages += [f"/console/runs/{run_id}" for run_id in run_ids]
    recurrence = await client.get("/console/recurrence")
    panels = sorted(set(re.findall(r"/console/recurrence/work-items/(wi_[0-9a-f]{16})", recurrence.text)))
    pages += [f"/console/recurrence/work-items/{work_item_id}" for work_item_id in panels]
    pages += [f"/console/recurrence?work_item={work_item_id}" for work_item_id in panels]
    assert any("/work-items/" in page for page in pages)
    for page in pages:
        # The work-item panel is an htmx partial; the console also opens it as a full page.
        response = await client.get(page, headers={"HX-Request": "true"} if "/work-items/" in page else None)
        assert response.status_code == 200, (page, response.text[:300])
        seen.check(page, response.text)


async def _tables(db: Database, seen: Collector) -> None:
    async with db.reader() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            seen.check(f"table {table.name}", [[str(value) for value in row] for row in rows])
        messages = (await session.scalars(select(OutboxMessage))).all()
    assert {message.kind for message in messages} >= {"incident_opened", "approval_wait"}
    for message in messages:
        seen.check(f"outbox {message.kind} payload", message.payload)
        seen.check(f"telegram text {message.kind}", render(message.kind, message.project_id, message.payload))


async def test_no_secret_survives_anywhere(client: httpx.AsyncClient, clean_db: Database, factory: Factory) -> None:
    project = await factory.project(PROJECT)
    async with clean_db.transaction() as session:
        secrets = ProjectSecrets(
            sentry_client_secret=SENTRY_SECRET,
            telegram_secret_token=TELEGRAM_SECRET,
            telegram_bot_token="42:r2-bot-token",
            telegram_chat_id="-100777",
        )
        await projects.set_secrets(session, PROJECT, secrets)
    key = await factory.key(projects_spec=PROJECT)
    operator = {"X-AwoooP-Operator-Key": key}
    loaded = await client.put(
        f"{PLATFORM}/playbooks/{PROJECT}", content=PLAYBOOK, headers=operator | {"Content-Type": "application/yaml"}
    )
    assert loaded.status_code == 200, loaded.text
    await _deliver(client, project.intake_token)

    seen = Collector()
    event_ids, run_ids = await _api(client, operator, seen)
    await _console(client, key, event_ids, run_ids, seen)
    await _tables(clean_db, seen)

    assert seen.seen > 50
    assert not seen.leaks, "\n".join(seen.leaks[:40])
    # The harness can fail: the secrets were really sent, and correlation ids were kept.
    assert _leaks("payload", json.dumps(_generic()))
    dossier = await client.get(f"{PLATFORM}/events/dossier", params={"project_id": PROJECT}, headers=operator)
    correlation = {event["provider"]: event["log_correlation"] for event in dossier.json()["events"]}
    assert set(correlation) == {"alertmanager", "signoz", "grafana", "generic", "sentry", "telegram"}
    for provider, ids in correlation.items():  # written inside free text, found there, never redacted
        assert (ids.get("trace_id"), ids.get("span_id")) == (TRACE, SPAN), provider
