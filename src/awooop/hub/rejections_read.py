"""Refused deliveries for operators: the rejection rows, newest first, and the last hour per provider.

A refusal is what a sender sees as 401/404/413/422: a wrong token makes Alertmanager retry every
few seconds while the provider's freshness tile would otherwise stay green. Nothing here writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import as_utc
from awooop.core.cursor import decode_cursor, encode_cursor
from awooop.errors import BadRequest
from awooop.hub import repository

MAX_PAGE = 200
RECENT_WINDOW = timedelta(hours=1)


class RejectionRead(BaseModel):
    """One refused delivery. The body itself is never stored: only its SHA-256 and length."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: str
    provider: str
    reason: str = Field(description="Machine-readable reason, e.g. bad_credentials, bad_signature, not_json")
    status_code: int = Field(description="The status the sender was answered")
    detail: str | None = Field(description="The message the sender was answered")
    body_sha256: str | None
    body_length: int
    received_at: datetime


class RejectionPage(BaseModel):
    items: list[RejectionRead]
    limit: int
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page; null at the end")


class RecentRejections(BaseModel):
    """Refusals of one project and provider in the last hour, with the latest reason."""

    project_id: str
    provider: str
    total: int
    latest_reason: str
    latest_at: datetime
    reasons: dict[str, int]


async def list_rejections(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    provider: str | None = None,
    reason: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> RejectionPage:
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    since = as_utc(since) if since is not None else None
    until = as_utc(until) if until is not None else None
    if since is not None and until is not None and until <= since:
        raise BadRequest("until must be later than since", field="until")
    before = None
    if cursor is not None:
        at, row_id = decode_cursor(cursor)
        try:
            before = (at, uuid.UUID(str(row_id)))
        except ValueError:
            raise BadRequest("cursor does not belong to the rejections list", field="cursor") from None
    rows = await repository.list_rejections(
        session,
        projects=projects,
        provider=provider,
        reason=reason,
        since=since,
        until=until,
        before=before,
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].received_at, str(page[-1].id)) if len(rows) > limit else None
    return RejectionPage(items=[RejectionRead.model_validate(r) for r in page], limit=limit, next_cursor=next_cursor)


async def recent_rejections(
    session: AsyncSession, *, projects: Collection[str] | None, now: datetime
) -> dict[tuple[str, str], RecentRejections]:
    """(project, provider) → what was refused in the last hour."""
    found: dict[tuple[str, str], RecentRejections] = {}
    rows = await repository.count_rejections_since(session, projects=projects, since=now - RECENT_WINDOW)
    for project_id, provider, reason, count, latest in sorted(rows, key=lambda row: row[4]):
        entry = found.get((project_id, provider))
        if entry is None:
            entry = found[(project_id, provider)] = RecentRejections(
                project_id=project_id, provider=provider, total=0, latest_reason=reason, latest_at=latest, reasons={}
            )
        entry.total += count
        entry.reasons[reason] = count
        entry.latest_reason, entry.latest_at = reason, latest  # sorted by latest: the last one wins
    return found
