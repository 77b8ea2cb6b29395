"""Recurrence and work-item routes of the Channel Events API (paths, limits and texts from the seed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator

from awooop.deps import OperatorDep, ReadSessionDep, SessionDep
from awooop.dossier.queries import ProjectQuery, checked_alert_provider, checked_project_id
from awooop.errors import SchemaMismatch
from awooop.operators.principal import ALL_PROJECTS
from awooop.workitems import service
from awooop.workitems.classify import RecurrenceWorkItemMode
from awooop.workitems.schemas import (
    ChannelEventRecurrenceResponse,
    RecurrenceWorkItemDryRunRequest,
    RecurrenceWorkItemDryRunResponse,
    RecurrenceWorkItemHandoffRequest,
    RecurrenceWorkItemHandoffResponse,
    RecurrenceWorkItemHistoryResponse,
    RecurrenceWorkItemPreviewResponse,
)

router = APIRouter()

LIMIT_DESCRIPTION = "最多納入統計筆數"


def _checked_body(project_id: str | None, provider: str | None) -> None:
    """The seed's request models take any string; refuse what can only ever match nothing (422, named),
    with the query parameters' checks."""
    for name, value, check in (
        ("project_id", project_id, checked_project_id),
        ("provider", provider, checked_alert_provider),
    ):
        try:
            check(value)
        except ValueError as error:
            raise SchemaMismatch(f"{name}: {error}", field=name) from None


ProviderQuery = Annotated[
    str | None,
    Query(description="provider可選如 alertmanager / sentry / signoz"),
    AfterValidator(checked_alert_provider),
]
WorkItemQuery = Annotated[str, Query(min_length=1, description="recurrence work_item_id")]


@router.get(
    "/events/dossier/recurrence",
    response_model=ChannelEventRecurrenceResponse,
    summary="查詢 Channel Event 重複發生與關聯 Run 狀態",
    description=(
        "將近期 inbound source events 依 fingerprint / alertname / namespace / target 分組,"
        "顯示重複發生次數、去重數、source refs 與最新 linked run 狀態。"
    ),
)
async def get_event_dossier_recurrence(
    *,
    operator: OperatorDep,
    session: ReadSessionDep,
    project_id: ProjectQuery = None,
    provider: ProviderQuery = None,
    limit: Annotated[int, Query(ge=1, le=300, description=LIMIT_DESCRIPTION)] = 100,
) -> ChannelEventRecurrenceResponse:
    return await service.fetch_channel_event_dossier_recurrence(
        session,
        projects=operator.project_filter(project_id),
        project_label=project_id or ALL_PROJECTS,
        provider=provider,
        limit=limit,
    )


@router.get(
    "/events/dossier/recurrence/work-item/preview",
    response_model=RecurrenceWorkItemPreviewResponse,
    summary="預覽重複告警工作項的安全處理計畫",
    description=(
        "依 recurrence read model 找出指定 work_item返回下一步、pre-flight checks "
        "與 read-only / no-write 保證;不修改 incident、auto-repair 或 ticket 狀態。"
    ),
)
async def preview_event_recurrence_work_item(
    *,
    operator: OperatorDep,
    session: ReadSessionDep,
    work_item_id: WorkItemQuery,
    project_id: ProjectQuery = None,
    provider: ProviderQuery = None,
    mode: Annotated[RecurrenceWorkItemMode, Query(description="預覽模式")] = "auto",
    limit: Annotated[int, Query(ge=1, le=300, description=LIMIT_DESCRIPTION)] = 300,
) -> RecurrenceWorkItemPreviewResponse:
    return await service.fetch_recurrence_work_item_preview(
        session,
        projects=operator.project_filter(project_id),
        work_item_id=work_item_id,
        mode=mode,
        provider=provider,
        limit=limit,
    )


@router.post(
    "/events/dossier/recurrence/work-item/dry-run",
    response_model=RecurrenceWorkItemDryRunResponse,
    summary="乾跑重複告警工作項的安全處理流程",
    description=(
        "依 recurrence read model 產生 dry-run 結果並寫入 pre-flight history"
        "但不修改 incident、auto-repair 或 ticket 狀態。"
    ),
)
async def dry_run_event_recurrence_work_item(
    request: RecurrenceWorkItemDryRunRequest, operator: OperatorDep, session: ReadSessionDep, writes: SessionDep
) -> RecurrenceWorkItemDryRunResponse:
    _checked_body(request.project_id, request.provider)
    return await service.record_recurrence_work_item_dry_run(
        session,
        record_session=writes,
        projects=operator.project_filter(request.project_id),
        work_item_id=request.work_item_id,
        mode=request.mode,
        provider=request.provider,
        limit=request.limit,
        operator=operator,
    )


@router.post(
    "/events/dossier/recurrence/work-item/handoff",
    response_model=RecurrenceWorkItemHandoffResponse,
    summary="記錄重複告警工作項的交接提案",
    description=(
        "依 recurrence read model 與 dry-run 結果記錄 ticket proposal / 人工接手歷史,"
        "但不修改 incident、auto-repair 或外部 ticket 狀態。"
    ),
)
async def handoff_event_recurrence_work_item(
    request: RecurrenceWorkItemHandoffRequest, operator: OperatorDep, session: ReadSessionDep, writes: SessionDep
) -> RecurrenceWorkItemHandoffResponse:
    _checked_body(request.project_id, request.provider)
    return await service.record_recurrence_work_item_handoff(
        session,
        record_session=writes,
        projects=operator.project_filter(request.project_id),
        work_item_id=request.work_item_id,
        mode=request.mode,
        handoff_kind=request.handoff_kind,
        provider=request.provider,
        limit=request.limit,
        operator=operator,
    )


@router.get(
    "/events/dossier/recurrence/work-item/history",
    response_model=RecurrenceWorkItemHistoryResponse,
    summary="查詢重複告警工作項的 dry-run 與交接歷史",
    description=(
        "返回指定 work_item 的 pre-flight dry-run 與 ticket proposal / 人工接手紀錄(新到舊);"
        "唯讀,不修改 incident、auto-repair 或 ticket 狀態。"
    ),
)
async def get_event_recurrence_work_item_history(
    *,
    operator: OperatorDep,
    session: ReadSessionDep,
    work_item_id: WorkItemQuery,
    project_id: ProjectQuery = None,
    limit: Annotated[int, Query(ge=1, le=200, description="最多返回筆數")] = 50,
) -> RecurrenceWorkItemHistoryResponse:
    return await service.fetch_recurrence_work_item_history(
        session, projects=operator.project_filter(project_id), work_item_id=work_item_id, limit=limit
    )
