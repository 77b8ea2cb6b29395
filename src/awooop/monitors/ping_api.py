"""``GET|POST|PUT|PATCH /api/v1/hub/{project_id}/heartbeats/{name}/ping``: a monitor's ping.

Authenticated like intake (the project's intake token as Bearer, Basic password or ``?token=``,
through the hub's cached credential check), no body needed (one is ignored), one UPDATE, 202.
A ping of a name the project has no monitor for answers 404 ``monitor_not_found``: on our own
route a typo must be loud (the Opsgenie-compatible route answers PONG regardless, as Opsgenie does).
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from awooop.core.db import Database
from awooop.errors import DomainError, NotFound
from awooop.hub.committer import IntakeCommitter
from awooop.hub.rejections import Rejection
from awooop.hub.sources import Credentials, authenticate
from awooop.monitors import service

router = APIRouter()
REJECTION_PROVIDER = "monitor-ping"  # the provider column of its intake_rejections rows
AUTH = "the project's intake token as `Authorization: Bearer <token>`, HTTP Basic password, or `?token=`"


async def ping_monitor(request: Request, project_id: str, name: str) -> Response:
    hub: IntakeCommitter = request.app.state.intake
    try:
        return await _ping(request, hub, project_id, name)
    except DomainError as exc:
        if exc.status_code < 500:  # counted and kept like every intake refusal (never the body)
            reason = str(exc.extra.get("reason") or exc.code)
            rejection = Rejection(project_id, REJECTION_PROVIDER, reason, exc.status_code, exc.detail, None, 0)
            await hub.rejections.record(rejection, project_known=reason != "unknown_project")
        raise


async def _ping(request: Request, hub: IntakeCommitter, project_id: str, name: str) -> Response:
    presented = Credentials(request.headers, request.query_params.get("token"))
    await authenticate(hub.credentials, project_id, "generic", b"", presented)
    db: Database = request.app.state.db
    async with db.writer() as session, session.begin():
        state = await service.record_ping(session, project_id, name)
    if state is None:
        raise NotFound(
            f"project {project_id!r} has no monitor {name!r}; create it first (awooop monitors add)",
            reason="monitor_not_found",
        )
    body = {"status": "pong", "project_id": project_id, "monitor": name, "state": state}
    return Response(orjson.dumps(body), status_code=202, media_type="application/json")


for _method in ("GET", "POST", "PUT", "PATCH"):
    router.add_api_route(
        "/{project_id}/heartbeats/{name}/ping",
        ping_monitor,
        methods=[_method],
        status_code=202,
        summary="Heartbeat monitor ping" if _method == "GET" else f"Heartbeat monitor ping ({_method})",
        description=f"Records a ping of the monitor; no body needed. Auth: {AUTH}. Unknown monitor: 404.",
        response_class=Response,
        name=f"monitor_ping_{_method.lower()}",
    )
