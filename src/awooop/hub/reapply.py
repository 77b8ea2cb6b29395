"""Re-redaction of stored events with the installed rule set (``awooop redact --reapply``).

The raw body is never stored: only its redacted form is. So reapplying can only redact
*further* — a newer rule set finds what an older one missed in the stored text (a public IP,
a cookie value, the AWS secret next to an already-redacted key id); it can never restore what an
older rule took. Rows are read in small keyset batches (``received_at``, ``id``: an index), each
batch in its own transaction owned by the caller; a row's fields are rewritten only when something
changed; every row read is stamped with the current ``redaction_version`` (it has been
checked by this rule set), so a second run finds nothing left to do. Ids (provider_event_id,
fingerprint, recurrence_key, content_sha256) are dedup identities and are not touched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.hub.envelope import log_correlation
from awooop.hub.redaction import REDACTION_VERSION, redact_json, redact_text
from awooop.models import ChannelEvent, Incident

BATCH_SIZE = 200
_SORTED = orjson.OPT_SORT_KEYS


@dataclass(frozen=True, slots=True)
class Cursor:
    received_at: datetime
    id: uuid.UUID


@dataclass(slots=True)
class BatchResult:
    scanned: int
    changed: int
    replacements: int
    cursor: Cursor | None  # None: nothing left


def _text(value: str | None) -> tuple[str | None, int]:
    if not value:
        return value, 0
    return redact_text(value)


def _content(value: str | None) -> tuple[str | None, int]:
    if not value:
        return value, 0
    try:
        parsed: Any = orjson.loads(value)
    except orjson.JSONDecodeError:
        return redact_text(value)
    redacted, count = redact_json(parsed)
    if not count:
        return value, 0
    return orjson.dumps(redacted, option=_SORTED).decode(), count


def reredact_event(event: ChannelEvent) -> int:
    """Redact the stored fields of ``event`` again, in place; the number of new markers."""
    total = 0
    for name in ("content_preview", "source_url", "alertname", "namespace", "target_resource"):
        redacted, count = _text(getattr(event, name))
        if count:
            setattr(event, name, redacted)
            total += count
    content, count = _content(event.content_redacted)
    if count:
        event.content_redacted = content
        total += count
    for name in ("labels", "source_refs"):
        redacted, count = redact_json(getattr(event, name) or {})
        if count:
            setattr(event, name, redacted)
            total += count
    correlation = log_correlation(dict(event.log_correlation or {}), b"")
    if correlation != (event.log_correlation or {}):
        event.log_correlation = correlation
        total += 1
    if total:
        event.has_redacted_content = True
    event.redaction_version = REDACTION_VERSION  # checked by this rule set, changed or not
    return total


async def reapply_batch(
    session: AsyncSession, *, project_id: str | None, after: Cursor | None, limit: int = BATCH_SIZE
) -> BatchResult:
    """Re-redact the next ``limit`` events (not yet at the current version) after ``after``."""
    stmt = select(ChannelEvent).where(
        ChannelEvent.content_redacted.is_not(None),
        or_(ChannelEvent.redaction_version.is_(None), ChannelEvent.redaction_version != REDACTION_VERSION),
    )
    if project_id is not None:
        stmt = stmt.where(ChannelEvent.project_id == project_id)
    if after is not None:
        stmt = stmt.where(tuple_(ChannelEvent.received_at, ChannelEvent.id) > (after.received_at, after.id))
    stmt = stmt.order_by(ChannelEvent.received_at, ChannelEvent.id).limit(limit).with_for_update()
    events = (await session.scalars(stmt)).all()
    changed = replacements = 0
    for event in events:
        count = reredact_event(event)
        if count:
            changed += 1
            replacements += count
    await session.flush()
    cursor = Cursor(events[-1].received_at, events[-1].id) if len(events) == limit else None
    return BatchResult(len(events), changed, replacements, cursor)


async def reapply_incident_titles(session: AsyncSession, *, project_id: str | None) -> int:
    """Incident titles are built from event fields: redact them again too (few rows)."""
    stmt = select(Incident)
    if project_id is not None:
        stmt = stmt.where(Incident.project_id == project_id)
    changed = 0
    for incident in (await session.scalars(stmt.order_by(Incident.seq).with_for_update())).all():
        title, count = redact_text(incident.title)
        if count:
            incident.title = title
            changed += 1
    await session.flush()
    return changed
