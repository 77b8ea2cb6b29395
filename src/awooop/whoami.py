"""``GET /api/v1/platform/whoami``: the caller's principal.

A route of the web layer, not of ``operators/``: it needs ``deps`` (the authentication
dependencies), and ``deps`` needs ``operators``; kept inside ``operators`` it made the two a cycle.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from awooop.deps import OperatorDep

router = APIRouter()


class WhoAmIRead(BaseModel):
    operator_id: str
    auth_method: str
    role: str
    projects: list[str]
    key_id: str


@router.get("/whoami", response_model=WhoAmIRead, summary="目前呼叫者的 operator principal")
async def whoami(operator: OperatorDep) -> WhoAmIRead:
    return WhoAmIRead(
        operator_id=operator.operator_id,
        auth_method=operator.auth_method,
        role=operator.role,
        projects=list(operator.projects),
        key_id=operator.key_id,
    )
