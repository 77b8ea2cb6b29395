"""Operator routes for runs (and, through ``playbooks_api``, playbooks) under /api/v1/platform."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query

from awooop.deps import OperatorDep, ReadSessionDep, SessionDep
from awooop.runs import playbooks_api, service
from awooop.runs.schemas import RunDecisionCreate, RunDetailRead, RunPage, RunStateName

router = APIRouter()
router.include_router(playbooks_api.router)

DecisionBody = Annotated[RunDecisionCreate | None, Body()]


@router.get("/runs", response_model=RunPage, summary="列出 remediation runs（新到舊，cursor 分頁）")
async def list_runs(
    *,
    session: ReadSessionDep,
    operator: OperatorDep,
    project_id: Annotated[str | None, Query(description="Project; omitted = every project the key can see")] = None,
    state: Annotated[RunStateName | None, Query(description="Only runs in this state")] = None,
    agent_id: Annotated[str | None, Query(max_length=128, description="Only runs of this agent")] = None,
    recurrence_key: Annotated[
        str | None, Query(max_length=1024, description="Only runs of this recurrence key")
    ] = None,
    exclude_agent_id: Annotated[
        str | None, Query(max_length=128, description="Leave out this agent's runs (e.g. awooop-heartbeat)")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size")] = 50,
) -> RunPage:
    return await service.list_runs(
        session,
        projects=operator.project_filter(project_id),
        state=state,
        agent_id=agent_id,
        recurrence_key=recurrence_key,
        exclude_agent_id=exclude_agent_id,
        cursor=cursor,
        limit=limit,
    )


@router.get("/runs/{run_id}", response_model=RunDetailRead, summary="Run 詳情：狀態歷史、關聯事件與 incident")
async def get_run(run_id: uuid.UUID, session: ReadSessionDep, operator: OperatorDep) -> RunDetailRead:
    return await service.get_run_detail(session, run_id, projects=operator.project_filter(None))


@router.post("/runs/{run_id}/approve", response_model=RunDetailRead, summary="核准等待中的 run（回到 queued）")
async def approve_run(
    run_id: uuid.UUID, session: SessionDep, operator: OperatorDep, body: DecisionBody = None
) -> RunDetailRead:
    return await service.approve_run(
        session, run_id, projects=operator.project_filter(None), actor=operator.operator_id, note=_note(body)
    )


@router.post("/runs/{run_id}/reject", response_model=RunDetailRead, summary="拒絕等待中的 run（cancelled）")
async def reject_run(
    run_id: uuid.UUID, session: SessionDep, operator: OperatorDep, body: DecisionBody = None
) -> RunDetailRead:
    return await service.reject_run(
        session, run_id, projects=operator.project_filter(None), actor=operator.operator_id, note=_note(body)
    )


@router.post("/runs/{run_id}/cancel", response_model=RunDetailRead, summary="取消尚未結束的 run")
async def cancel_run(
    run_id: uuid.UUID, session: SessionDep, operator: OperatorDep, body: DecisionBody = None
) -> RunDetailRead:
    return await service.cancel_run(
        session, run_id, projects=operator.project_filter(None), actor=operator.operator_id, note=_note(body)
    )


def _note(body: RunDecisionCreate | None) -> str | None:
    return body.note if body is not None else None
