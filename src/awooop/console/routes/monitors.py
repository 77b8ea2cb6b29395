"""Heartbeat monitors: state, last ping, a copy-paste ping URL with curl and cron lines, pause/resume."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from awooop.console.templating import render_template
from awooop.console.views.monitors import monitor_card, monitor_cards
from awooop.console.web import Console, ConsoleDep, ConsoleRoute, render, toast
from awooop.deps import ReadSessionDep, SessionDep
from awooop.monitors import service

router = APIRouter(route_class=ConsoleRoute)


@router.get("/monitors", response_class=HTMLResponse)
async def monitors(console: ConsoleDep, session: ReadSessionDep) -> HTMLResponse:
    rows = await service.list_monitors(session, console.projects)
    cards = monitor_cards([service.to_read(m, console.now) for m in rows], str(console.request.base_url))
    return render(console, "monitors.html", {"section": "monitors", "cards": cards})


async def _toggle(console: Console, session: SessionDep, project_id: str, name: str, *, enabled: bool) -> HTMLResponse:
    console.principal.require_project(project_id)
    monitor = await service.set_enabled(session, project_id, name, enabled=enabled)
    card = monitor_card(service.to_read(monitor, console.now), str(console.request.base_url))
    body = render_template("partials/monitor_card.html", {**console.base_context(), "card": card})
    key = "monitors.resumed" if enabled else "monitors.paused"
    return HTMLResponse(body + toast(console, console.t(key, name=name)))


@router.post("/monitors/{project_id}/{name}/pause", response_class=HTMLResponse)
async def pause(console: ConsoleDep, session: SessionDep, project_id: str, name: str) -> HTMLResponse:
    return await _toggle(console, session, project_id, name, enabled=False)


@router.post("/monitors/{project_id}/{name}/resume", response_class=HTMLResponse)
async def resume(console: ConsoleDep, session: SessionDep, project_id: str, name: str) -> HTMLResponse:
    return await _toggle(console, session, project_id, name, enabled=True)
