"""Overview: freshness tiles with a heartbeat button, coverage figures, event-rate charts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.console.templating import render_template
from awooop.console.views.onboarding import intake_setup, pick_project
from awooop.console.views.overview import RATE_RANGES, OverviewView, build_overview, rate_range
from awooop.console.web import Console, ConsoleDep, ConsoleRoute, render, toast
from awooop.deps import ReadSessionDep, SessionDep
from awooop.dossier import service as dossier
from awooop.hub import rejections_read

router = APIRouter(route_class=ConsoleRoute)

COVERAGE_WINDOW = 200  # the API's maximum: the newest 200 alert events
HEARTBEAT_REASON = "console_heartbeat"


async def load_overview(session: AsyncSession, console: Console, rate_code: str | None = None) -> OverviewView:
    chosen = rate_range(rate_code)
    projects, label = console.projects, console.project or dossier.ALL_PROJECTS_LABEL
    freshness = await dossier.fetch_provider_freshness(
        session,
        projects=projects,
        limit_seconds=console.settings.freshness_limit_seconds,
        now=console.now,
        project_label=label,
    )
    coverage = await dossier.fetch_channel_event_dossier_coverage(
        session, projects=projects, project_label=label, limit=COVERAGE_WINDOW
    )
    rate = await dossier.event_rate(
        session, projects=projects, hours=chosen.hours, bucket_minutes=chosen.bucket_minutes, now=console.now
    )
    refused = await rejections_read.recent_rejections(session, projects=projects, now=console.now)
    return build_overview(freshness, coverage, rate, chosen, refused)


def _context(console: Console, view: OverviewView) -> dict[str, Any]:
    project = pick_project(console.project, console.available_projects)
    return {
        "section": "overview",
        "view": view,
        "setup": intake_setup(str(console.request.base_url), project),
        "coverage_window": COVERAGE_WINDOW,
        "rate_ranges": tuple(RATE_RANGES),
    }


@router.get("/", response_class=HTMLResponse)
async def overview(
    console: ConsoleDep, session: ReadSessionDep, rate: Annotated[str, Query(max_length=8)] = ""
) -> HTMLResponse:
    view = await load_overview(session, console, rate)
    return render(console, "overview.html", _context(console, view))


@router.post("/overview/heartbeat", response_class=HTMLResponse)
async def send_heartbeat(
    console: ConsoleDep,
    session: SessionDep,
    project_id: Annotated[str, Form(max_length=64)],
    provider: Annotated[str, Form(max_length=32)],
) -> HTMLResponse:
    """Record one synthetic heartbeat through the provider's real parser, then redraw the tiles."""
    result = await dossier.record_provider_heartbeats(
        session,
        project_id=project_id,
        providers=[provider],
        reason=HEARTBEAT_REASON,
        run_ref=None,
        operator=console.principal,
    )
    view = await load_overview(session, console)
    body = render_template("partials/overview_tiles.html", {**console.base_context(), **_context(console, view)})
    item = result["items"][0]
    message = console.t("overview.heartbeat_recorded", provider=provider, project=project_id, event=item["event_id"])
    return HTMLResponse(body + toast(console, message))
