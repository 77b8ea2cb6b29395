"""Events with channel, provider, stage, event-id prefix and duplicate filters; each expands (htmx) to its dossier."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from awooop.console.templating import render_template
from awooop.console.views.dossier import dossier_event
from awooop.console.views.events import STAGES, EventFilters, build_events_view
from awooop.console.views.onboarding import intake_setup, pick_project
from awooop.console.web import ConsoleDep, ConsoleRoute, is_htmx, render
from awooop.deps import ReadSessionDep
from awooop.dossier import service as dossier
from awooop.errors import BadRequest
from awooop.hub.providers import PROVIDERS
from awooop.imports import service as imports
from awooop.silences import service as silences

router = APIRouter(route_class=ConsoleRoute)


@router.get("/events", response_class=HTMLResponse)
async def events(
    *,
    console: ConsoleDep,
    session: ReadSessionDep,
    channel_type: Annotated[Literal["", "alert", "chat"], Query()] = "",
    provider: Annotated[str, Query(max_length=32)] = "",
    stage: Annotated[str, Query(max_length=16)] = "",
    provider_event_id_prefix: Annotated[str, Query(max_length=200)] = "",
    duplicates: Annotated[Literal["folded", "hidden", "only", ""], Query()] = "folded",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> HTMLResponse:
    if provider and provider not in PROVIDERS:
        raise BadRequest(f"provider must be one of {', '.join(PROVIDERS)}", field="provider")
    if stage and stage not in STAGES:
        raise BadRequest(f"stage must be one of {', '.join(STAGES)}", field="stage")
    filters = EventFilters(
        channel_type=channel_type,
        provider=provider,
        stage=stage,
        provider_event_id_prefix=provider_event_id_prefix.strip(),
        duplicates=duplicates or "folded",
        limit=limit,
    )
    found = await dossier.list_events(
        session,
        projects=console.projects,
        channel_type=filters.channel_type or None,
        provider=filters.provider or None,
        stage=filters.stage or None,
        provider_event_id_prefix=filters.provider_event_id_prefix or None,
        is_duplicate=filters.is_duplicate,
        limit=limit,
    )
    origins = await imports.origins_of(session, [event.event_id for event in found])
    view = build_events_view(
        found,
        filters=filters,
        many_projects=console.project is None and len(console.available_projects) > 1,
        origins=origins,
    )
    setup = intake_setup(str(console.request.base_url), pick_project(console.project, console.available_projects))
    silenced = await silences.silenced_among(session, [e.event_id for e in found])
    context = {"section": "events", "view": view, "setup": setup, "silenced": silenced}
    return render(console, "events.html", context)


@router.get("/events/{event_id}", response_class=HTMLResponse)
async def event_detail(console: ConsoleDep, session: ReadSessionDep, event_id: uuid.UUID) -> HTMLResponse:
    """The dossier of one event: a fragment for the expanding list, a full page for a deep link."""
    item = await dossier.get_channel_event(session, event_id, projects=console.projects)
    origins = await imports.origins_of(session, [item.event_id])
    ev = dossier_event(item, origins.get(item.event_id))
    if is_htmx(console.request):
        return HTMLResponse(render_template("partials/dossier_event.html", {**console.base_context(), "ev": ev}))
    return render(console, "event_detail.html", {"section": "events", "ev": ev})
