"""GET /api/v1/platform/intake/rejections: refused deliveries, scope-checked, cursor-paged."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from awooop.deps import OperatorDep, ReadSessionDep
from awooop.hub import rejections_read
from awooop.hub.rejections_read import RejectionPage

router = APIRouter()


@router.get(
    "/intake/rejections",
    response_model=RejectionPage,
    summary="列出被拒絕的投遞（新到舊，cursor 分頁）",
    description="Refused webhook deliveries (wrong token, bad signature, not JSON, schema mismatch, too large). "
    "Only the body's SHA-256 and length are kept, never the body.",
)
async def list_rejections(
    *,
    session: ReadSessionDep,
    operator: OperatorDep,
    project_id: Annotated[
        str | None, Query(max_length=64, description="Project; omitted = every visible project")
    ] = None,
    provider: Annotated[str | None, Query(max_length=32, description="Only this provider")] = None,
    reason: Annotated[str | None, Query(max_length=64, description="Only this reason, e.g. bad_credentials")] = None,
    since: Annotated[datetime | None, Query(description="Received at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Received before (ISO 8601)")] = None,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size")] = 50,
) -> RejectionPage:
    return await rejections_read.list_rejections(
        session,
        projects=operator.project_filter(project_id),
        provider=provider,
        reason=reason,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
