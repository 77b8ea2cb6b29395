"""Incidents: the list (state, severity, text, project) and the detail (events, runs, timeline)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from awooop.console.views.incidents import SEVERITIES, STATUSES, build_incident_detail, build_incidents_view
from awooop.console.web import ConsoleDep, ConsoleRoute, render
from awooop.deps import ReadSessionDep
from awooop.incidents import service as incidents
from awooop.silences import service as silences

router = APIRouter(route_class=ConsoleRoute)

PAGE_SIZE = 25


@router.get("/incidents", response_class=HTMLResponse)
async def incident_list(
    *,
    console: ConsoleDep,
    session: ReadSessionDep,
    status: Annotated[Literal["", "open", "resolved"], Query()] = "",
    severity: Annotated[Literal["", "critical", "error", "warning", "info"], Query()] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> HTMLResponse:
    page = await incidents.list_incidents(
        session,
        projects=console.projects,
        status=status or None,
        severity=severity or None,
        text=q.strip() or None,
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    view = build_incidents_view(
        page,
        status=status,
        severity=severity,
        text=q.strip(),
        now=console.now,
        many_projects=console.project is None and len(console.available_projects) > 1,
    )
    silenced = await silences.silenced_incidents(session, {(inc.project_id, inc.id) for inc in page.items})
    context = {
        "section": "incidents",
        "view": view,
        "cursor": cursor,
        "statuses": STATUSES,
        "severities": SEVERITIES,
        "silenced": silenced,
    }
    return render(console, "incidents.html", context)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_detail(
    console: ConsoleDep, session: ReadSessionDep, incident_id: Annotated[str, Path(max_length=64)]
) -> HTMLResponse:
    detail = await incidents.get_incident_detail(session, incident_id, projects=console.projects)
    silenced = await silences.silenced_incidents(session, {(detail.project_id, detail.id)})
    context = {"section": "incidents", "view": build_incident_detail(detail), "silenced": silenced}
    return render(console, "incident_detail.html", context)
