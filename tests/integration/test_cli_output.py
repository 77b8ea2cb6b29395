"""CLI output for people (tables with headers, playbooks as YAML) and for scripts (``--json``)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from click.testing import Result
from typer.testing import CliRunner

import awooop
from awooop.cli.main import app
from awooop.cli.output import render_table
from awooop.core.db import Database
from tests.factories import Factory

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "playbooks.yaml"


async def cli(args: list[str], env: dict[str, str]) -> Result:
    return await asyncio.to_thread(runner.invoke, app, args, env=env)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, clean_db: Database) -> dict[str, str]:
    del clean_db
    return {"AWOOOP_DATABASE_URL": database_url, "AWOOOP_DATA_DIR": str(tmp_path / "data")}


async def test_projects_and_keys_lists_have_headers_and_json(cli_env: dict[str, str], factory: Factory) -> None:
    await factory.project("payments")
    await cli(["projects", "set-secret", "payments", "--sentry-client-secret", "s3cr3t"], cli_env)
    await cli(["keys", "create", "--operator", "ann", "--projects", "payments"], cli_env)

    people = await cli(["projects", "list"], cli_env)
    assert people.exit_code == 0, people.output
    header, row = people.stdout.splitlines()
    assert header.split() == ["PROJECT", "CREATED", "SECRETS", "SET", "TELEGRAM", "CHAT"]
    assert row.split()[0] == "payments"
    assert "sentry" in row
    assert "s3cr3t" not in people.stdout

    machine = await cli(["projects", "list", "--json"], cli_env)
    (project,) = json.loads(machine.stdout)
    assert project["project_id"] == "payments"
    assert project["secrets"] == ["sentry"]
    assert project["created_at"].endswith("Z")

    keys_people = (await cli(["keys", "list"], cli_env)).stdout.splitlines()
    assert keys_people[0].split()[:5] == ["KEY", "OPERATOR", "ROLE", "PROJECTS", "STATUS"]
    assert "ann" in keys_people[1]
    assert "never" not in keys_people[1]  # an unused key shows "-" under LAST USED
    (key,) = json.loads((await cli(["keys", "list", "--json"], cli_env)).stdout)
    assert (key["operator_id"], key["role"], key["projects"], key["status"]) == (
        "ann",
        "operator",
        ["payments"],
        "active",
    )
    assert key["last_used_at"] is None


async def test_playbooks_show_prints_yaml_that_load_reads_back(cli_env: dict[str, str], factory: Factory) -> None:
    await factory.project("payments")
    loaded = await cli(["playbooks", "load", str(EXAMPLE), "--project", "payments"], cli_env)
    assert loaded.exit_code == 0, loaded.output
    assert "PLAYBOOK" in loaded.stdout
    assert "{" not in loaded.stdout  # no Python dict reprs

    shown = await cli(["playbooks", "show", "--project", "payments"], cli_env)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("# project payments:")
    document = yaml.safe_load(shown.stdout)
    original = yaml.safe_load(EXAMPLE.read_text())
    assert [p["id"] for p in document["playbooks"]] == [p["id"] for p in original["playbooks"]]
    assert document["playbooks"][0]["match"]["namespace"] == original["playbooks"][0]["match"]["namespace"]

    again = Path(cli_env["AWOOOP_DATA_DIR"]) / "again.yaml"
    again.parent.mkdir(parents=True, exist_ok=True)
    again.write_text(shown.stdout)
    reloaded = await cli(["playbooks", "load", str(again), "--project", "payments"], cli_env)
    assert reloaded.exit_code == 0, reloaded.output

    as_json = json.loads((await cli(["playbooks", "show", "--project", "payments", "--json"], cli_env)).stdout)
    assert as_json["project_id"] == "payments"
    assert len(as_json["playbooks"]) == len(original["playbooks"])


def test_playbooks_example_prints_the_shipped_file() -> None:
    done = runner.invoke(app, ["playbooks", "example"])
    assert done.exit_code == 0
    assert done.stdout == EXAMPLE.read_text()


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path; Typer bundles its own Click, so groups are recognised by shape."""
    found = [prefix]
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def test_no_help_shows_a_bool_metavar_and_list_and_show_commands_take_json() -> None:
    paths = _commands(typer.main.get_command(app))
    assert ("playbooks", "show") in paths
    for path in paths:
        done = runner.invoke(app, [*path, "--help"])
        assert done.exit_code == 0, (path, done.output)
        assert "<bool>" not in done.output, (path, done.output)
        if path and path[-1] in ("list", "show"):
            assert "--json" in done.output, path


def test_version() -> None:
    done = runner.invoke(app, ["--version"])
    assert done.exit_code == 0
    assert done.stdout.strip() == f"awooop {awooop.__version__}"
    assert awooop.__version__[0].isdigit()


def test_tables_align_columns_and_show_missing_values_as_a_dash() -> None:
    rows = [{"a": "x", "b": None}, {"a": "longer", "b": ["p", "q"]}]
    assert render_table(rows, [("a", "name"), ("b", "projects")]).splitlines() == [
        "NAME    PROJECTS",
        "x       -",
        "longer  p,q",
    ]
