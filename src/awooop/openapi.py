"""The OpenAPI document tells the truth about errors.

FastAPI documents a 422 as its own ``HTTPValidationError`` and no other error at all. This module
completes the generated document once, when it is first served:

* every status an operation can answer (the table below, checked by the schemathesis run in
  tests/api/test_openapi_contract.py) is listed with the error model, ``ErrorRead``;
* every 422 is documented as what the handlers answer, ``ValidationErrorRead``
  (``{"detail", "code", "errors": [{"field", "message"}]}``), and FastAPI's own validation
  models leave the document;
* 503 (and 429) document their ``Retry-After`` header.

Operations that already document a status with their own model (the intake routes' ``IntakeError``)
keep it; only their 422 takes the shared validation model.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

REF = "#/components/schemas/"


class ErrorRead(BaseModel):
    """Every error answer: a human ``detail`` and a stable ``code``; some carry more keys
    (``field``, ``reason``, ``current_state``)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})

    detail: str = Field(description="What went wrong, for a human")
    code: str = Field(description="Stable, machine-readable: bad_request, unauthorized, not_found, …")


class FieldErrorRead(BaseModel):
    field: str = Field(description="Where: location and name joined by dots, e.g. query.limit, body.note")
    message: str


class ValidationErrorRead(ErrorRead):
    """A 422: the request (or the JSON it carries) does not fit the schema; ``detail`` repeats the first
    of ``errors``."""

    errors: list[FieldErrorRead]


DESCRIPTIONS: dict[int, str] = {
    400: "Bad request: a parameter or body the service cannot use (`detail` says which)",
    401: "Missing, malformed, wrong or revoked credentials",
    403: "The key's role or project scope does not allow this (or the console CSRF token is missing)",
    404: "Not found, or not visible to this key (another project's data is never 'forbidden')",
    408: "The body did not arrive within AWOOOP_BODY_READ_TIMEOUT_SECONDS",
    409: "Conflict with the current state (e.g. a run transition the state machine does not allow)",
    413: "Body larger than the limit",
    415: "Content type not accepted",
    422: "Request does not fit the schema: `errors` lists each field and why",
    429: "Too many failed credentials from this address or for this key; retry after `Retry-After`",
    503: "Database busy or unreachable, or intake saturated; retry after `Retry-After`",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}

# Every operator and agent route: credentials (401), role and scope (403), schema and NUL refusal
# (422, any query parameter), failed-credential throttling (429), the database (503).
AUTHENTICATED = (401, 403, 422, 429, 503)
# (method, path) -> the statuses beyond AUTHENTICATED (platform and agent routes) or beyond what the
# route declares itself (intake).
EXTRA: dict[tuple[str, str], tuple[int, ...]] = {
    ("get", "/api/v1/platform/whoami"): (),
    ("get", "/api/v1/platform/events/recent"): (400,),
    ("get", "/api/v1/platform/events/dossier"): (400, 404),
    ("get", "/api/v1/platform/events/dossier/coverage"): (400,),
    ("post", "/api/v1/platform/events/dossier/provider-heartbeat"): (400, 404),
    ("get", "/api/v1/platform/events/dossier/freshness"): (400, 404),
    ("get", "/api/v1/platform/events/dossier/recurrence"): (400,),
    ("get", "/api/v1/platform/events/dossier/recurrence/work-item/preview"): (400, 404),
    ("post", "/api/v1/platform/events/dossier/recurrence/work-item/dry-run"): (400, 404),
    ("post", "/api/v1/platform/events/dossier/recurrence/work-item/handoff"): (400, 404),
    ("get", "/api/v1/platform/events/dossier/recurrence/work-item/history"): (400, 404),
    ("get", "/api/v1/platform/playbooks/{project_id}"): (404,),
    ("put", "/api/v1/platform/playbooks/{project_id}"): (404, 413, 415),
    ("get", "/api/v1/platform/runs"): (400,),
    ("get", "/api/v1/platform/runs/{run_id}"): (404,),
    ("post", "/api/v1/platform/runs/{run_id}/approve"): (404, 409),
    ("post", "/api/v1/platform/runs/{run_id}/reject"): (404, 409),
    ("post", "/api/v1/platform/runs/{run_id}/cancel"): (404, 409),
    ("get", "/api/v1/platform/incidents"): (400,),
    ("get", "/api/v1/platform/incidents/{incident_id}"): (400, 404),
    ("get", "/api/v1/platform/intake/rejections"): (400,),
    ("get", "/api/v1/platform/monitors"): (400,),
    ("post", "/api/v1/platform/monitors/{project_id}"): (400, 404, 409),
    ("get", "/api/v1/platform/monitors/{project_id}/{name}"): (404,),
    ("patch", "/api/v1/platform/monitors/{project_id}/{name}"): (400, 404),
    ("delete", "/api/v1/platform/monitors/{project_id}/{name}"): (404,),
    ("post", "/api/v1/platform/monitors/{project_id}/{name}/pause"): (404,),
    ("post", "/api/v1/platform/monitors/{project_id}/{name}/resume"): (404,),
    ("post", "/api/v1/platform/silences"): (400, 404),
    ("get", "/api/v1/platform/silences"): (400,),
    ("post", "/api/v1/platform/silences/preview"): (400, 404),
    ("get", "/api/v1/platform/silences/{silence_id}"): (404,),
    ("put", "/api/v1/platform/silences/{silence_id}"): (400, 404, 409),
    ("get", "/api/v1/platform/silences/{silence_id}/events"): (400, 404),
    ("post", "/api/v1/platform/silences/{silence_id}/expire"): (404, 409),
    ("post", "/api/v1/agents/{agent_id}/claim"): (),
    ("post", "/api/v1/agents/runs/{run_id}/report"): (400, 404, 409),
}
INTAKE_PREFIX = "/api/v1/hub/"
# Compatibility surfaces answer in the shapes of the API they stand in for (Opsgenie's Heartbeat
# API, Alertmanager's v2 silences), which their clients parse: their routes declare those answers
# themselves and are left as they are here.
FOREIGN_PREFIXES = ("/api/v1/opsgenie/", "/api/v1/alertmanager/")
# Statuses of every intake route besides those hub/api.py declares.
INTAKE_EXTRA: tuple[int, ...] = ()
PING_STATUSES: tuple[int, ...] = (401, 404, 429, 503)


def statuses(method: str, path: str) -> tuple[int, ...]:
    """The error statuses of one operation; KeyError for a route the table does not know (a new
    route must say what it answers)."""
    if path.startswith(INTAKE_PREFIX + "{project_id}/heartbeats/"):
        return PING_STATUSES  # a monitor ping: intake token, unknown monitor, throttle, database
    if path.startswith(INTAKE_PREFIX):
        return INTAKE_EXTRA
    return (*AUTHENTICATED, *EXTRA[(method, path)])


def _schemas() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for model in (ErrorRead, ValidationErrorRead):
        schema = model.model_json_schema(ref_template=REF + "{model}")
        found.update(schema.pop("$defs", {}))
        found[model.__name__] = schema
    return found


def _error_response(status: int, model: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": REF + model}}},
    }
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def complete(document: dict[str, Any]) -> None:
    """Add the error answers to ``document`` (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(_schemas())
    for path, operations in document.get("paths", {}).items():
        if path.startswith(FOREIGN_PREFIXES):
            _foreign_validation_errors(operations)
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            wanted = {*statuses(method, path), 422}
            if "requestBody" in operation:
                wanted.add(400)  # a body that is not JSON (or not UTF-8)
            for status in sorted(wanted):
                key = str(status)
                if status == 422:
                    responses[key] = _error_response(422, "ValidationErrorRead")
                elif key not in responses:
                    responses[key] = _error_response(status, "ErrorRead")
            for key in ("429", "503"):
                if key in responses:
                    responses[key].setdefault("headers", RETRY_AFTER)
            operation["responses"] = dict(sorted(responses.items()))


def _foreign_validation_errors(operations: dict[str, Any]) -> None:
    """A compatibility route keeps the answers it declares; its 422 is still the app's own
    validation error (one handler for every route), so that reference follows the rename."""
    for operation in operations.values():
        responses = operation.get("responses", {})
        if "422" in responses:
            responses["422"] = _error_response(422, "ValidationErrorRead")


# Starlette's own refusals (a body that is not JSON, a method the path does not have) in the error
# tree's shape, so they fit ErrorRead like every other error.
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


async def _http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse({"detail": str(exc.detail), "code": code}, status_code=exc.status_code, headers=exc.headers)


def install(app: FastAPI) -> None:
    """Serve the completed document (built once, on the first request for it) and render
    Starlette's HTTP exceptions as ``ErrorRead``."""
    app.add_exception_handler(HTTPException, _http_exception)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete(generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
