"""Operator routes for incidents under /api/v1/platform."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from awooop.deps import OperatorDep, ReadSessionDep
from awooop.incidents import service
from awooop.incidents.schemas import IncidentDetailRead, IncidentPage

router = APIRouter()


@router.get("/incidents", response_model=IncidentPage, summary="列出 incidents（新到舊，cursor 分頁）")
async def list_incidents(
    *,
    session: ReadSessionDep,
    operator: OperatorDep,
    project_id: Annotated[str | None, Query(description="Project; omitted = every project the key can see")] = None,
    status: Annotated[Literal["open", "resolved"] | None, Query(description="open or resolved")] = None,
    recurrence_key: Annotated[str | None, Query(max_length=1024, description="Only this recurrence key")] = None,
    severity: Annotated[
        Literal["critical", "error", "warning", "info"] | None, Query(description="Only this severity")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or the recurrence key")] = None,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size")] = 50,
) -> IncidentPage:
    return await service.list_incidents(
        session,
        projects=operator.project_filter(project_id),
        status=status,
        recurrence_key=recurrence_key,
        severity=severity,
        text=(q.strip() or None) if q else None,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/incidents/{incident_id}",
    response_model=IncidentDetailRead,
    summary="Incident 詳情：runs 與最新事件",
)
async def get_incident(
    incident_id: str,
    session: ReadSessionDep,
    operator: OperatorDep,
    project_id: Annotated[
        str | None,
        Query(description="Project of the incident; needed only when the id exists in several projects the key sees"),
    ] = None,
) -> IncidentDetailRead:
    return await service.get_incident_detail(session, incident_id, projects=operator.project_filter(project_id))
