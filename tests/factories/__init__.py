"""Factories that build data through the real services (never raw inserts)."""

from __future__ import annotations

from dataclasses import dataclass

from awooop.core.db import Database
from awooop.operators import keys, projects


@dataclass(frozen=True, slots=True)
class CreatedProject:
    id: str
    intake_token: str


class Factory:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def project(self, project_id: str = "acme") -> CreatedProject:
        async with self.db.transaction() as session:
            _, token = await projects.create_project(session, project_id)
        return CreatedProject(project_id, token)

    async def key(self, *, role: str = "operator", projects_spec: str = "*", operator_id: str = "alice") -> str:
        async with self.db.transaction() as session:
            _, plaintext = await keys.create_key(session, operator_id=operator_id, role=role, projects=projects_spec)
        return plaintext

    async def operator_headers(self, projects_spec: str = "*", role: str = "operator") -> dict[str, str]:
        return {"X-AwoooP-Operator-Key": await self.key(role=role, projects_spec=projects_spec)}
