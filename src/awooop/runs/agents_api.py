"""Agent routes under /api/v1/agents: claim the oldest queued run, report on it.

An agent key acts as the agent named by its operator id: ``/{agent_id}/claim`` needs
``key.operator_id == agent_id`` and a report needs the run's ``agent_id`` to be the key's.
Admin keys may act as any agent (for operations and tests). Every call stays inside the key's
project scope; a run outside it is "not found"."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from awooop.deps import AgentDep, SessionDep
from awooop.errors import Forbidden
from awooop.operators.principal import AwoooPOperatorPrincipal
from awooop.runs import service
from awooop.runs.schemas import ClaimRead, RunRead, RunReportCreate

router = APIRouter()


def _acting_agent(principal: AwoooPOperatorPrincipal) -> str | None:
    """The agent a key may act as; None for admin keys (any agent)."""
    return None if principal.role == "admin" else principal.operator_id


@router.post(
    "/{agent_id}/claim",
    response_model=ClaimRead,
    responses={204: {"description": "No queued run for this agent"}},
    summary="領取此 agent 最舊的 queued run（改為 running）",
)
async def claim_run(agent_id: str, session: SessionDep, principal: AgentDep) -> ClaimRead | Response:
    acting = _acting_agent(principal)
    if acting is not None and acting != agent_id:
        raise Forbidden(f"key of agent {acting!r} cannot claim runs of agent {agent_id!r}")
    claimed = await service.claim_next_run(
        session, agent_id, projects=principal.project_filter(None), actor=principal.operator_id
    )
    if claimed is None:
        return Response(status_code=204)
    return claimed


@router.post("/runs/{run_id}/report", response_model=RunRead, summary="回報 run 的進度或結果")
async def report_run(run_id: uuid.UUID, report: RunReportCreate, session: SessionDep, principal: AgentDep) -> RunRead:
    return await service.report_run(
        session,
        run_id,
        report,
        projects=principal.project_filter(None),
        actor=principal.operator_id,
        as_agent=_acting_agent(principal),
    )
