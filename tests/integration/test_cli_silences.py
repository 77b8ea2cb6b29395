"""`awooop silences add|list|expire` as an operator runs them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

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


async def test_add_list_expire(cli_env: dict[str, str], factory: Factory) -> None:
    await factory.project("acme")
    added = await cli(
        [
            "silences",
            "add",
            "alertname=HighLatency",
            "env=~prod.*",
            "-p",
            "acme",
            "-c",
            "db migration",
            "-d",
            "2h",
            "--created-by",
            "carol",
            "--json",
        ],
        cli_env,
    )
    assert added.exit_code == 0, added.output
    (silence,) = json.loads(added.output)
    assert (silence["state"], silence["created_by"], silence["matchers_text"]) == (
        "active",
        "carol",
        'alertname="HighLatency", env=~"prod.*"',
    )
    listed = await cli(["silences", "list", "--project", "acme"], cli_env)
    assert listed.exit_code == 0, listed.output
    header, row = listed.output.splitlines()
    assert header.split() == ["ID", "PROJECT", "STATE", "MATCHERS", "STARTS", "ENDS", "CREATED_BY", "COMMENT"]
    assert row.startswith(silence["id"])
    assert "active" in row
    assert "db migration" in row

    expired = await cli(["silences", "expire", silence["id"]], cli_env)
    assert expired.exit_code == 0, expired.output
    assert "expired" in expired.output
    only_active = await cli(["silences", "list", "--state", "active", "--json"], cli_env)
    assert json.loads(only_active.output) == []
    again = await cli(["silences", "expire", silence["id"]], cli_env)
    assert again.exit_code == 1
    assert "already expired" in again.output


async def test_bad_input_is_refused_with_a_message(cli_env: dict[str, str], factory: Factory) -> None:
    await factory.project("acme")
    regex = await cli(["silences", "add", "job=~(api", "-p", "acme", "-c", "x"], cli_env)
    assert regex.exit_code == 2  # a usage error, before anything is stored
    assert "invalid regular expression" in regex.output
    duration = await cli(["silences", "add", "job=api", "-p", "acme", "-c", "x", "-d", "soon"], cli_env)
    assert duration.exit_code == 2
    assert "not a duration" in duration.output
    unknown = await cli(["silences", "add", "job=api", "-p", "nope", "-c", "x"], cli_env)
    assert unknown.exit_code == 1
    assert "not found" in unknown.output
