"""Who is calling: an operator, agent or admin key (or a console session) with a project scope."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from awooop.errors import Forbidden

# How the key arrived: its own header (operator or agent), a bearer token, or a console session.
AuthMethod = Literal["operator_key", "agent_key", "bearer", "session"]
Role = Literal["operator", "agent", "admin"]
ROLES: tuple[Role, ...] = ("operator", "agent", "admin")
ALL_PROJECTS = "*"
PROJECT_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True, slots=True)
class AwoooPOperatorPrincipal:
    operator_id: str
    auth_method: AuthMethod
    role: Role
    projects: tuple[str, ...]
    key_id: str

    @property
    def all_projects(self) -> bool:
        return ALL_PROJECTS in self.projects

    def can_see(self, project_id: str) -> bool:
        return self.all_projects or project_id in self.projects

    def require_project(self, project_id: str) -> str:
        if not self.can_see(project_id):
            raise Forbidden(f"key {self.key_id} is not scoped to project {project_id!r}")
        return project_id

    def project_filter(self, project_id: str | None) -> tuple[str, ...] | None:
        """Projects a query may read: ``None`` means every project (a ``*`` key, no filter)."""
        if project_id is not None:
            return (self.require_project(project_id),)
        if self.all_projects:
            return None
        return self.projects
