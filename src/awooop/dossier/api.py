"""Channel Events API (the seed's router): recent events, source dossier, coverage, provider
heartbeat, and our provider freshness. Paths, query limits, models and the Chinese OpenAPI texts
follow the seed; semantics are SPEC §5 (docs/api.md)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AfterValidator

from awooop.deps import OperatorDep, ReadSessionDep, SessionDep, SettingsDep
from awooop.dossier import service
from awooop.dossier.queries import ProjectQuery, checked_alert_provider
from awooop.dossier.schemas import (
    ChannelEventDossierCoverageResponse,
    ChannelEventDossierResponse,
    ProviderFreshnessResponse,
    RecentEventsResponse,
    SourceProviderHeartbeatRequest,
    SourceProviderHeartbeatResponse,
)

router = APIRouter()

CHANNEL_TYPES = ("alert", "chat")
MAX_FRESHNESS_LIMIT_SECONDS = 30 * 24 * 3600


def _channel_type(value: str | None) -> str | None:
    if value is not None and value not in CHANNEL_TYPES:
        raise ValueError(f"channel_type must be one of {', '.join(CHANNEL_TYPES)}")
    return value


def _label(project_id: str | None) -> str:
    return project_id if project_id is not None else service.ALL_PROJECTS_LABEL


@router.get(
    "/events/dossier",
    response_model=ChannelEventDossierResponse,
    summary="查詢 Channel Event 來源卷宗",
    description=(
        "返回 redacted inbound source envelope供 AwoooP Run Detail 顯示"
        "告警來源、source refs、Sentry / SignOz / Alertmanager 關聯與去重狀態。"
    ),
)
async def get_event_dossier(
    *,
    session: ReadSessionDep,
    operator: OperatorDep,
    project_id: ProjectQuery = None,
    run_id: Annotated[UUID | None, Query(description="Run ID可選")] = None,
    provider_event_id: Annotated[str | None, Query(description="provider_event_id可選")] = None,
    limit: Annotated[int, Query(ge=1, le=50, description="最多返回筆數")] = 20,
) -> ChannelEventDossierResponse:
    return await service.fetch_channel_event_dossier(
        session,
        projects=operator.project_filter(project_id),
        run_id=run_id,
        provider_event_id=provider_event_id,
        limit=limit,
    )


@router.get(
    "/events/dossier/coverage",
    response_model=ChannelEventDossierCoverageResponse,
    summary="查詢 Channel Event 來源卷宗覆蓋率",
    description=(
        "返回近期 inbound event 的 source_envelope / source_refs / 去重 / "
        "Sentry / SignOz 關聯覆蓋率,供 AwoooP Run List 顯示告警是否已入庫。"
    ),
)
async def get_event_dossier_coverage(
    *,
    session: ReadSessionDep,
    operator: OperatorDep,
    project_id: ProjectQuery = None,
    provider: Annotated[
        str | None, Query(description="provider可選如 sentry / signoz"), AfterValidator(checked_alert_provider)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="最多納入統計筆數")] = 100,
) -> ChannelEventDossierCoverageResponse:
    return await service.fetch_channel_event_dossier_coverage(
        session,
        projects=operator.project_filter(project_id),
        project_label=_label(project_id),
        provider=provider,
        limit=limit,
    )


@router.post(
    "/events/dossier/provider-heartbeat",
    response_model=SourceProviderHeartbeatResponse,
    summary="寫入 Sentry / SignOz 來源卷宗 freshness heartbeat",
    description=(
        "受 AwoooP operator key 保護的低噪音 smoke。只寫入來源卷宗與"
        "completed shadow run不建立 Incident、不送 Telegram、不宣稱真實上游告警。"
    ),
)
async def create_source_provider_heartbeat(
    *,
    payload: SourceProviderHeartbeatRequest,
    operator: OperatorDep,
    session: SessionDep,
) -> dict[str, Any]:
    return await service.record_provider_heartbeats(
        session,
        project_id=payload.project_id,
        providers=payload.providers,
        reason=payload.reason,
        run_ref=payload.run_ref,
        operator=operator,
    )


@router.get(
    "/events/dossier/freshness",
    response_model=ProviderFreshnessResponse,
    summary="查詢來源 provider 新鮮度",
    description=(
        "依租戶與 provider 返回最後一筆真實事件與最後一次 heartbeat 的時間與經過秒數。"
        "status 只看真實事件(來源是否仍在送);pipeline_status 也計入 heartbeat(入庫路徑是否正常)。"
    ),
)
async def get_provider_freshness(
    *,
    session: ReadSessionDep,
    operator: OperatorDep,
    settings: SettingsDep,
    project_id: ProjectQuery = None,
    limit_seconds: Annotated[
        int | None,
        Query(
            ge=10,
            le=MAX_FRESHNESS_LIMIT_SECONDS,
            description="新鮮度門檻秒數(可選,預設 AWOOOP_FRESHNESS_LIMIT_SECONDS)",
        ),
    ] = None,
) -> ProviderFreshnessResponse:
    return await service.fetch_provider_freshness(
        session,
        projects=operator.project_filter(project_id),
        limit_seconds=limit_seconds or settings.freshness_limit_seconds,
        project_label=_label(project_id),
    )


@router.get(
    "/events/recent",
    response_model=RecentEventsResponse,
    summary="列出最近 Channel Events",
    description=(
        "返回 awooop_conversation_event 最近事件。可用 channel_type / provider_prefix 過濾,例如 alert-group 收斂事件。"
    ),
)
async def list_recent_events(
    *,
    session: ReadSessionDep,
    operator: OperatorDep,
    project_id: ProjectQuery = None,
    channel_type: Annotated[str | None, Query(description="通道類型(可選)"), AfterValidator(_channel_type)] = None,
    provider_prefix: Annotated[str | None, Query(description="provider_event_id 前綴(可選)")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="最多返回筆數")] = 20,
) -> RecentEventsResponse:
    return await service.list_recent_channel_events(
        session,
        projects=operator.project_filter(project_id),
        channel_type=channel_type,
        provider_prefix=provider_prefix,
        limit=limit,
    )
