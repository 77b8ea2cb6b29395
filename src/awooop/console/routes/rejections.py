"""Refused deliveries: what senders were answered with 4xx, so a wrong token is seen at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from awooop.console.web import ConsoleDep, ConsoleRoute, render
from awooop.deps import ReadSessionDep
from awooop.hub import rejections_read
from awooop.hub.providers import PROVIDERS

router = APIRouter(route_class=ConsoleRoute)

PAGE_SIZE = 50


@router.get("/rejections", response_class=HTMLResponse)
async def rejection_list(
    console: ConsoleDep,
    session: ReadSessionDep,
    provider: Annotated[str, Query(max_length=32)] = "",
    reason: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> HTMLResponse:
    page = await rejections_read.list_rejections(
        session,
        projects=console.projects,
        provider=provider or None,
        reason=reason or None,
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    context = {
        "section": "rejections",
        "page": page,
        "provider": provider,
        "reason": reason,
        "cursor": cursor,
        "providers": PROVIDERS,
        "many_projects": console.project is None and len(console.available_projects) > 1,
    }
    return render(console, "rejections.html", context)
