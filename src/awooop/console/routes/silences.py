"""Silences: the list by state, a create form (pre-filled from an event or recurrence group), expire."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from awooop.console.web import ConsoleDep, ConsoleRoute, redirect, render
from awooop.deps import ReadSessionDep, SessionDep
from awooop.errors import BadRequest
from awooop.silences import service
from awooop.silences.matchers import MatcherError, parse_matcher_text
from awooop.silences.schemas import MatcherBody, SilenceBody, StateName

router = APIRouter(route_class=ConsoleRoute)
STATES: tuple[StateName, ...] = ("active", "pending", "expired")
DURATIONS = (("1h", 60), ("2h", 120), ("4h", 240), ("8h", 480), ("1d", 1440), ("7d", 10080))


@router.get("/silences", response_class=HTMLResponse)
async def silences_page(
    console: ConsoleDep,
    session: ReadSessionDep,
    state: Annotated[str, Query(max_length=16)] = "active",
    matchers: Annotated[str, Query(max_length=4000, description="pre-filled matchers, one per line")] = "",
    comment: Annotated[str, Query(max_length=400)] = "",
) -> HTMLResponse:
    chosen = state if state in STATES else ""
    rows = await service.list_silences(session, projects=console.projects, state=chosen or None, limit=200)
    items = [service.to_read(s, console.now) for s in rows]
    context = {
        "section": "silences",
        "items": items,
        "state": chosen,
        "states": STATES,
        "durations": DURATIONS,
        "prefill": matchers,
        "prefill_comment": comment,
        "form_project": console.single_project or (console.available_projects[0] if console.available_projects else ""),
    }
    return render(console, "silences.html", context)


def _parse_lines(text: str) -> list[MatcherBody]:
    try:
        parsed = [parse_matcher_text(line) for line in text.splitlines() if line.strip()]
    except MatcherError as exc:
        raise BadRequest(str(exc)) from exc
    return [MatcherBody.model_validate(m.as_json()) for m in parsed]


@router.post("/silences", response_class=HTMLResponse)
async def create_silence(
    *,
    console: ConsoleDep,
    session: SessionDep,
    project_id: Annotated[str, Form(max_length=64)],
    matchers: Annotated[str, Form(max_length=4000)],
    comment: Annotated[str, Form(max_length=4000)],
    duration_minutes: Annotated[int, Form(ge=1, le=60 * 24 * 365)] = 120,
) -> RedirectResponse:
    body = SilenceBody(
        matchers=_parse_lines(matchers),
        endsAt=console.now + timedelta(minutes=duration_minutes),
        comment=comment.strip(),
    )
    await service.create_silence(session, console.principal, project_id=project_id, body=body)
    return redirect(console.url("/silences", state="active"))


@router.post("/silences/{silence_id}/expire", response_class=HTMLResponse)
async def expire_silence(console: ConsoleDep, session: SessionDep, silence_id: uuid.UUID) -> RedirectResponse:
    await service.expire_silence(session, silence_id, console.projects)
    return redirect(console.url("/silences", state="expired"))
