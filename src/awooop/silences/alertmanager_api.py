"""Alertmanager API v2 silences, one Alertmanager per project, so ``amtool`` works unchanged:

``amtool --alertmanager.url=http://HOST/api/v1/alertmanager/<project_id> silence add|query|expire``
with an operator key as the bearer credential (``--http.config.file``). Served: ``GET /status``,
``GET``/``POST /silences`` (``filter`` matchers; a posted ``id`` updates = expires and recreates),
``GET``/``DELETE /silence/{id}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import as_utc
from awooop.deps import OperatorDep, ReadSessionDep, SessionDep
from awooop.models import Silence
from awooop.operators.projects import require_project
from awooop.silences import service
from awooop.silences.matchers import MatcherError, parse_matcher_text
from awooop.silences.schemas import AlertmanagerSilenceRead, MatcherBody, SilenceBody

router = APIRouter()
STARTED = datetime.now(UTC)


def _time(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _gettable(silence: Silence) -> AlertmanagerSilenceRead:
    read = service.to_read(silence)
    return AlertmanagerSilenceRead(
        id=str(silence.id),
        status={"state": read.state},
        updatedAt=_time(silence.updated_at),
        matchers=[MatcherBody.model_validate(m) for m in silence.matchers],
        startsAt=_time(silence.starts_at),
        endsAt=_time(silence.ends_at),
        createdBy=silence.created_by,
        comment=silence.comment,
    )


async def _project_silence(session: AsyncSession, project_id: str, silence_id: str) -> Silence:
    return await service.require_silence(session, service.parse_id(silence_id), (project_id,))


@router.get("/status", summary="Alertmanager 相容：狀態")
async def status(project_id: str, session: ReadSessionDep, operator: OperatorDep) -> dict[str, Any]:
    operator.require_project(project_id)
    await require_project(session, project_id)
    return {
        "cluster": {"status": "disabled", "name": f"awooop-{project_id}", "peers": []},
        "config": {"original": ""},
        "uptime": _time(STARTED),
        "versionInfo": {
            "branch": "awooop",
            "buildDate": "",
            "buildUser": "awooop",
            "goVersion": "",
            "revision": "",
            "version": "0.25.0-awooop",
        },
    }


@router.get("/silences", response_model=list[AlertmanagerSilenceRead], summary="Alertmanager 相容：列出 silences")
async def list_silences(
    project_id: str,
    session: ReadSessionDep,
    operator: OperatorDep,
    filter: Annotated[list[str] | None, Query(max_length=64)] = None,
) -> list[AlertmanagerSilenceRead]:
    operator.require_project(project_id)
    await require_project(session, project_id)
    try:
        filters = [parse_matcher_text(f) for f in filter or []]
    except MatcherError as exc:
        raise service.SilenceInvalid(str(exc), field="filter") from exc
    rows = await service.list_silences(session, projects=(project_id,), state=None)
    return [_gettable(s) for s in rows if service.filter_matches(s, filters)]


@router.post("/silences", summary="Alertmanager 相容：建立或更新 silence")
async def post_silence(
    project_id: str, body: SilenceBody, session: SessionDep, operator: OperatorDep
) -> dict[str, str]:
    operator.require_project(project_id)
    if body.id:
        await _project_silence(session, project_id, body.id)
        created = await service.update_silence(session, operator, service.parse_id(body.id), body)
    else:
        created = await service.create_silence(session, operator, project_id=project_id, body=body)
    return {"silenceID": str(created.id)}


@router.get("/silence/{silence_id}", response_model=AlertmanagerSilenceRead, summary="Alertmanager 相容：silence")
async def get_silence(
    project_id: str, silence_id: str, session: ReadSessionDep, operator: OperatorDep
) -> AlertmanagerSilenceRead:
    operator.require_project(project_id)
    return _gettable(await _project_silence(session, project_id, silence_id))


@router.delete("/silence/{silence_id}", summary="Alertmanager 相容：結束 silence")
async def delete_silence(project_id: str, silence_id: str, session: SessionDep, operator: OperatorDep) -> None:
    operator.require_project(project_id)
    await service.expire_silence(session, service.parse_id(silence_id), (project_id,))
