"""Incidents: the operators' list (newest first, cursor) and detail, and the writes.

Returns ``IncidentPage`` (``items``: ``IncidentRead``, opaque ``next_cursor``) and
``IncidentDetailRead`` (an incident with its runs and newest events). The writes (re-exported
from the repository, Core for the intake hot path) are called by remediation's routing and by
heartbeat monitors: ``lock_recurrence_keys`` first, then ``lock_open_incidents``,
``open_incidents`` and ``save_incidents`` for what changed on an ``OpenIncident``.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.cursor import decode_cursor, encode_cursor
from awooop.errors import BadRequest, NotFound
from awooop.incidents import repository
from awooop.incidents.repository import (
    NewIncident,
    OpenIncident,
    lock_open_incidents,
    lock_recurrence_keys,
    recurrence_lock_names,
    reserve_incident_ids,
    save_incidents,
)
from awooop.incidents.repository import insert_open_incidents as open_incidents
from awooop.incidents.schemas import (
    IncidentDetailRead,
    IncidentEventRead,
    IncidentPage,
    IncidentRead,
    IncidentRunRead,
)
from awooop.models import Incident

__all__ = [
    "TITLE_MAX",
    "NewIncident",
    "OpenIncident",
    "get_incident_detail",
    "list_incidents",
    "lock_open_incidents",
    "lock_recurrence_keys",
    "open_incidents",
    "recurrence_lock_names",
    "reserve_incident_ids",
    "save_incidents",
]

STATUSES = (repository.OPEN, repository.RESOLVED)
TITLE_MAX = 512  # incidents.title
MAX_PAGE = 200
DETAIL_RUN_LIMIT = 50
DETAIL_EVENT_LIMIT = 50


async def list_incidents(
    session: AsyncSession,
    *,
    projects: Collection[str] | None,
    status: str | None = None,
    recurrence_key: str | None = None,
    severity: str | None = None,
    text: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> IncidentPage:
    """Newest opened first. ``projects`` None = every project (the caller has checked the scope)."""
    if status is not None and status not in STATUSES:
        raise BadRequest(f"status must be open or resolved, not {status!r}", field="status")
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    before = None
    if cursor is not None:
        at, seq = decode_cursor(cursor)
        if not isinstance(seq, int):
            raise BadRequest("cursor does not belong to the incidents list", field="cursor")
        before = (at, seq)
    rows = await repository.list_incidents(
        session,
        projects=projects,
        status=status,
        recurrence_key=recurrence_key,
        severity=severity,
        text=text,
        before=before,
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].opened_at, page[-1].seq) if len(rows) > limit else None
    return IncidentPage(items=[IncidentRead.model_validate(i) for i in page], limit=limit, next_cursor=next_cursor)


async def _visible(session: AsyncSession, incident_id: str, projects: Collection[str] | None) -> Incident:
    """Ids are numbered per project (INC-000001 exists in every project that had an incident), so
    a key that sees several projects must name one when the id is not unique among them."""
    found = await repository.find_incidents(session, incident_id, projects)
    # Another project's incident is "not found": ids must not leak across tenants.
    if not found:
        raise NotFound(f"incident {incident_id} not found")
    if len(found) > 1:
        raise BadRequest(
            f"incident {incident_id} exists in several projects ({', '.join(i.project_id for i in found)}); "
            "pass project_id",
            field="project_id",
        )
    return found[0]


async def get_incident_detail(
    session: AsyncSession, incident_id: str, *, projects: Collection[str] | None
) -> IncidentDetailRead:
    """``projects``: the projects the caller may read, or just the one it named (None = every project)."""
    incident = await _visible(session, incident_id, projects)
    runs = await repository.list_incident_runs(session, incident, DETAIL_RUN_LIMIT)
    events = await repository.list_incident_events(session, incident, DETAIL_EVENT_LIMIT)
    return IncidentDetailRead(
        **IncidentRead.model_validate(incident).model_dump(),
        runs=[IncidentRunRead.model_validate(r) for r in runs],
        events=[IncidentEventRead.model_validate(e) for e in events],
    )
