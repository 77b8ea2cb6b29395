"""Recurrence groups with work-item chips; the work-item panel: preview, dry-run, handoff, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.console.templating import render_template
from awooop.console.views.recurrence import (
    WORK_ITEM_STATUSES,
    RecurrenceGroupRow,
    WorkItemPanel,
    build_recurrence_view,
    build_work_item_panel,
    firing_times,
)
from awooop.console.web import Console, ConsoleDep, ConsoleRoute, is_htmx, redirect, render, toast
from awooop.deps import ReadSessionDep, SessionDep
from awooop.errors import BadRequest
from awooop.hub.providers import ALERT_PROVIDERS
from awooop.workitems import service
from awooop.workitems.classify import RecurrenceWorkItemHandoffKind, RecurrenceWorkItemMode
from awooop.workitems.schemas import (
    RecurrenceWorkItemDryRunResponse,
    RecurrenceWorkItemHandoffResponse,
    RecurrenceWorkItemHistoryResponse,
)

router = APIRouter(route_class=ConsoleRoute)

# The work-item services' maximum window: the list and the panel see the same groups and counts.
WINDOW = 300
HISTORY_LIMIT = 20
WorkItemId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^wi_[0-9a-f]{16}$")]
Mode = Annotated[RecurrenceWorkItemMode, Form()]
ProviderFilter = Annotated[str, Query(max_length=32, pattern=r"^[a-z]*$")]


async def _history(session: AsyncSession, console: Console, work_item_id: str) -> RecurrenceWorkItemHistoryResponse:
    return await service.fetch_recurrence_work_item_history(
        session, projects=console.projects, work_item_id=work_item_id, limit=HISTORY_LIMIT
    )


async def _panel(
    session: AsyncSession, console: Console, work_item_id: str, mode: RecurrenceWorkItemMode, provider: str | None
) -> WorkItemPanel:
    preview = await service.fetch_recurrence_work_item_preview(
        session, projects=console.projects, work_item_id=work_item_id, mode=mode, provider=provider, limit=WINDOW
    )
    return build_work_item_panel(preview, await _history(session, console, work_item_id))


@router.get("/recurrence", response_class=HTMLResponse)
async def recurrence_page(
    console: ConsoleDep,
    session: ReadSessionDep,
    provider: ProviderFilter = "",
    status: Annotated[str, Query(max_length=32)] = "",
    work_item: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    if status and status not in WORK_ITEM_STATUSES:
        raise BadRequest(f"status must be one of {', '.join(WORK_ITEM_STATUSES)}", field="status")
    # The window, not the API answer: it also carries each group's firing times (sparklines).
    window = await service.fetch_recurrence_window(
        session, projects=console.projects, provider=provider or None, limit=WINDOW
    )
    groups = [RecurrenceGroupRow(g.item(), g.work_item, g.silenced_by, firing_times(g.events)) for g in window.groups]
    view = build_recurrence_view(
        window.summary,
        groups,
        window_start=window.window_start,
        now=console.now,
        status=status or None,
        provider=provider or None,
    )
    panel = await _panel(session, console, work_item, "auto", provider or None) if work_item else None
    context = {
        "section": "recurrence",
        "view": view,
        "panel": panel,
        "selected": work_item,
        "window": WINDOW,
        "alert_providers": ALERT_PROVIDERS,
    }
    return render(console, "recurrence.html", context)


@router.get("/recurrence/work-items/{work_item_id}", response_class=HTMLResponse)
async def work_item_panel(
    console: ConsoleDep,
    session: ReadSessionDep,
    work_item_id: WorkItemId,
    mode: Annotated[RecurrenceWorkItemMode, Query()] = "auto",
    provider: ProviderFilter = "",
) -> Response:
    if not is_htmx(console.request):  # a shared link opens the page with the panel
        return redirect(console.url("/recurrence", work_item=work_item_id, provider=provider))
    panel = await _panel(session, console, work_item_id, mode, provider or None)
    context = {**console.base_context(), "panel": panel, "provider": provider}
    return HTMLResponse(render_template("partials/work_item_panel.html", context))


def _result(
    console: Console,
    panel: WorkItemPanel,
    result: RecurrenceWorkItemDryRunResponse | RecurrenceWorkItemHandoffResponse,
    kind: str,
    provider: str,
) -> HTMLResponse:
    context = {**console.base_context(), "panel": panel, "result": result, "kind": kind, "provider": provider}
    body = render_template("partials/work_item_result.html", context)
    history = render_template("partials/work_item_history.html", {**context, "oob": True})
    message = console.t(f"wi.{kind}_recorded", outcome=console.t(f"wi.outcome.{result.outcome}"))
    return HTMLResponse(body + history + toast(console, message))


@router.post("/recurrence/work-items/{work_item_id}/dry-run", response_class=HTMLResponse)
async def dry_run(
    console: ConsoleDep,
    reads: ReadSessionDep,
    session: SessionDep,
    *,
    work_item_id: WorkItemId,
    mode: Mode = "auto",
    provider: ProviderFilter = "",
) -> HTMLResponse:
    # Computed on the read session; the write lock is taken only to append the record.
    result = await service.record_recurrence_work_item_dry_run(
        reads,
        record_session=session,
        projects=console.projects,
        work_item_id=work_item_id,
        mode=mode,
        provider=provider or None,
        limit=WINDOW,
        operator=console.principal,
    )
    # The dry-run answer is a superset of the preview: no second read-model pass for the panel.
    panel = build_work_item_panel(result, await _history(session, console, work_item_id))
    return _result(console, panel, result, "dry_run", provider)


@router.post("/recurrence/work-items/{work_item_id}/handoff", response_class=HTMLResponse)
async def handoff(
    console: ConsoleDep,
    reads: ReadSessionDep,
    session: SessionDep,
    *,
    work_item_id: WorkItemId,
    handoff_kind: Annotated[RecurrenceWorkItemHandoffKind, Form()] = "ticket_proposal",
    mode: Mode = "auto",
    provider: ProviderFilter = "",
) -> HTMLResponse:
    result = await service.record_recurrence_work_item_handoff(
        reads,
        record_session=session,
        projects=console.projects,
        work_item_id=work_item_id,
        mode=mode,
        handoff_kind=handoff_kind,
        provider=provider or None,
        limit=WINDOW,
        operator=console.principal,
    )
    panel = build_work_item_panel(result, await _history(session, console, work_item_id))
    return _result(console, panel, result, "handoff", provider)
