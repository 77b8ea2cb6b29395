"""Silences: create, list, read, expire, update (= expire and recreate), preview.

Times follow Alertmanager: ``startsAt`` omitted or in the past means now; ``endsAt`` must be
after both. Expiring sets ``ends_at`` (and, for a pending silence, ``starts_at``) to now.
Every change drops the intake cache (silences.cache.invalidate). Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import as_utc, utcnow
from awooop.core.ids import uuid7
from awooop.errors import Conflict, NotFound, SchemaMismatch
from awooop.models import Silence
from awooop.operators.principal import AwoooPOperatorPrincipal
from awooop.operators.projects import require_project
from awooop.silences import repository
from awooop.silences.cache import compile_silence, invalidate
from awooop.silences.compiled import CompiledSilence, state_at
from awooop.silences.intake import event_labels
from awooop.silences.intervals import IntervalError, parse_schedule
from awooop.silences.matchers import Matcher, MatcherError, matches_all, parse_matchers
from awooop.silences.schemas import (
    MatcherBody,
    PreviewGroup,
    PreviewIncident,
    SilenceBody,
    SilencedEventRead,
    SilencedEventsRead,
    SilencePreviewRead,
    SilenceRead,
)

MAX_LIST = 500
PREVIEW_EVENTS = 500


class SilenceInvalid(SchemaMismatch):
    code = "silence_invalid"


def _matchers(raw: Sequence[MatcherBody], *, match_all: bool) -> tuple[Matcher, ...]:
    if not raw and not match_all:
        raise SilenceInvalid(
            "matchers must not be empty (give match_all: true to silence every alert)", field="matchers"
        )
    try:
        return parse_matchers([m.model_dump() for m in raw])
    except MatcherError as exc:
        raise SilenceInvalid(str(exc), field="matchers") from exc


def _text(matchers: Sequence[Matcher], match_all: bool) -> str:
    return ", ".join(str(m) for m in matchers) if matchers else ("(every alert)" if match_all else "")


def to_read(silence: Silence, now: datetime | None = None) -> SilenceRead:
    at = now or utcnow()
    compiled = compile_silence(silence)
    return SilenceRead(
        id=silence.id,
        project_id=silence.project_id,
        matchers=[MatcherBody.model_validate(m) for m in silence.matchers],
        match_all=silence.match_all,
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        time_intervals=silence.time_intervals,
        time_zone=silence.time_zone,
        state=state_at(silence.starts_at, silence.ends_at, at),
        muting_now=compiled.mutes_at(at),
        created_by=silence.created_by,
        comment=silence.comment,
        replaced_by=silence.replaced_by,
        created_at=silence.created_at,
        updated_at=silence.updated_at,
        matchers_text=_text(compiled.matchers, silence.match_all),
    )


async def create_silence(
    session: AsyncSession,
    principal: AwoooPOperatorPrincipal,
    *,
    project_id: str,
    body: SilenceBody,
    match_all: bool = False,
    time_intervals: list[dict[str, Any]] | None = None,
    time_zone: str | None = None,
) -> Silence:
    principal.require_project(project_id)
    await require_project(session, project_id)
    now = utcnow()
    matchers = _matchers(body.matchers, match_all=match_all)
    starts = as_utc(body.startsAt) if body.startsAt is not None else now
    starts = max(starts, now)
    ends = as_utc(body.endsAt)
    if ends <= starts:
        raise SilenceInvalid("endsAt must be after startsAt (and in the future)", field="endsAt")
    try:
        parse_schedule(time_intervals, time_zone)
    except IntervalError as exc:
        raise SilenceInvalid(str(exc), field="time_intervals") from exc
    silence = Silence(
        id=uuid7(),
        project_id=project_id,
        matchers=[m.as_json() for m in matchers],
        match_all=match_all,
        starts_at=starts,
        ends_at=ends,
        time_intervals=time_intervals,
        time_zone=time_zone,
        created_by=principal.operator_id[:128],
        comment=body.comment,
        created_at=now,
        updated_at=now,
    )
    session.add(silence)
    await session.flush()
    invalidate(session)
    return silence


def _visible(silence: Silence | None, projects: Collection[str] | None) -> Silence:
    # Another project's silence is "not found": ids never leak across tenants.
    if silence is None or (projects is not None and silence.project_id not in projects):
        raise NotFound("silence not found")
    return silence


def parse_id(silence_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(silence_id)
    except ValueError:
        raise NotFound("silence not found") from None


async def require_silence(session: AsyncSession, silence_id: uuid.UUID, projects: Collection[str] | None) -> Silence:
    return _visible(await repository.get_silence(session, silence_id), projects)


async def list_silences(
    session: AsyncSession, *, projects: Collection[str] | None, state: str | None, limit: int = MAX_LIST
) -> list[Silence]:
    rows = await repository.list_silences(session, projects=projects, now=utcnow(), state=state, limit=limit)
    return list(rows)


async def expire_silence(session: AsyncSession, silence_id: uuid.UUID, projects: Collection[str] | None) -> Silence:
    silence = _visible(await repository.lock_silence(session, silence_id), projects)
    now = utcnow()
    if silence.ends_at <= now:
        raise Conflict("silence already expired", state="expired")
    silence.starts_at = min(silence.starts_at, now)
    silence.ends_at = now
    silence.updated_at = now
    await session.flush()
    invalidate(session)
    return silence


async def update_silence(
    session: AsyncSession,
    principal: AwoooPOperatorPrincipal,
    silence_id: uuid.UUID,
    body: SilenceBody,
    *,
    match_all: bool = False,
    time_intervals: list[dict[str, Any]] | None = None,
    time_zone: str | None = None,
) -> Silence:
    """Expire the silence and create its replacement, as Alertmanager does."""
    old = _visible(await repository.lock_silence(session, silence_id), principal.project_filter(None))
    replacement = await create_silence(
        session,
        principal,
        project_id=old.project_id,
        body=body,
        match_all=match_all,
        time_intervals=time_intervals,
        time_zone=time_zone,
    )
    now = utcnow()
    if old.ends_at > now:
        old.starts_at = min(old.starts_at, now)
        old.ends_at = now
    old.replaced_by = replacement.id
    old.updated_at = now
    await session.flush()
    return replacement


async def preview(
    session: AsyncSession, project_id: str, matchers_raw: Sequence[MatcherBody], *, match_all: bool
) -> SilencePreviewRead:
    """Which open incidents and recent recurrence groups these matchers would cover (read-only)."""
    await require_project(session, project_id)
    matchers = _matchers(matchers_raw, match_all=match_all)
    events = await repository.recent_alert_events(session, project_id, PREVIEW_EVENTS)
    groups: dict[str, PreviewGroup] = {}
    decided: dict[str, bool] = {}
    for event in events:  # newest first: the newest event of a key decides for its group
        key = event.recurrence_key
        if key is None or event.stage == "heartbeat":
            continue
        if key not in decided:
            decided[key] = matches_all(matchers, event_labels(event), match_all=match_all)
            if decided[key]:
                groups[key] = PreviewGroup(
                    recurrence_key=key,
                    alertname=event.alertname,
                    namespace=event.namespace,
                    target_resource=event.target_resource,
                    provider=event.provider,
                    occurrences=0,
                    latest_received_at=event.received_at,
                )
        if decided[key] and not event.is_duplicate:
            groups[key].occurrences += 1
    incidents = [
        PreviewIncident(
            incident_id=i.id or "",
            title=i.title,
            severity=i.severity,
            recurrence_key=i.recurrence_key,
            opened_at=i.opened_at,
        )
        for i in await repository.open_incidents(session, project_id, MAX_LIST)
        if i.recurrence_key in groups
    ]
    return SilencePreviewRead(
        project_id=project_id,
        matchers_text=_text(matchers, match_all),
        incidents=incidents,
        recurrence_groups=list(groups.values()),
        events_examined=len(events),
    )


def compiled(silence: Silence) -> CompiledSilence:
    return compile_silence(silence)


def filter_matches(silence: Silence, filters: Sequence[Matcher]) -> bool:
    """Alertmanager's ``?filter=``: every filter names a matcher of the silence and accepts its value."""
    own: Mapping[str, str] = {m["name"]: m["value"] for m in silence.matchers}
    return all(f.name in own and f.matches({f.name: own[f.name]}) for f in filters)


async def silenced_events(
    session: AsyncSession, silence_id: uuid.UUID, projects: Collection[str] | None, limit: int
) -> SilencedEventsRead:
    silence = await require_silence(session, silence_id, projects)
    events = await repository.silenced_events(session, silence.id, limit)
    return SilencedEventsRead(silence_id=silence.id, events=[SilencedEventRead.model_validate(e) for e in events])


async def silenced_incidents(session: AsyncSession, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Which of these (project, incident id) a silence covered (→ silence id as a string), for badges."""
    return {key: str(silence_id) for key, silence_id in (await repository.silenced_incidents(session, keys)).items()}


async def silenced_among(session: AsyncSession, event_ids: Collection[uuid.UUID | str]) -> dict[str, str]:
    """Which of these events a silence covered (event id → silence id, as strings), for badges."""
    ids = {uuid.UUID(str(e)) for e in event_ids}
    return {str(e): str(s) for e, s in (await repository.silenced_among(session, ids)).items()}
