"""First start on an empty database: project ``default``, an admin key and its intake token."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from awooop.config import Settings
from awooop.core.db import Database
from awooop.core.files import write_private_text
from awooop.operators import keys, projects, repository
from awooop.operators.principal import ALL_PROJECTS

DEFAULT_PROJECT = "default"
CREDENTIALS_FILE = "bootstrap-credentials.txt"


@dataclass(frozen=True, slots=True)
class BootstrapCredentials:
    project_id: str
    admin_key: str
    intake_token: str
    written_to: Path


async def bootstrap_if_empty(db: Database, settings: Settings) -> BootstrapCredentials | None:
    """Create the first project and admin key; None when the database already has projects."""
    async with db.transaction() as session:
        if await repository.count_projects(session):
            return None
        _, token = await projects.create_project(session, DEFAULT_PROJECT, intake_token=settings.bootstrap_intake_token)
        _, admin_key = await keys.create_key(
            session, operator_id="admin", role="admin", projects=ALL_PROJECTS, plaintext=settings.bootstrap_operator_key
        )
    path = _write_credentials(settings.data_dir, admin_key, token)
    return BootstrapCredentials(DEFAULT_PROJECT, admin_key, token, path)


def credentials_path(settings: Settings) -> Path:
    """Where the first start wrote the admin key and intake token."""
    return settings.data_dir / CREDENTIALS_FILE


def _write_credentials(data_dir: Path, admin_key: str, token: str) -> Path:
    path = data_dir / CREDENTIALS_FILE
    write_private_text(path, f"AWOOOP_ADMIN_KEY={admin_key}\nAWOOOP_DEFAULT_INTAKE_TOKEN={token}\n")
    return path
