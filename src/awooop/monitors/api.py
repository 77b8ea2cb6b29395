"""Operator routes for heartbeat monitors under /api/v1/platform (scope-checked per project)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from awooop.deps import OperatorDep, ReadSessionDep, SessionDep
from awooop.monitors import service
from awooop.monitors.schemas import MonitorCreate, MonitorList, MonitorRead, MonitorUpdate

router = APIRouter()
ProjectPath = Annotated[str, Path(description="Project id")]
NamePath = Annotated[str, Path(description="Monitor name")]


@router.get("/monitors", response_model=MonitorList, summary="列出 heartbeat monitors")
async def list_monitors(
    session: ReadSessionDep,
    operator: OperatorDep,
    project_id: Annotated[str | None, Query(description="Project; omitted = every project the key can see")] = None,
) -> MonitorList:
    rows = await service.list_monitors(session, operator.project_filter(project_id))
    return MonitorList(items=[service.to_read(m) for m in rows])


@router.post("/monitors/{project_id}", response_model=MonitorRead, status_code=201, summary="建立 heartbeat monitor")
async def create_monitor(
    project_id: ProjectPath, body: MonitorCreate, session: SessionDep, operator: OperatorDep
) -> MonitorRead:
    operator.require_project(project_id)
    return service.to_read(await service.create_monitor(session, project_id, body))


@router.get("/monitors/{project_id}/{name}", response_model=MonitorRead, summary="Heartbeat monitor 詳情")
async def get_monitor(
    project_id: ProjectPath, name: NamePath, session: ReadSessionDep, operator: OperatorDep
) -> MonitorRead:
    operator.require_project(project_id)
    return service.to_read(await service.require_monitor(session, project_id, name))


@router.patch("/monitors/{project_id}/{name}", response_model=MonitorRead, summary="修改 heartbeat monitor")
async def update_monitor(
    project_id: ProjectPath, name: NamePath, body: MonitorUpdate, session: SessionDep, operator: OperatorDep
) -> MonitorRead:
    operator.require_project(project_id)
    return service.to_read(await service.update_monitor(session, project_id, name, body))


@router.delete("/monitors/{project_id}/{name}", status_code=204, summary="刪除 heartbeat monitor")
async def delete_monitor(
    project_id: ProjectPath, name: NamePath, session: SessionDep, operator: OperatorDep
) -> Response:
    operator.require_project(project_id)
    await service.delete_monitor(session, project_id, name)
    return Response(status_code=204)


@router.post("/monitors/{project_id}/{name}/pause", response_model=MonitorRead, summary="暫停 heartbeat monitor")
async def pause_monitor(
    project_id: ProjectPath, name: NamePath, session: SessionDep, operator: OperatorDep
) -> MonitorRead:
    operator.require_project(project_id)
    return service.to_read(await service.set_enabled(session, project_id, name, enabled=False))


@router.post("/monitors/{project_id}/{name}/resume", response_model=MonitorRead, summary="恢復 heartbeat monitor")
async def resume_monitor(
    project_id: ProjectPath, name: NamePath, session: SessionDep, operator: OperatorDep
) -> MonitorRead:
    operator.require_project(project_id)
    return service.to_read(await service.set_enabled(session, project_id, name, enabled=True))
