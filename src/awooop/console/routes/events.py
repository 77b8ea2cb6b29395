"""Recent events with channel and event-id prefix filters; each expands (htmx) to its dossier."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from awooop.console.templating import render_template
from awooop.console.views.dossier import dossier_event
from awooop.console.views.events import build_events_view
from awooop.console.views.onboarding import intake_setup, pick_project
from awooop.console.web import ConsoleDep, ConsoleRoute, is_htmx, render
from awooop.deps import ReadSessionDep
from awooop.dossier import service as dossier
from awooop.imports import service as imports
from awooop.silences import service as silences

router = APIRouter(route_class=ConsoleRoute)


@router.get("/events", response_class=HTMLResponse)
async def events(
    console: ConsoleDep,
    session: ReadSessionDep,
    channel_type: Annotated[Literal["", "alert", "chat"], Query()] = "",
    provider_prefix: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> HTMLResponse:
    result = await dossier.list_recent_channel_events(
        session,
        projects=console.projects,
        channel_type=channel_type or None,
        provider_prefix=provider_prefix.strip() or None,
        limit=limit,
    )
    result["events"] = await imports.with_origins(session, result["events"])
    view = build_events_view(
        result,
        channel_type=channel_type,
        provider_prefix=provider_prefix.strip(),
        many_projects=console.project is None and len(console.available_projects) > 1,
    )
    setup = intake_setup(str(console.request.base_url), pick_project(console.project, console.available_projects))
    silenced = await silences.silenced_among(session, [e["event_id"] for e in view.events])
    return render(console, "events.html", {"section": "events", "view": view, "setup": setup, "silenced": silenced})


@router.get("/events/{event_id}", response_class=HTMLResponse)
async def event_detail(console: ConsoleDep, session: ReadSessionDep, event_id: uuid.UUID) -> HTMLResponse:
    """The dossier of one event: a fragment for the expanding list, a full page for a deep link."""
    item = await dossier.get_channel_event(session, event_id, projects=console.projects)
    [item] = await imports.with_origins(session, [item])
    ev = dossier_event(item)
    if is_htmx(console.request):
        return HTMLResponse(render_template("partials/dossier_event.html", {**console.base_context(), "ev": ev}))
    return render(console, "event_detail.html", {"section": "events", "ev": ev})
