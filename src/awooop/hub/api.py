"""Webhook routes: ``POST /api/v1/hub/{project_id}/{provider}``, one route per registered provider
(and method), with its summary and description from the provider's spec.

Thin on purpose: read the raw body (size-capped, streamed), hand it to ``intake.receive`` and
answer 202. The answer is built with orjson and never contains a ``method`` key (Telegram would
execute it as a Bot API call).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect

from awooop.config import Settings
from awooop.core.body import CappedBody
from awooop.errors import BadRequest, RequestTimeout
from awooop.guard.credentials import CredentialGuard
from awooop.hub import intake
from awooop.hub.committer import IntakeCommitter
from awooop.hub.providers import ProviderSpec, provider_specs
from awooop.hub.service import RecordedEvent


class AcceptedEvent(BaseModel):
    event_id: str
    provider_event_id: str
    is_duplicate: bool


class IntakeAccepted(BaseModel):
    status: str = Field(examples=["accepted"])
    project_id: str
    events: list[AcceptedEvent]


class IntakeError(BaseModel):
    detail: str
    code: str
    reason: str | None = None
    field: str | None = Field(default=None, description="The offending JSON field (422)")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": IntakeAccepted, "description": "Stored and committed"},
    400: {"model": IntakeError, "description": "Body is not JSON or not UTF-8"},
    401: {"model": IntakeError, "description": "Missing or wrong source credentials"},
    404: {"model": IntakeError, "description": "Unknown project"},
    408: {"model": IntakeError, "description": "Body not received within AWOOOP_BODY_READ_TIMEOUT_SECONDS"},
    413: {"model": IntakeError, "description": "Body over AWOOOP_MAX_BODY_BYTES"},
    422: {"model": IntakeError, "description": "JSON that does not fit the provider's schema; `field` names it"},
    429: {
        "model": IntakeError,
        "description": "Too many wrong credentials from this address; retry after `Retry-After`",
    },
    503: {"model": IntakeError, "description": "Database busy or unreachable; retry after `Retry-After`"},
}
# Declared for the OpenAPI document only: the endpoint reads them from the request itself, which
# skips FastAPI's per-request parameter validation (a measurable share of a 1-alert delivery).
OPENAPI_EXTRA: dict[str, Any] = {
    "parameters": [
        {"name": "project_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {
            "name": "token",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "Intake token, for senders that cannot set headers",
        },
    ],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
}


class IntakeRoute(APIRoute):
    """An API route whose handler is the endpoint itself (FastAPI's documented ``route_class`` hook).

    The endpoint takes the ``Request`` and returns a finished ``Response``, so FastAPI's
    per-request dependency solving and response handling have nothing to do but cost time on
    every delivery. The OpenAPI entry still comes from this route's declaration.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint


def _hub(request: Request) -> IntakeCommitter:
    hub: IntakeCommitter = request.app.state.intake
    return hub


def _body_reader(request: Request, timeout: float) -> intake.BodyReader:
    async def read(limit: int) -> bytes:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise intake.BodyTooLarge(limit, seen=int(declared))
        body = CappedBody(limit)
        try:
            # A sender dribbling its body must not hold a connection (and a worker's memory) forever.
            async with asyncio.timeout(timeout):
                return await body.read(request.stream(), lambda seen: intake.BodyTooLarge(limit, seen=seen))
        except ClientDisconnect:
            raise BadRequest("client disconnected before sending the whole body", reason="incomplete_body") from None
        except TimeoutError:
            raise RequestTimeout(
                f"the body did not arrive within {timeout:g} s ({body.received} bytes received)", reason="body_timeout"
            ) from None

    return read


def _accepted(project_id: str, events: list[RecordedEvent]) -> Response:
    payload = {
        "status": "accepted",
        "project_id": project_id,
        "events": [
            {"event_id": e.event_id, "provider_event_id": e.provider_event_id, "is_duplicate": e.is_duplicate}
            for e in events
        ],
    }
    return Response(orjson.dumps(payload), status_code=202, media_type="application/json")


def _receiver(provider: str) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        started = time.perf_counter()
        project_id: str = request.path_params["project_id"]
        token = request.query_params.get("token")
        settings: Settings = request.app.state.settings
        guard: CredentialGuard = request.app.state.guard
        reader = _body_reader(request, settings.body_read_timeout_seconds)
        delivery = intake.Delivery(
            project_id, provider, request.headers, token, reader, started, guard.address(request.scope), guard
        )
        events = await intake.receive(_hub(request), delivery)
        return _accepted(project_id, events)

    receive.__name__ = f"receive_{provider}"
    return receive


def intake_router() -> APIRouter:
    """The intake routes of every provider registered now, then the catch-all that records an
    unknown provider's delivery (404)."""
    router = APIRouter()
    for spec in provider_specs():
        _add_routes(router, spec)
    router.add_api_route("/{project_id}/{provider}", unknown_provider, methods=["POST"], include_in_schema=False)
    return router


def _add_routes(router: APIRouter, spec: ProviderSpec) -> None:
    receive = _receiver(spec.name)
    for method in spec.methods:
        first = method == spec.methods[0]
        router.add_api_route(
            f"/{{project_id}}/{spec.name}",
            receive,
            methods=[method],
            status_code=202,
            summary=spec.summary if first else f"{spec.summary} ({method})",
            description=spec.description,
            responses=ERROR_RESPONSES,
            openapi_extra=OPENAPI_EXTRA,
            response_class=Response,
            route_class_override=IntakeRoute,
            name=f"hub_{spec.name}" if first else f"hub_{spec.name}_{method.lower()}",
        )


async def unknown_provider(request: Request, project_id: str, provider: str) -> Response:
    raise await intake.unknown_provider(_hub(request), project_id, provider, request.headers)
