"""Operator routes for silences under /api/v1/platform (thin: validate, one service call, shape)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from awooop.deps import OperatorDep, ReadSessionDep, SessionDep
from awooop.silences import service
from awooop.silences.schemas import (
    SilenceCreate,
    SilencedEventsRead,
    SilencePage,
    SilencePreviewRead,
    SilencePreviewRequest,
    SilenceRead,
    SilenceUpdate,
    StateName,
)

router = APIRouter()


@router.post("/silences", response_model=SilenceRead, status_code=201, summary="建立 silence（Alertmanager v2 格式）")
async def create_silence(body: SilenceCreate, session: SessionDep, operator: OperatorDep) -> SilenceRead:
    silence = await service.create_silence(
        session,
        operator,
        project_id=body.project_id,
        body=body,
        match_all=body.match_all,
        time_intervals=body.time_intervals,
        time_zone=body.time_zone,
    )
    return service.to_read(silence)


@router.get("/silences", response_model=SilencePage, summary="列出 silences")
async def list_silences(
    *,
    session: ReadSessionDep,
    operator: OperatorDep,
    project_id: Annotated[
        str | None, Query(max_length=64, description="omitted = every project the key can see")
    ] = None,
    state: Annotated[StateName | None, Query(description="pending, active or expired")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> SilencePage:
    rows = await service.list_silences(session, projects=operator.project_filter(project_id), state=state, limit=limit)
    return SilencePage(items=[service.to_read(s) for s in rows])


@router.post("/silences/preview", response_model=SilencePreviewRead, summary="預覽 silence 會涵蓋的 incidents 與群組")
async def preview_silence(
    body: SilencePreviewRequest, session: ReadSessionDep, operator: OperatorDep
) -> SilencePreviewRead:
    operator.require_project(body.project_id)
    return await service.preview(session, body.project_id, body.matchers, match_all=body.match_all)


@router.get("/silences/{silence_id}", response_model=SilenceRead, summary="Silence 詳情")
async def get_silence(silence_id: str, session: ReadSessionDep, operator: OperatorDep) -> SilenceRead:
    found = await service.require_silence(session, service.parse_id(silence_id), operator.project_filter(None))
    return service.to_read(found)


@router.get("/silences/{silence_id}/events", response_model=SilencedEventsRead, summary="此 silence 涵蓋的事件")
async def silenced_events(
    silence_id: str,
    session: ReadSessionDep,
    operator: OperatorDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SilencedEventsRead:
    return await service.silenced_events(session, service.parse_id(silence_id), operator.project_filter(None), limit)


@router.post("/silences/{silence_id}/expire", response_model=SilenceRead, summary="讓 silence 立即結束")
async def expire_silence(silence_id: str, session: SessionDep, operator: OperatorDep) -> SilenceRead:
    expired = await service.expire_silence(session, service.parse_id(silence_id), operator.project_filter(None))
    return service.to_read(expired)


@router.put("/silences/{silence_id}", response_model=SilenceRead, summary="更新 silence（結束舊的並建立新的）")
async def update_silence(
    silence_id: str, body: SilenceUpdate, session: SessionDep, operator: OperatorDep
) -> SilenceRead:
    replacement = await service.update_silence(
        session,
        operator,
        service.parse_id(silence_id),
        body,
        match_all=body.match_all,
        time_intervals=body.time_intervals,
        time_zone=body.time_zone,
    )
    return service.to_read(replacement)
