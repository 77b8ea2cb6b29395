"""Projects: creation, secrets, intake-token rotation. Tokens are returned once and stored hashed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import utcnow
from awooop.core.security import hash_secret, new_secret
from awooop.errors import BadRequest, Conflict, NotFound
from awooop.models import Project
from awooop.operators import repository
from awooop.operators.principal import PROJECT_ID_RE

INTAKE_TOKEN_PREFIX = "ait_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True, slots=True)
class ProjectSecrets:
    sentry_client_secret: str | None = None
    grafana_secret: str | None = None
    telegram_secret_token: str | None = None
    telegram_bot_token: str | None = None
    telegram_chat_id: str | None = None


def validate_project_id(project_id: str) -> str:
    if not PROJECT_ID_RE.fullmatch(project_id):
        raise BadRequest(f"project_id {project_id!r} must match ^[a-z0-9][a-z0-9_-]{{0,63}}$")
    return project_id


async def require_project(session: AsyncSession, project_id: str) -> Project:
    project = await repository.get_project(session, project_id)
    if project is None:
        raise NotFound(f"project {project_id!r} not found")
    return project


async def create_project(
    session: AsyncSession, project_id: str, *, intake_token: str | None = None
) -> tuple[Project, str]:
    """Create a project; returns it with its intake token in clear (shown once)."""
    validate_project_id(project_id)
    if await repository.get_project(session, project_id) is not None:
        raise Conflict(f"project {project_id!r} already exists")
    token = intake_token or new_secret(INTAKE_TOKEN_PREFIX)
    project = Project(id=project_id, intake_token_hash=hash_secret(token), created_at=utcnow())
    session.add(project)
    await session.flush()
    return project, token


async def list_projects(session: AsyncSession, project_ids: Sequence[str] | None = None) -> Sequence[Project]:
    return await repository.list_projects(session, project_ids)


async def rotate_intake_token(session: AsyncSession, project_id: str) -> str:
    project = await require_project(session, project_id)
    token = new_secret(INTAKE_TOKEN_PREFIX)
    project.intake_token_hash = hash_secret(token)
    await session.flush()
    return token


async def set_secrets(session: AsyncSession, project_id: str, secrets: ProjectSecrets) -> Project:
    """Set only the given secrets; an empty string clears one."""
    project = await require_project(session, project_id)
    if secrets.sentry_client_secret is not None:
        project.sentry_client_secret = secrets.sentry_client_secret or None
    if secrets.grafana_secret is not None:
        project.grafana_secret = secrets.grafana_secret or None
    if secrets.telegram_secret_token is not None:
        token = secrets.telegram_secret_token
        project.telegram_secret_hash = hash_secret(token) if token else None
    if secrets.telegram_bot_token is not None:
        project.telegram_bot_token = secrets.telegram_bot_token or None
    if secrets.telegram_chat_id is not None:
        project.telegram_chat_id = secrets.telegram_chat_id or None
    await session.flush()
    return project
