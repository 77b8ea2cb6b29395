"""Project scope, route by route: a key scoped to project A never sees or touches project B.

The routes come from the app itself, so a new route under /api/v1/platform, /api/v1/agents or
/console fails this module until it has a row here (or a place on the short list of routes that
are not project-bound). Each row calls the route as the A-scoped key twice: on A's own data (it
works) and on B's data named explicitly (403 or 404, or an empty answer for a filter). No answer
ever holds anything of B that the caller did not send itself, and B's runs and work-item history
are unchanged afterwards. All data is built through the real hub, playbook and agent routes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.factories import Factory

PLATFORM = "/api/v1/platform"
AGENTS = "/api/v1/agents"
SCOPED_PREFIXES = (PLATFORM, AGENTS, "/console")
A, B = "alpha", "bravo"
AGENT = "k8s-remediator"
PLAYBOOKS = f"""
playbooks:
  - {{id: gated, match: {{alertname: "Gated*"}}, agent_id: {AGENT}, action: scale, requires_approval: true}}
  - {{id: restart, match: {{alertname: "*"}}, agent_id: {AGENT}, action: rollout-restart}}
"""
# Alert names per project: B's never appear in an answer given to the A-scoped key.
GATED = {A: "GatedAlphaLatency", B: "GatedBravoSecretLatency"}
QUEUED = {A: "AlphaCrashLooping", B: "BravoSecretCrashLooping"}

# Routes that are not bound to a project: who am I, signing in and out, language, static files, 404 page.
NOT_PROJECT_BOUND = frozenset(
    {
        ("GET", f"{PLATFORM}/whoami"),
        ("GET", "/console/login"),
        ("POST", "/console/login"),
        ("POST", "/console/logout"),
        ("GET", "/console/lang/{language}"),
        ("GET", "/console/{path:path}"),
        ("POST", "/console/{path:path}"),
        ("MOUNT", "/console/static"),
    }
)


@dataclass
class World:
    """Ids of both projects' data, by project."""

    runs: dict[str, dict[str, str]] = field(default_factory=dict)  # project -> role -> run id
    events: dict[str, list[str]] = field(default_factory=dict)
    incidents: dict[str, list[str]] = field(default_factory=dict)
    work_items: dict[str, str] = field(default_factory=dict)
    provider_event_ids: dict[str, str] = field(default_factory=dict)
    silences: dict[str, dict[str, str]] = field(default_factory=dict)  # project -> role -> silence id

    def b_markers(self) -> set[str]:
        """Strings that only B's data carries. Incident ids are numbered per project (A has an
        INC-000001 too), so they are no marker; B's incidents are probed by naming project B."""
        return {B, GATED[B], QUEUED[B], self.work_items[B], *self.runs[B].values(), *self.events[B]} | set(
            self.silences[B].values()
        )


@dataclass(frozen=True)
class Call:
    """One request; ``expect`` the statuses that are right for it."""

    method: str
    url: str
    expect: frozenset[int]
    params: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    content: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def sent(self) -> str:
        return " ".join(str(part) for part in (self.url, self.params, self.json, self.data, self.content))


OK = frozenset({200})
OK_OR_EMPTY = frozenset({200, 204})
REFUSED = frozenset({403, 404})
HX = {"HX-Request": "true"}
YAML = {"Content-Type": "application/yaml"}

# (method, path) -> world -> (calls on A's own data, calls on B's data)
Row = Callable[[World], tuple[list[Call], list[Call]]]


def _get(url: str, expect: frozenset[int], **params: str) -> Call:
    return Call("GET", url, expect, params=params or None)


def _post(url: str, expect: frozenset[int], body: dict[str, Any] | None = None) -> Call:
    return Call("POST", url, expect, json=body)


def _form(url: str, expect: frozenset[int], data: dict[str, str] | None = None, *, htmx: bool = True) -> Call:
    return Call("POST", url, expect, data=data or {}, headers=HX if htmx else {})


def _both_ways(url: str, **params: str) -> Row:
    """A list route: project omitted and A explicit work; B explicit is refused."""
    return lambda _w: (
        [_get(url, OK, **params), _get(url, OK, project_id=A, **params)],
        [_get(url, REFUSED, project_id=B)],
    )


def _console_list(url: str, **params: str) -> Row:
    return lambda _w: ([_get(url, OK, **params), _get(url, OK, project=A)], [_get(url, REFUSED, project=B)])


def _silence_body(project_id: str) -> dict[str, Any]:
    """A silence that covers nothing of the world (its alert never fires)."""
    return {
        "project_id": project_id,
        "matchers": [{"name": "alertname", "value": f"NeverFires{project_id}"}],
        "endsAt": "2999-01-01T00:00:00Z",
        "comment": "scope audit",
    }


def _console_silence(project_id: str) -> dict[str, str]:
    return {"project_id": project_id, "matchers": f"alertname=NeverFires{project_id}", "comment": "scope audit"}


def _wi(work_item_id: str, **extra: Any) -> dict[str, Any]:
    return {"work_item_id": work_item_id, **extra}


ROUTES: dict[tuple[str, str], Row] = {
    ("GET", f"{PLATFORM}/events/recent"): lambda w: (
        [_get(f"{PLATFORM}/events/recent", OK, limit="100"), _get(f"{PLATFORM}/events/recent", OK, project_id=A)],
        [
            _get(f"{PLATFORM}/events/recent", REFUSED, project_id=B),
            _get(f"{PLATFORM}/events/recent", OK, provider_prefix=w.provider_event_ids[B][:12]),
        ],
    ),
    ("GET", f"{PLATFORM}/events/dossier"): lambda w: (
        [
            _get(f"{PLATFORM}/events/dossier", OK, limit="50"),
            _get(f"{PLATFORM}/events/dossier", OK, run_id=w.runs[A]["gated"]),
        ],
        [
            _get(f"{PLATFORM}/events/dossier", REFUSED, project_id=B),
            _get(f"{PLATFORM}/events/dossier", OK, run_id=w.runs[B]["gated"]),
            _get(f"{PLATFORM}/events/dossier", OK, provider_event_id=w.provider_event_ids[B]),
        ],
    ),
    ("GET", f"{PLATFORM}/events/dossier/coverage"): _both_ways(f"{PLATFORM}/events/dossier/coverage"),
    ("GET", f"{PLATFORM}/events/dossier/freshness"): _both_ways(f"{PLATFORM}/events/dossier/freshness"),
    ("GET", f"{PLATFORM}/events/dossier/recurrence"): _both_ways(f"{PLATFORM}/events/dossier/recurrence"),
    ("POST", f"{PLATFORM}/events/dossier/provider-heartbeat"): lambda _w: (
        [_post(f"{PLATFORM}/events/dossier/provider-heartbeat", OK, {"project_id": A, "providers": ["generic"]})],
        [_post(f"{PLATFORM}/events/dossier/provider-heartbeat", REFUSED, {"project_id": B, "providers": ["generic"]})],
    ),
    ("GET", f"{PLATFORM}/events/dossier/recurrence/work-item/preview"): lambda w: (
        [_get(f"{PLATFORM}/events/dossier/recurrence/work-item/preview", OK, work_item_id=w.work_items[A])],
        [
            _get(f"{PLATFORM}/events/dossier/recurrence/work-item/preview", REFUSED, work_item_id=w.work_items[B]),
            _get(
                f"{PLATFORM}/events/dossier/recurrence/work-item/preview",
                REFUSED,
                work_item_id=w.work_items[B],
                project_id=B,
            ),
        ],
    ),
    ("POST", f"{PLATFORM}/events/dossier/recurrence/work-item/dry-run"): lambda w: (
        [_post(f"{PLATFORM}/events/dossier/recurrence/work-item/dry-run", OK, _wi(w.work_items[A]))],
        [
            _post(f"{PLATFORM}/events/dossier/recurrence/work-item/dry-run", REFUSED, _wi(w.work_items[B])),
            _post(
                f"{PLATFORM}/events/dossier/recurrence/work-item/dry-run", REFUSED, _wi(w.work_items[B], project_id=B)
            ),
        ],
    ),
    ("POST", f"{PLATFORM}/events/dossier/recurrence/work-item/handoff"): lambda w: (
        [_post(f"{PLATFORM}/events/dossier/recurrence/work-item/handoff", OK, _wi(w.work_items[A]))],
        [
            _post(f"{PLATFORM}/events/dossier/recurrence/work-item/handoff", REFUSED, _wi(w.work_items[B])),
            _post(
                f"{PLATFORM}/events/dossier/recurrence/work-item/handoff", REFUSED, _wi(w.work_items[B], project_id=B)
            ),
        ],
    ),
    ("GET", f"{PLATFORM}/events/dossier/recurrence/work-item/history"): lambda w: (
        [_get(f"{PLATFORM}/events/dossier/recurrence/work-item/history", OK, work_item_id=w.work_items[A])],
        [
            _get(f"{PLATFORM}/events/dossier/recurrence/work-item/history", REFUSED, work_item_id=w.work_items[B]),
            _get(
                f"{PLATFORM}/events/dossier/recurrence/work-item/history",
                REFUSED,
                work_item_id=w.work_items[B],
                project_id=B,
            ),
        ],
    ),
    ("GET", f"{PLATFORM}/playbooks/{{project_id}}"): lambda _w: (
        [_get(f"{PLATFORM}/playbooks/{A}", OK)],
        [_get(f"{PLATFORM}/playbooks/{B}", REFUSED)],
    ),
    ("PUT", f"{PLATFORM}/playbooks/{{project_id}}"): lambda _w: (
        [Call("PUT", f"{PLATFORM}/playbooks/{A}", OK, content=PLAYBOOKS, headers=YAML)],
        [Call("PUT", f"{PLATFORM}/playbooks/{B}", REFUSED, content="playbooks: []\n", headers=YAML)],
    ),
    ("GET", f"{PLATFORM}/runs"): _both_ways(f"{PLATFORM}/runs", limit="200"),
    ("GET", f"{PLATFORM}/runs/{{run_id}}"): lambda w: (
        [_get(f"{PLATFORM}/runs/{w.runs[A]['gated']}", OK)],
        [_get(f"{PLATFORM}/runs/{w.runs[B]['gated']}", REFUSED)],
    ),
    ("POST", f"{PLATFORM}/runs/{{run_id}}/approve"): lambda w: (
        [_post(f"{PLATFORM}/runs/{w.runs[A]['api-approve']}/approve", OK)],
        [_post(f"{PLATFORM}/runs/{w.runs[B]['gated']}/approve", REFUSED)],
    ),
    ("POST", f"{PLATFORM}/runs/{{run_id}}/reject"): lambda w: (
        [_post(f"{PLATFORM}/runs/{w.runs[A]['api-reject']}/reject", OK)],
        [_post(f"{PLATFORM}/runs/{w.runs[B]['gated']}/reject", REFUSED)],
    ),
    ("POST", f"{PLATFORM}/runs/{{run_id}}/cancel"): lambda w: (
        [_post(f"{PLATFORM}/runs/{w.runs[A]['api-cancel']}/cancel", OK)],
        [
            _post(f"{PLATFORM}/runs/{w.runs[B]['queued']}/cancel", REFUSED),
            _post(f"{PLATFORM}/runs/{w.runs[B]['running']}/cancel", REFUSED),
        ],
    ),
    ("GET", f"{PLATFORM}/incidents"): _both_ways(f"{PLATFORM}/incidents", limit="200"),
    ("GET", f"{PLATFORM}/incidents/{{incident_id}}"): lambda w: (
        [_get(f"{PLATFORM}/incidents/{w.incidents[A][0]}", OK)],
        [_get(f"{PLATFORM}/incidents/{incident}", REFUSED, project_id=B) for incident in w.incidents[B]],
    ),
    # The agent key (scoped to A) claims: A has nothing left queued for it, B's queued run stays queued.
    ("POST", f"{AGENTS}/{{agent_id}}/claim"): lambda _w: (
        [_post(f"{AGENTS}/{AGENT}/claim", OK_OR_EMPTY)],
        [_post(f"{AGENTS}/{AGENT}/claim", frozenset({204})), _post(f"{AGENTS}/other-agent/claim", REFUSED)],
    ),
    ("POST", f"{AGENTS}/runs/{{run_id}}/report"): lambda w: (
        [_post(f"{AGENTS}/runs/{w.runs[A]['running']}/report", OK, {"state": "completed"})],
        [_post(f"{AGENTS}/runs/{w.runs[B]['running']}/report", REFUSED, {"state": "failed", "note": "not mine"})],
    ),
    ("POST", f"{PLATFORM}/silences"): lambda _w: (
        [_post(f"{PLATFORM}/silences", frozenset({201}), _silence_body(A))],
        [_post(f"{PLATFORM}/silences", REFUSED, _silence_body(B))],
    ),
    ("GET", f"{PLATFORM}/silences"): _both_ways(f"{PLATFORM}/silences"),
    ("POST", f"{PLATFORM}/silences/preview"): lambda _w: (
        [_post(f"{PLATFORM}/silences/preview", OK, {"project_id": A, "match_all": True})],
        [_post(f"{PLATFORM}/silences/preview", REFUSED, {"project_id": B, "match_all": True})],
    ),
    ("GET", f"{PLATFORM}/silences/{{silence_id}}"): lambda w: (
        [_get(f"{PLATFORM}/silences/{w.silences[A]['read']}", OK)],
        [_get(f"{PLATFORM}/silences/{w.silences[B]['read']}", REFUSED)],
    ),
    ("GET", f"{PLATFORM}/silences/{{silence_id}}/events"): lambda w: (
        [_get(f"{PLATFORM}/silences/{w.silences[A]['read']}/events", OK)],
        [_get(f"{PLATFORM}/silences/{w.silences[B]['read']}/events", REFUSED)],
    ),
    ("POST", f"{PLATFORM}/silences/{{silence_id}}/expire"): lambda w: (
        [_post(f"{PLATFORM}/silences/{w.silences[A]['expire']}/expire", OK)],
        [_post(f"{PLATFORM}/silences/{w.silences[B]['read']}/expire", REFUSED)],
    ),
    ("PUT", f"{PLATFORM}/silences/{{silence_id}}"): lambda w: (
        [Call("PUT", f"{PLATFORM}/silences/{w.silences[A]['update']}", OK, json=_silence_body(A))],
        [Call("PUT", f"{PLATFORM}/silences/{w.silences[B]['read']}", REFUSED, json=_silence_body(A))],
    ),
    ("GET", "/console"): _console_list("/console"),
    ("GET", "/console/"): _console_list("/console/"),
    ("POST", "/console/overview/heartbeat"): lambda _w: (
        [_form("/console/overview/heartbeat", OK, {"project_id": A, "provider": "generic"})],
        [_form("/console/overview/heartbeat", REFUSED, {"project_id": B, "provider": "generic"})],
    ),
    ("GET", "/console/runs"): _console_list("/console/runs"),
    ("GET", "/console/runs/{run_id}"): lambda w: (
        [_get(f"/console/runs/{w.runs[A]['gated']}", OK)],
        [_get(f"/console/runs/{w.runs[B]['gated']}", REFUSED)],
    ),
    ("POST", "/console/runs/{run_id}/approve"): lambda w: (
        [_form(f"/console/runs/{w.runs[A]['console-approve']}/approve", OK)],
        [_form(f"/console/runs/{w.runs[B]['gated']}/approve", REFUSED)],
    ),
    ("POST", "/console/runs/{run_id}/reject"): lambda w: (
        [_form(f"/console/runs/{w.runs[A]['console-reject']}/reject", OK)],
        [_form(f"/console/runs/{w.runs[B]['gated']}/reject", REFUSED)],
    ),
    ("GET", "/console/recurrence"): lambda w: (
        [_get("/console/recurrence", OK), _get("/console/recurrence", OK, work_item=w.work_items[A])],
        [
            _get("/console/recurrence", REFUSED, project=B),
            _get("/console/recurrence", REFUSED, work_item=w.work_items[B]),
        ],
    ),
    ("GET", "/console/recurrence/work-items/{work_item_id}"): lambda w: (
        [Call("GET", f"/console/recurrence/work-items/{w.work_items[A]}", OK, headers=HX)],
        [Call("GET", f"/console/recurrence/work-items/{w.work_items[B]}", REFUSED, headers=HX)],
    ),
    ("POST", "/console/recurrence/work-items/{work_item_id}/dry-run"): lambda w: (
        [_form(f"/console/recurrence/work-items/{w.work_items[A]}/dry-run", OK)],
        [_form(f"/console/recurrence/work-items/{w.work_items[B]}/dry-run", REFUSED)],
    ),
    ("POST", "/console/recurrence/work-items/{work_item_id}/handoff"): lambda w: (
        [_form(f"/console/recurrence/work-items/{w.work_items[A]}/handoff", OK)],
        [_form(f"/console/recurrence/work-items/{w.work_items[B]}/handoff", REFUSED)],
    ),
    ("GET", "/console/events"): _console_list("/console/events", limit="100"),
    ("GET", f"{PLATFORM}/monitors"): _both_ways(f"{PLATFORM}/monitors"),
    ("POST", f"{PLATFORM}/monitors/{{project_id}}"): lambda _w: (
        [_post(f"{PLATFORM}/monitors/{A}", frozenset({201}), {"name": f"{A}-new", "interval_seconds": 60})],
        [_post(f"{PLATFORM}/monitors/{B}", REFUSED, {"name": f"{A}-new", "interval_seconds": 60})],
    ),
    ("GET", f"{PLATFORM}/monitors/{{project_id}}/{{name}}"): lambda _w: (
        [_get(f"{PLATFORM}/monitors/{A}/{A}-nightly", OK)],
        [_get(f"{PLATFORM}/monitors/{B}/{B}-nightly", REFUSED)],
    ),
    ("PATCH", f"{PLATFORM}/monitors/{{project_id}}/{{name}}"): lambda _w: (
        [Call("PATCH", f"{PLATFORM}/monitors/{A}/{A}-nightly", OK, json={"description": "mine"})],
        [Call("PATCH", f"{PLATFORM}/monitors/{B}/{B}-nightly", REFUSED, json={"description": "not mine"})],
    ),
    ("DELETE", f"{PLATFORM}/monitors/{{project_id}}/{{name}}"): lambda _w: (
        [Call("DELETE", f"{PLATFORM}/monitors/{A}/{A}-drop", frozenset({204}))],
        [Call("DELETE", f"{PLATFORM}/monitors/{B}/{B}-drop", REFUSED)],
    ),
    ("POST", f"{PLATFORM}/monitors/{{project_id}}/{{name}}/pause"): lambda _w: (
        [_post(f"{PLATFORM}/monitors/{A}/{A}-nightly/pause", OK)],
        [_post(f"{PLATFORM}/monitors/{B}/{B}-nightly/pause", REFUSED)],
    ),
    ("POST", f"{PLATFORM}/monitors/{{project_id}}/{{name}}/resume"): lambda _w: (
        [_post(f"{PLATFORM}/monitors/{A}/{A}-nightly/resume", OK)],
        [_post(f"{PLATFORM}/monitors/{B}/{B}-nightly/resume", REFUSED)],
    ),
    ("GET", "/console/monitors"): _console_list("/console/monitors"),
    ("POST", "/console/monitors/{project_id}/{name}/pause"): lambda _w: (
        [_form(f"/console/monitors/{A}/{A}-nightly/pause", OK)],
        [_form(f"/console/monitors/{B}/{B}-nightly/pause", REFUSED)],
    ),
    ("POST", "/console/monitors/{project_id}/{name}/resume"): lambda _w: (
        [_form(f"/console/monitors/{A}/{A}-nightly/resume", OK)],
        [_form(f"/console/monitors/{B}/{B}-nightly/resume", REFUSED)],
    ),
    ("GET", "/console/silences"): _console_list("/console/silences", state="all"),
    ("POST", "/console/silences"): lambda _w: (
        [_form("/console/silences", frozenset({303}), _console_silence(A), htmx=False)],
        [_form("/console/silences", REFUSED, _console_silence(B), htmx=False)],
    ),
    ("POST", "/console/silences/{silence_id}/expire"): lambda w: (
        [_form(f"/console/silences/{w.silences[A]['console-expire']}/expire", frozenset({303}), htmx=False)],
        [_form(f"/console/silences/{w.silences[B]['read']}/expire", REFUSED, htmx=False)],
    ),
    ("GET", f"{PLATFORM}/intake/rejections"): _both_ways(f"{PLATFORM}/intake/rejections", limit="200"),
    ("GET", "/console/rejections"): _console_list("/console/rejections"),
    ("GET", "/console/incidents"): _console_list("/console/incidents"),
    ("GET", "/console/incidents/{incident_id}"): lambda w: (
        [_get(f"/console/incidents/{w.incidents[A][0]}", OK)],
        [_get(f"/console/incidents/{incident}", REFUSED, project=B) for incident in w.incidents[B]],
    ),
    ("GET", "/console/events/{event_id}"): lambda w: (
        [_get(f"/console/events/{w.events[A][0]}", OK)],
        [_get(f"/console/events/{event}", REFUSED) for event in w.events[B]],
    ),
}


def scoped_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves under the project-bound prefixes (mounts as MOUNT)."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not path.startswith(SCOPED_PREFIXES):
            continue
        methods = route.methods
        if not methods:
            found.add(("MOUNT", path))
        found |= {(method, path) for method in methods or () if method != "HEAD"}
    return found


def work_item_id(project_id: str, recurrence_key: str) -> str:
    return "wi_" + hashlib.sha256(f"{project_id}\x1f{recurrence_key}".encode()).hexdigest()[:16]


def _alert(alertname: str, fingerprint: str, minute: int) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": alertname, "severity": "critical", "namespace": "payments"},
        "annotations": {"summary": f"{alertname} fired"},
        "startsAt": f"2026-08-20T09:{minute:02d}:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": fingerprint,
    }


# A's runs, one per state-changing row so each acts on a run in the right state; B's are the targets.
RUN_ROLES = {
    A: {
        "gated": "gated",
        "api-approve": "gated",
        "api-reject": "gated",
        "console-approve": "gated",
        "console-reject": "gated",
        "api-cancel": "queued",
        "running": "queued",
    },
    B: {"gated": "gated", "queued": "queued", "running": "queued"},
}


async def _build_world(client: httpx.AsyncClient, factory: Factory) -> World:
    admin = await factory.operator_headers(role="admin")
    admin_agent = {"X-AwoooP-Agent-Key": admin["X-AwoooP-Operator-Key"]}
    world = World()
    for project_id in (A, B):
        token = (await factory.project(project_id)).intake_token
        put = await client.put(f"{PLATFORM}/playbooks/{project_id}", content=PLAYBOOKS, headers={**admin, **YAML})
        assert put.status_code == 200, put.text
        roles = RUN_ROLES[project_id]
        alerts = [
            _alert(GATED[project_id] if kind == "gated" else QUEUED[project_id], f"{project_id}-{role}", 1)
            for role, kind in roles.items()
        ]
        # The gated alert fires again: a recurrent group, so a work item exists in each project.
        alerts.append(_alert(GATED[project_id], f"{project_id}-gated", 2))
        # A refused delivery (wrong token) in each project: the rejections lists must keep B's to B.
        refused = await client.post(
            f"/api/v1/hub/{project_id}/alertmanager", json={}, headers={"Authorization": "Bearer wrong"}
        )
        assert refused.status_code == 401, refused.text
        for alert in alerts:
            body = {"receiver": "awooop", "status": "firing", "alerts": [alert], "version": "4"}
            sent = await client.post(
                f"/api/v1/hub/{project_id}/alertmanager", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            assert sent.status_code == 202, sent.text
        runs = (await client.get(f"{PLATFORM}/runs", params={"project_id": project_id}, headers=admin)).json()
        by_key = {run["recurrence_key"]: run["id"] for run in runs["items"]}
        world.runs[project_id] = {role: by_key[f"fp:{project_id}-{role}"] for role in roles}
        events = await client.get(
            f"{PLATFORM}/events/recent", params={"project_id": project_id, "limit": "100"}, headers=admin
        )
        world.events[project_id] = [event["event_id"] for event in events.json()["events"]]
        world.provider_event_ids[project_id] = events.json()["events"][0]["provider_event_id"]
        incidents = await client.get(f"{PLATFORM}/incidents", params={"project_id": project_id}, headers=admin)
        world.incidents[project_id] = [incident["id"] for incident in incidents.json()["items"]]
        world.work_items[project_id] = work_item_id(project_id, f"fp:{project_id}-gated")
        for monitor in (f"{project_id}-nightly", f"{project_id}-drop"):  # heartbeat monitors
            made = await client.post(
                f"{PLATFORM}/monitors/{project_id}", json={"name": monitor, "interval_seconds": 60}, headers=admin
            )
            assert made.status_code == 201, made.text
        # The "running" run is claimed (by an admin acting as the agent) and so is running.
        claimed = await client.post(
            f"{AGENTS}/runs/{world.runs[project_id]['running']}/report",
            json={"state": "running"},
            headers=admin_agent,
        )
        assert claimed.status_code == 200, claimed.text
        world.silences[project_id] = {}
        for role in ("read", "expire", "update", "console-expire"):
            made = await client.post(f"{PLATFORM}/silences", json=_silence_body(project_id), headers=admin)
            assert made.status_code == 201, made.text
            world.silences[project_id][role] = made.json()["id"]
    # B has history the A-scoped key must never read.
    for action in ("dry-run", "handoff"):
        recorded = await client.post(
            f"{PLATFORM}/events/dossier/recurrence/work-item/{action}", json=_wi(world.work_items[B]), headers=admin
        )
        assert recorded.status_code == 200, recorded.text
    return world


async def _b_state(client: httpx.AsyncClient, admin: dict[str, str], world: World) -> tuple[Any, ...]:
    runs = await client.get(f"{PLATFORM}/runs", params={"project_id": B, "limit": "200"}, headers=admin)
    history = await client.get(
        f"{PLATFORM}/events/dossier/recurrence/work-item/history",
        params={"work_item_id": world.work_items[B]},
        headers=admin,
    )
    recent = await client.get(f"{PLATFORM}/events/recent", params={"project_id": B, "limit": "100"}, headers=admin)
    playbooks = await client.get(f"{PLATFORM}/playbooks/{B}", headers=admin)
    return (
        sorted((run["id"], run["state"]) for run in runs.json()["items"]),
        history.json()["total"],
        len(recent.json()["events"]),
        [playbook["id"] for playbook in playbooks.json()["playbooks"]],
    )


def test_every_scoped_route_is_audited(app: FastAPI) -> None:
    served = scoped_routes(app)
    unaudited = served - set(ROUTES) - NOT_PROJECT_BOUND
    assert not unaudited, f"new routes need a row in ROUTES (or a reason in NOT_PROJECT_BOUND): {sorted(unaudited)}"
    assert set(ROUTES) <= served, f"rows for routes that no longer exist: {sorted(set(ROUTES) - served)}"


async def test_a_key_scoped_to_one_project_never_reaches_another(
    app: FastAPI, client: httpx.AsyncClient, factory: Factory
) -> None:
    world = await _build_world(client, factory)
    admin = await factory.operator_headers(role="admin")
    before = await _b_state(client, admin, world)
    operator = await factory.operator_headers(projects_spec=A)
    agent = {"X-AwoooP-Agent-Key": await factory.key(role="agent", projects_spec=A, operator_id=AGENT)}
    console = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    async with console:
        form = await console.get("/console/login")
        login_csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        key = await factory.key(projects_spec=A)
        signed_in = await console.post("/console/login", data={"key": key, "csrf_token": login_csrf})
        assert signed_in.status_code == 303, signed_in.text
        page = await console.get("/console/events")
        session_csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

        async def send(call: Call) -> httpx.Response:
            if call.url.startswith("/console"):
                http, headers = console, {"X-CSRF-Token": session_csrf, **call.headers}
            else:
                http, headers = client, {**(agent if call.url.startswith(AGENTS) else operator), **call.headers}
            return await http.request(
                call.method,
                call.url,
                params=call.params,
                json=call.json,
                data=call.data,
                content=call.content,
                headers=headers,
            )

        markers = world.b_markers()
        failures: list[str] = []
        for route in sorted(ROUTES):
            own, foreign = ROUTES[route](world)
            for call, kind in [(c, "own") for c in own] + [(c, "foreign") for c in foreign]:
                response = await send(call)
                # What the caller sent may be echoed (a 404 names the id asked for); nothing else of B.
                leaked = sorted(m for m in markers if m in response.text and m not in call.sent())
                if response.status_code not in call.expect or leaked:
                    failures.append(f"{route} {kind} {call.sent()} -> {response.status_code} leaked={leaked}")
    assert not failures, "\n".join(failures)
    assert await _b_state(client, admin, world) == before
