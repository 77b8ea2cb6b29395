"""The operator console at /console: server-rendered pages with htmx partials and vendored static files."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from awooop.console.routes import auth, events, incidents, monitors, overview, recurrence, rejections, runs, silences
from awooop.console.web import ConsoleRoute, error_response
from awooop.errors import NotFound

__all__ = ["error_response", "router"]

router = APIRouter(route_class=ConsoleRoute)
router.mount(
    "/static",
    StaticFiles(directory=str(resources.files("awooop.console").joinpath("static"))),
    name="console-static",
)
# /console itself is the overview (a sub-router cannot own the empty path).
router.add_api_route("", overview.overview, methods=["GET"], response_class=HTMLResponse)
router.include_router(auth.router)
router.include_router(overview.router)
router.include_router(runs.router)
router.include_router(recurrence.router)
router.include_router(events.router)
router.include_router(monitors.router)
router.include_router(silences.router)
router.include_router(incidents.router)
router.include_router(rejections.router)


@router.api_route("/{path:path}", methods=["GET", "POST"], include_in_schema=False)
async def not_found(request: Request, path: str) -> None:
    """Unknown console paths get the console's own 404 page, not the API's JSON."""
    del request
    raise NotFound(f"no console page at /console/{path}")
