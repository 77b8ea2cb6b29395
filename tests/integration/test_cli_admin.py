"""The `awooop` admin commands as an operator runs them: projects, keys, first-start bootstrap."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from awooop.cli.main import app
from awooop.config import Settings
from awooop.core.db import Database
from awooop.core.security import hash_secret
from awooop.models import ApiKey, Project
from awooop.operators.bootstrap import CREDENTIALS_FILE, bootstrap_if_empty

runner = CliRunner()


async def cli(args: list[str], env: dict[str, str]) -> Result:
    """The CLI runs its own event loop (asyncio.run), so it gets a thread of its own."""
    return await asyncio.to_thread(runner.invoke, app, args, env=env)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, clean_db: Database) -> dict[str, str]:
    del clean_db
    return {"AWOOOP_DATABASE_URL": database_url, "AWOOOP_DATA_DIR": str(tmp_path / "data")}


def _last_word(output: str, marker: str) -> str:
    line = next(line for line in output.splitlines() if marker in line)
    return line.rsplit(" ", 1)[1]


async def test_projects_create_prints_the_token_once_and_stores_only_its_hash(
    cli_env: dict[str, str], clean_db: Database
) -> None:
    created = await cli(["projects", "create", "payments"], cli_env)
    assert created.exit_code == 0, created.output
    token = _last_word(created.output, "intake token")
    async with clean_db.reader() as session:
        project = (await session.scalars(select(Project))).one()
    assert project.id == "payments"
    assert project.intake_token_hash == hash_secret(token)
    assert token not in str(project.__dict__)

    listed = await cli(["projects", "list"], cli_env)
    assert "payments" in listed.output
    assert token not in listed.output

    again = await cli(["projects", "create", "payments"], cli_env)
    assert again.exit_code == 1
    assert "already exists" in again.output

    bad = await cli(["projects", "create", "Payments!"], cli_env)
    assert bad.exit_code == 1
    assert "must match" in bad.output


async def test_set_secret_and_rotate_token(cli_env: dict[str, str], clean_db: Database) -> None:
    await cli(["projects", "create", "ops"], cli_env)
    result = await cli(
        ["projects", "set-secret", "ops", "--sentry-client-secret", "s3", "--telegram-secret-token", "tg-1"], cli_env
    )
    assert result.exit_code == 0, result.output
    listed = await cli(["projects", "list"], cli_env)
    assert "sentry" in listed.output
    assert "telegram-secret" in listed.output

    async with clean_db.reader() as session:
        before = (await session.get(Project, "ops")).intake_token_hash  # type: ignore[union-attr]
    rotated = await cli(["projects", "rotate-token", "ops"], cli_env)
    new_token = _last_word(rotated.output, "new intake token")
    async with clean_db.reader() as session:
        project = await session.get(Project, "ops")
    assert project is not None
    assert project.intake_token_hash != before
    assert project.intake_token_hash == hash_secret(new_token)
    assert project.telegram_secret_hash == hash_secret("tg-1")

    missing = await cli(["projects", "rotate-token", "nope"], cli_env)
    assert missing.exit_code == 1
    assert "not found" in missing.output


async def test_keys_create_list_revoke(cli_env: dict[str, str], clean_db: Database) -> None:
    created = await cli(["keys", "create", "--operator", "robot", "--role", "agent", "--projects", "b,a"], cli_env)
    assert created.exit_code == 0, created.output
    key = _last_word(created.output, "shown once")
    key_id = key.split("_")[1]
    async with clean_db.reader() as session:
        row = (await session.scalars(select(ApiKey))).one()
    assert (row.id, row.role, row.projects) == (key_id, "agent", ["a", "b"])
    assert key.split("_", 2)[2] not in row.secret_hash

    listed = await cli(["keys", "list"], cli_env)
    assert key_id in listed.output
    assert "active" in listed.output
    assert key not in listed.output

    assert (await cli(["keys", "revoke", key_id], cli_env)).exit_code == 0
    assert "revoked" in (await cli(["keys", "list"], cli_env)).output

    wrong_role = await cli(["keys", "create", "--operator", "x", "--role", "root"], cli_env)
    assert wrong_role.exit_code == 1
    assert "role must be one of" in wrong_role.output


async def test_bootstrap_uses_preset_secrets_writes_a_private_file_and_runs_once(
    settings: Settings, clean_db: Database
) -> None:
    preset_key = "awk_0123456789ab_" + "k" * 40
    preset = settings.model_copy(
        update={"bootstrap_operator_key": preset_key, "bootstrap_intake_token": "ait_preset-token-123"}
    )
    creds = await bootstrap_if_empty(clean_db, preset)
    assert creds is not None
    assert (creds.admin_key, creds.intake_token, creds.project_id) == (
        preset_key,
        "ait_preset-token-123",
        "default",
    )
    path = settings.data_dir / CREDENTIALS_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert preset_key in path.read_text()
    async with clean_db.reader() as session:
        key = (await session.scalars(select(ApiKey))).one()
    assert (key.role, key.projects) == ("admin", ["*"])
    assert await bootstrap_if_empty(clean_db, preset) is None
