"""Runs: the list (state filter, heartbeat toggle, alert label, dossier badge), the detail (timeline,
dossier), approve / reject."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.console.templating import render_template
from awooop.console.views.common import short_uuid
from awooop.console.views.runs import RUN_STATES, RunDetailView, build_run_detail, build_runs_view
from awooop.console.web import Console, ConsoleDep, ConsoleRoute, render, toast
from awooop.deps import ReadSessionDep, SessionDep
from awooop.dossier import service as dossier
from awooop.runs import service as runs
from awooop.runs.schemas import RunDetailRead

router = APIRouter(route_class=ConsoleRoute)

PAGE_SIZE = 25
DOSSIER_LIMIT = 50  # the dossier API's maximum

Decision = Callable[..., Awaitable[RunDetailRead]]


@router.get("/runs", response_class=HTMLResponse)
async def run_list(
    console: ConsoleDep,
    session: ReadSessionDep,
    state: Annotated[str, Query(max_length=32)] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
    heartbeats: Annotated[str, Query(max_length=16, description="'shown' lists heartbeat runs too")] = "",
) -> HTMLResponse:
    shown = heartbeats == "shown"
    page = await runs.list_runs(
        session,
        projects=console.projects,
        state=state or None,
        exclude_agent_id=None if shown else runs.HEARTBEAT_AGENT,
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    # One query each for the whole page: which runs have an ingested alert with a source envelope,
    # and which alert each run is about.
    run_ids = [run.id for run in page.items]
    in_dossier = await dossier.runs_with_dossier(session, run_ids, projects=console.projects)
    alerts = await runs.run_alert_labels(session, run_ids, projects=console.projects)
    view = build_runs_view(page, in_dossier, state=state or None, now=console.now, alerts=alerts, heartbeats=shown)
    return render(console, "runs.html", {"section": "runs", "view": view, "cursor": cursor, "states": RUN_STATES})


async def _detail(session: AsyncSession, run: RunDetailRead, projects: Collection[str] | None) -> RunDetailView:
    linked = await dossier.fetch_channel_event_dossier(session, projects=projects, run_id=run.id, limit=DOSSIER_LIMIT)
    return build_run_detail(run, linked)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
async def run_detail(console: ConsoleDep, session: ReadSessionDep, run_id: uuid.UUID) -> HTMLResponse:
    run = await runs.get_run_detail(session, run_id, projects=console.projects)
    view = await _detail(session, run, console.projects)
    return render(console, "run_detail.html", {"section": "runs", "view": view})


async def _decide(
    console: Console, session: AsyncSession, run_id: uuid.UUID, *, note: str, decide: Decision, message_key: str
) -> HTMLResponse:
    run = await decide(
        session, run_id, projects=console.projects, actor=console.principal.operator_id, note=note.strip() or None
    )
    view = await _detail(session, run, console.projects)
    context: dict[str, Any] = {**console.base_context(), "view": view}
    body = render_template("partials/run_body.html", context)
    return HTMLResponse(body + toast(console, console.t(message_key, run=short_uuid(run.id))))


@router.post("/runs/{run_id}/approve", response_class=HTMLResponse)
async def approve(
    console: ConsoleDep, session: SessionDep, run_id: uuid.UUID, note: Annotated[str, Form(max_length=2000)] = ""
) -> HTMLResponse:
    return await _decide(console, session, run_id, note=note, decide=runs.approve_run, message_key="runs.approved")


@router.post("/runs/{run_id}/reject", response_class=HTMLResponse)
async def reject(
    console: ConsoleDep, session: SessionDep, run_id: uuid.UUID, note: Annotated[str, Form(max_length=2000)] = ""
) -> HTMLResponse:
    return await _decide(console, session, run_id, note=note, decide=runs.reject_run, message_key="runs.rejected")
