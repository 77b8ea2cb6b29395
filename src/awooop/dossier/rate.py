"""Event rate per provider in fixed UTC buckets (the console's chart). Heartbeats are left out:
they show that intake works, not that a source is sending.

Bounded: at most a week, at most 336 buckets, and the count is an index-only range read of
``ix_channel_events_project_provider_stage_received`` covering only the window.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import utcnow
from awooop.dossier import repository
from awooop.dossier.freshness import REAL_STAGES
from awooop.errors import BadRequest
from awooop.hub.providers import PROVIDERS

MAX_HOURS = 168
MAX_BUCKETS = 336


def _bucket_count(hours: int, bucket_minutes: int) -> int:
    if not 1 <= hours <= MAX_HOURS:
        raise BadRequest(f"hours must be between 1 and {MAX_HOURS}, got {hours}")
    if bucket_minutes < 1 or (hours * 60) % bucket_minutes:
        raise BadRequest(f"bucket_minutes must divide {hours * 60} (the window in minutes), got {bucket_minutes}")
    buckets = hours * 60 // bucket_minutes
    if buckets > MAX_BUCKETS:
        raise BadRequest(f"at most {MAX_BUCKETS} buckets; {hours} h in {bucket_minutes} min buckets makes {buckets}")
    return buckets


async def event_rate(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    hours: int = 24,
    bucket_minutes: int = 60,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Events per provider and bucket, summed over ``projects`` (None: every project).

    Buckets are aligned to whole multiples of ``bucket_minutes`` in UTC; the last one is the
    current, still filling bucket. Providers without any event in the window are left out.
    """
    buckets = _bucket_count(hours, bucket_minutes)
    width = bucket_minutes * 60
    moment = (now or utcnow()).astimezone(UTC)
    current = int(moment.timestamp()) // width
    first = current - buckets + 1
    since = datetime.fromtimestamp(first * width, UTC)
    project_ids = await repository.list_project_ids(session, projects)
    counts: dict[str, list[int]] = {}
    if project_ids:
        rows = await repository.count_by_bucket(
            session, projects=project_ids, providers=PROVIDERS, stages=REAL_STAGES, since=since, bucket_seconds=width
        )
        for provider, number, total in rows:
            if first <= number <= current:
                counts.setdefault(provider, [0] * buckets)[number - first] += total
    return {
        "hours": hours,
        "bucket_minutes": bucket_minutes,
        "since": since,
        "until": moment,
        "buckets": [since + timedelta(seconds=index * width) for index in range(buckets)],
        "providers": [
            {"provider": provider, "counts": counts[provider], "total": sum(counts[provider])}
            for provider in PROVIDERS
            if provider in counts
        ],
        "total": sum(sum(values) for values in counts.values()),
    }
