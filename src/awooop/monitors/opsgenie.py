"""An Opsgenie-compatible Heartbeat API at ``/api/v1/opsgenie/v2/heartbeats…``.

The same paths, request bodies, answers (``{"data": …, "took": …, "requestId": …}``) and errors
(``{"message": …, "took": …, "requestId": …}``) as Opsgenie's Heartbeat API, so a script moves by
changing its base URL and key. The key (``Authorization: GenieKey <key>`` or ``?apiKey=``) picks
the project:

* the project's **intake token**: pings of that project (management refused with 403);
* an **operator key**: pings and management; the project is the key's only project, else
  ``?project=<id>`` is required (a key for several projects or ``*`` must name one).

A ping answers 202 PONG whether or not the monitor exists, as Opsgenie does; on AwoooP's own ping
route an unknown name is a 404. Opsgenie has no grace period: heartbeats created here get 0.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from awooop.core.db import Database
from awooop.core.security import hash_secret
from awooop.errors import BadRequest, DomainError, Forbidden, Unauthorized
from awooop.models import Monitor
from awooop.monitors import repository, service
from awooop.monitors.schemas import MAX_INTERVAL_SECONDS, MonitorCreate, MonitorUpdate
from awooop.operators.auth import authenticate_key

router = APIRouter()
BASE = "/v2/heartbeats"
UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86_400}
Unit = Literal["minutes", "hours", "days"]


class OwnerTeam(BaseModel):
    id: str | None = None
    name: str | None = None


class HeartbeatBody(BaseModel):
    """Opsgenie's Add/Update Heartbeat body (camelCase, as Opsgenie spells it)."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    interval: int | None = Field(default=None, ge=1)
    intervalUnit: Unit | None = None  # noqa: N815 - Opsgenie's field name
    enabled: bool | None = None
    ownerTeam: OwnerTeam | None = None  # noqa: N815
    alertMessage: str | None = Field(default=None, max_length=512)  # noqa: N815
    alertTags: list[str] | None = None  # noqa: N815
    alertPriority: Literal["P1", "P2", "P3", "P4", "P5"] | None = None  # noqa: N815

    def interval_seconds(self) -> int | None:
        if self.interval is None:
            return None
        seconds = self.interval * UNIT_SECONDS[self.intervalUnit or "minutes"]
        if seconds > MAX_INTERVAL_SECONDS:
            raise BadRequest("interval must be at most 366 days", field="interval")
        return seconds

    def settings(self) -> dict[str, Any]:
        fields = self.model_fields_set
        values: dict[str, Any] = {}
        if "description" in fields:
            values["description"] = self.description
        if "interval" in fields:
            values["interval_seconds"] = self.interval_seconds()
        if "enabled" in fields:
            values["enabled"] = self.enabled
        if "ownerTeam" in fields:
            values["owner_team"] = (self.ownerTeam.name or self.ownerTeam.id) if self.ownerTeam else None
        if "alertMessage" in fields:
            values["alert_message"] = self.alertMessage
        if "alertTags" in fields:
            values["tags"] = self.alertTags or []
        if "alertPriority" in fields:
            values["priority"] = self.alertPriority
        return values


class _Answer(Exception):
    """An Opsgenie-shaped error answer."""

    def __init__(self, status: int, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


def _unit(seconds: int) -> tuple[int, str]:
    for unit in ("days", "hours"):
        if seconds % UNIT_SECONDS[unit] == 0:
            return seconds // UNIT_SECONDS[unit], unit
    return max(1, -(-seconds // 60)), "minutes"


def heartbeat_info(monitor: Monitor) -> dict[str, Any]:
    return {"name": monitor.name, "enabled": monitor.enabled, "expired": monitor.state == repository.EXPIRED}


def heartbeat(monitor: Monitor) -> dict[str, Any]:
    interval, unit = _unit(monitor.interval_seconds)
    body: dict[str, Any] = {
        "name": monitor.name,
        "description": monitor.description or "",
        "interval": interval,
        "enabled": monitor.enabled,
        "intervalUnit": unit,
        "expired": monitor.state == repository.EXPIRED,
        "ownerTeam": {"name": monitor.owner_team} if monitor.owner_team else {},
        "alertTags": list(monitor.tags or []),
        "alertPriority": monitor.priority,
        "alertMessage": monitor.alert_message or f"{monitor.name} is expired",
    }
    if monitor.last_ping_at is not None:
        body["lastPingTime"] = service.to_read(monitor).last_ping_at.isoformat()  # type: ignore[union-attr]
    return body


def _respond(status: int, started: float, **body: Any) -> Response:
    payload = {**body, "took": round(time.perf_counter() - started, 3), "requestId": str(uuid.uuid4())}
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _presented_key(request: Request) -> str:
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "geniekey" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():  # Opsgenie also takes `basic base64(<key>)`
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _Answer(401, "Key format is not valid!") from None
        user, _, password = decoded.partition(":")
        if password or user:
            return password or user
    if query_key := request.query_params.get("apiKey"):
        return query_key
    raise _Answer(401, "Key format is not valid! Use 'Authorization: GenieKey <key>'")


async def _operator_project(db: Database, key: str, request: Request) -> str:
    try:
        principal = await authenticate_key(db, key, "operator_key", roles=("operator", "admin"))
    except (Unauthorized, Forbidden):
        raise _Answer(401, "Could not authenticate: key is neither an intake token nor an operator key") from None
    wanted = request.query_params.get("project")
    if wanted is None:
        if principal.all_projects or len(principal.projects) != 1:
            raise _Answer(422, "This key reaches several projects: add ?project=<project id>", {"project": "required"})
        return principal.projects[0]
    if not principal.can_see(wanted):
        raise _Answer(403, f"Key is not allowed to access project {wanted!r}")
    return wanted


async def _project(request: Request, *, manage: bool) -> str:
    """The project the presented key stands for (see the module docstring)."""
    db: Database = request.app.state.db
    key = _presented_key(request)
    async with db.reader() as session:
        token_project = await repository.project_by_token_hash(session, hash_secret(key))
    if token_project is not None:
        if manage:
            raise _Answer(403, "An intake token may only ping heartbeats; use an operator key to manage them")
        wanted = request.query_params.get("project")
        if wanted is not None and wanted != token_project:
            raise _Answer(403, f"Key is not allowed to access project {wanted!r}")
        return token_project
    return await _operator_project(db, key, request)


async def _body(request: Request) -> HeartbeatBody:
    raw = await request.body()
    try:
        parsed = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise _Answer(400, "Invalid JSON body") from None
    try:
        return HeartbeatBody.model_validate(parsed)
    except ValidationError as exc:
        errors = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in exc.errors()}
        raise _Answer(422, "Request body is not processable. Please check the errors.", errors) from None


Handler = Callable[[Request, float], Awaitable[Response]]


def _opsgenie(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Runs ``handler`` and renders every failure in Opsgenie's error shape."""

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        try:
            return await handler(request, started)
        except _Answer as answer:
            extra = {"errors": answer.errors} if answer.errors else {}
            return _respond(answer.status, started, message=answer.message, **extra)
        except DomainError as exc:
            if exc.status_code >= 500:
                raise
            status = 422 if exc.status_code == 400 else exc.status_code
            return _respond(status, started, message=exc.detail)

    endpoint.__name__ = handler.__name__
    return endpoint


def _name(request: Request) -> str:
    name: str = request.path_params["name"]
    return name


async def ping(request: Request, started: float) -> Response:
    project_id = await _project(request, manage=False)
    db: Database = request.app.state.db
    async with db.writer() as session, session.begin():
        await service.record_ping(session, project_id, _name(request))
    return _respond(202, started, result="PONG - Heartbeat received")


async def create(request: Request, started: float) -> Response:
    project_id = await _project(request, manage=True)
    body = await _body(request)
    missing = {
        f: "must not be empty"
        for f in ("name", "interval", "intervalUnit", "enabled")
        if f not in body.model_fields_set
    }
    if missing:
        raise _Answer(422, "Request body is not processable. Please check the errors.", missing)
    try:
        spec = MonitorCreate(name=body.name or "", **body.settings())
    except ValidationError as exc:
        raise _Answer(422, "Request body is not processable. Please check the errors.", {"name": str(exc)}) from None
    db: Database = request.app.state.db
    async with db.writer() as session, session.begin():
        monitor = await service.create_monitor(session, project_id, spec, grace_default=0)
    return _respond(201, started, data=heartbeat_info(monitor))


async def list_all(request: Request, started: float) -> Response:
    project_id = await _project(request, manage=True)
    db: Database = request.app.state.db
    async with db.reader() as session:
        rows = await service.list_monitors(session, [project_id])
    return _respond(200, started, data={"heartbeats": [heartbeat(m) for m in rows]})


async def get(request: Request, started: float) -> Response:
    project_id = await _project(request, manage=True)
    db: Database = request.app.state.db
    async with db.reader() as session:
        monitor = await service.require_monitor(session, project_id, _name(request))
    return _respond(200, started, data=heartbeat(monitor))


async def update(request: Request, started: float) -> Response:
    project_id = await _project(request, manage=True)
    body = await _body(request)
    change = MonitorUpdate(**body.settings())
    db: Database = request.app.state.db
    async with db.writer() as session, session.begin():
        monitor = await service.update_monitor(session, project_id, _name(request), change)
    return _respond(200, started, data=heartbeat_info(monitor))


async def delete(request: Request, started: float) -> Response:
    project_id = await _project(request, manage=True)
    db: Database = request.app.state.db
    async with db.writer() as session, session.begin():
        await service.delete_monitor(session, project_id, _name(request))
    return _respond(200, started, result="Deleted")


def _toggle(*, enabled: bool) -> Handler:
    async def toggle(request: Request, started: float) -> Response:
        project_id = await _project(request, manage=True)
        db: Database = request.app.state.db
        async with db.writer() as session, session.begin():
            monitor = await service.set_enabled(session, project_id, _name(request), enabled=enabled)
        return _respond(200, started, data=heartbeat_info(monitor))

    toggle.__name__ = "enable" if enabled else "disable"
    return toggle


ROUTES: list[tuple[str, str, Handler, str]] = [
    ("POST", BASE, create, "Add heartbeat (Opsgenie-compatible)"),
    ("GET", BASE, list_all, "List heartbeats (Opsgenie-compatible)"),
    ("GET", f"{BASE}/{{name}}", get, "Get heartbeat (Opsgenie-compatible)"),
    ("PATCH", f"{BASE}/{{name}}", update, "Update heartbeat (Opsgenie-compatible)"),
    ("DELETE", f"{BASE}/{{name}}", delete, "Delete heartbeat (Opsgenie-compatible)"),
    ("POST", f"{BASE}/{{name}}/enable", _toggle(enabled=True), "Enable heartbeat (Opsgenie-compatible)"),
    ("POST", f"{BASE}/{{name}}/disable", _toggle(enabled=False), "Disable heartbeat (Opsgenie-compatible)"),
    *[
        (m, f"{BASE}/{{name}}/ping", ping, f"Ping heartbeat ({m}, Opsgenie-compatible)")
        for m in ("GET", "POST", "PUT", "PATCH")
    ],
]

for _method, _path, _handler, _summary in ROUTES:
    router.add_api_route(
        _path,
        _opsgenie(_handler),
        methods=[_method],
        summary=_summary,
        description="Authorization: GenieKey <intake token | operator key>; see docs/monitors.md",
        response_class=Response,
        name=f"opsgenie_{_handler.__name__}_{_method.lower()}",
    )
