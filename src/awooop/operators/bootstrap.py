"""First start on an empty database: project ``default``, an admin key and its intake token."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from awooop.config import Settings
from awooop.core.db import Database
from awooop.operators import keys, projects, repository

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
            session, operator_id="admin", role="admin", projects="*", plaintext=settings.bootstrap_operator_key
        )
    path = _write_credentials(settings.data_dir, admin_key, token)
    return BootstrapCredentials(DEFAULT_PROJECT, admin_key, token, path)


def _write_credentials(data_dir: Path, admin_key: str, token: str) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / CREDENTIALS_FILE
    # Created 0600 from the start: the secrets are never world-readable, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"AWOOOP_ADMIN_KEY={admin_key}\nAWOOOP_DEFAULT_INTAKE_TOKEN={token}\n")
    os.chmod(path, 0o600)
    return path
