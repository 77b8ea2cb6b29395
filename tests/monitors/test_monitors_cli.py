"""`awooop monitors add|list|pause|resume|delete` as an operator runs them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from click.testing import Result
from typer.testing import CliRunner

from awooop.cli.main import app
from awooop.core.db import Database
from tests.factories import Factory

runner = CliRunner()


async def cli(args: list[str], env: dict[str, str]) -> Result:
    return await asyncio.to_thread(runner.invoke, app, args, env=env)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, clean_db: Database) -> dict[str, str]:
    del clean_db
    return {"AWOOOP_DATABASE_URL": database_url, "AWOOOP_DATA_DIR": str(tmp_path / "data")}


async def test_monitors_commands(cli_env: dict[str, str], factory: Factory) -> None:
    await factory.project("acme")
    added = await cli(["monitors", "add", "acme", "nightly-backup", "--interval", "86400", "--grace", "600"], cli_env)
    assert added.exit_code == 0, added.output
    header, row = added.output.splitlines()
    assert header.split()[:4] == ["PROJECT", "NAME", "KIND", "STATE"]
    assert row.split()[:6] == ["acme", "nightly-backup", "ping", "new", "86400s", "600s"]
    assert "/api/v1/hub/acme/heartbeats/nightly-backup/ping" in row

    again = await cli(["monitors", "add", "acme", "nightly-backup"], cli_env)
    assert again.exit_code == 1
    assert "already exists" in again.output

    paused = await cli(["monitors", "pause", "acme", "nightly-backup", "--json"], cli_env)
    assert paused.exit_code == 0, paused.output
    assert orjson.loads(paused.output)[0]["state"] == "paused"
    resumed = await cli(["monitors", "resume", "acme", "nightly-backup", "--json"], cli_env)
    assert orjson.loads(resumed.output)[0]["state"] == "new"  # never pinged yet

    listed = await cli(["monitors", "list", "--project", "acme", "--json"], cli_env)
    assert [m["name"] for m in orjson.loads(listed.output)] == ["nightly-backup"]
    table = await cli(["monitors", "list"], cli_env)
    assert "nightly-backup" in table.output
    assert table.output.startswith("PROJECT")

    deleted = await cli(["monitors", "delete", "acme", "nightly-backup"], cli_env)
    assert deleted.exit_code == 0, deleted.output
    assert orjson.loads((await cli(["monitors", "list", "--json"], cli_env)).output) == []
    missing = await cli(["monitors", "pause", "acme", "nightly-backup"], cli_env)
    assert missing.exit_code == 1
    assert "not found" in missing.output
