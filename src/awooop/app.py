"""create_app(settings): routers, console, error handlers and the lifespan (database, intake, worker)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from awooop import background, health, openapi, whoami
from awooop.apidocs import routes as apidocs_routes
from awooop.config import Settings
from awooop.console import routes as console_routes
from awooop.core.db import DATABASE_ERRORS, Database, is_retryable_error, is_unavailable_error
from awooop.deps import refuse_nul_characters
from awooop.dossier import api as dossier_api
from awooop.errors import DatabaseUnavailable, DomainError, ServiceUnavailable
from awooop.guard.credentials import CredentialGuard
from awooop.hub import api as hub_api
from awooop.hub import rejections_api
from awooop.hub.committer import IntakeCommitter
from awooop.incidents import api as incidents_api
from awooop.monitors import app_wiring as monitors_wiring
from awooop.operators import last_use
from awooop.runs import agents_api
from awooop.runs import api as runs_api
from awooop.silences import alertmanager_api as silences_am_api
from awooop.silences import api as silences_api
from awooop.workitems import api as workitems_api

log = logging.getLogger(__name__)
PLATFORM = "/api/v1/platform"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if (page := console_routes.error_response(request, exc)) is not None:
            return page  # the console renders a page or an htmx toast, not JSON
        return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=exc.headers())

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if (page := console_routes.error_response(request, exc)) is not None:
            return page
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "invalid")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        detail = f"{first['field']}: {first['message']}"
        return JSONResponse({"detail": detail, "code": "validation_error", "errors": errors}, status_code=422)

    async def _database(request: Request, exc: Exception) -> Response:
        # Raised anywhere (auth dependencies, services, /metrics): a database that is away is a
        # 503 from the error tree (JSON, or the console's "retrying" page); anything else a 500.
        if is_unavailable_error(exc):
            return await _domain(request, DatabaseUnavailable("database busy or unreachable; retry"))
        if is_retryable_error(exc):  # a deadlock or serialization failure: nothing was committed
            return await _domain(request, ServiceUnavailable("conflict with a concurrent write; retry"))
        log.exception("database error", exc_info=exc)
        return JSONResponse({"detail": "internal database error", "code": "internal_error"}, status_code=500)

    for error_type in DATABASE_ERRORS:
        app.add_exception_handler(error_type, _database)


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = db or Database.connect(settings.resolved_database_url, pool_size=settings.db_pool_size)
        app.state.db = database
        committer = IntakeCommitter(database, settings)
        app.state.intake = committer
        await committer.start()
        stop = asyncio.Event()
        background_tasks = background.start(database, settings, stop) if settings.run_worker else []
        key_uses = asyncio.create_task(last_use.run(database, stop), name="awooop-key-last-use")
        # Start-up objects live for the whole process; freezing them keeps the collector's
        # full passes (tens of ms with a warm heap) off the request path.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            stop.set()
            await background.wait_stopped(background_tasks)
            await committer.stop()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(key_uses, timeout=5)  # writes the last noted uses
            if db is None:
                await database.dispose()

    app = FastAPI(
        title="AwoooP",
        version="0.1.0",
        summary="Alert intake and recurrence triage",
        lifespan=lifespan,
        docs_url=None,  # served offline by awooop.apidocs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.guard = CredentialGuard(settings)
    _install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(hub_api.intake_router(), prefix="/api/v1/hub", tags=["hub"])
    # Operator, agent and console routes refuse NUL in any parameter (intake keeps it, sanitised).
    guarded = [Depends(refuse_nul_characters)]
    app.include_router(whoami.router, prefix=PLATFORM, tags=["operators"], dependencies=guarded)
    app.include_router(dossier_api.router, prefix=PLATFORM, tags=["channel-events"], dependencies=guarded)
    app.include_router(workitems_api.router, prefix=PLATFORM, tags=["channel-events"], dependencies=guarded)
    app.include_router(runs_api.router, prefix=PLATFORM, tags=["runs"], dependencies=guarded)
    app.include_router(incidents_api.router, prefix=PLATFORM, tags=["incidents"], dependencies=guarded)
    app.include_router(rejections_api.router, prefix=PLATFORM, tags=["hub"], dependencies=guarded)
    app.include_router(agents_api.router, prefix="/api/v1/agents", tags=["agents"], dependencies=guarded)
    app.include_router(console_routes.router, prefix="/console", include_in_schema=False, dependencies=guarded)
    app.include_router(apidocs_routes.router)
    monitors_wiring.include(app, settings, guarded)
    app.include_router(silences_api.router, prefix=PLATFORM, tags=["silences"], dependencies=guarded)
    app.include_router(
        silences_am_api.router,
        prefix="/api/v1/alertmanager/{project_id}/api/v2",
        tags=["alertmanager"],
        dependencies=guarded,
    )
    openapi.install(app)
    return app
