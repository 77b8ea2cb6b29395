"""`awooop retention show|set|clear|run` as an operator runs them (tables and --json)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from awooop.cli.main import app
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.models import ChannelEvent
from tests.factories import Factory
from tests.fakes.events import alert
from tests.retention_data import count, store

runner = CliRunner()


async def cli(args: list[str], env: dict[str, str]) -> Result:
    return await asyncio.to_thread(runner.invoke, app, args, env=env)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, clean_db: Database) -> dict[str, str]:
    del clean_db
    return {
        "AWOOOP_DATABASE_URL": database_url,
        "AWOOOP_DATA_DIR": str(tmp_path / "data"),
        "AWOOOP_RETENTION_BATCH_PAUSE_SECONDS": "0",
    }


async def test_show_set_run_and_dry_run(cli_env: dict[str, str], clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    await factory.project("beta")
    old = utcnow().replace(hour=12) - timedelta(days=45)
    await store(
        clean_db, [alert("acme", fingerprint="a1", received_at=old), alert("beta", fingerprint="b1", received_at=old)]
    )

    assert (await cli(["retention", "set", "--project", "beta", "--raw-event-days", "90"], cli_env)).exit_code == 0
    shown = await cli(["retention", "show"], cli_env)
    assert shown.exit_code == 0, shown.output
    beta = next(line for line in shown.output.splitlines() if line.startswith("beta"))
    assert beta.split()[1] == "90*"
    as_json = json.loads((await cli(["retention", "show", "--json"], cli_env)).output)
    assert as_json["defaults"]["raw_event_days"] == 30
    assert as_json["projects"]["beta"]["overrides"]["raw_event_days"] == 90

    dry = await cli(["retention", "run", "--dry-run", "--json"], cli_env)
    assert dry.exit_code == 0, dry.output
    raw = [p for p in json.loads(dry.output)["purged"] if p["kind"] == "raw_events"]
    assert {p["project_id"]: p["rows"] for p in raw} == {"acme": 1, "beta": 0}
    assert await count(clean_db, ChannelEvent) == 2

    done = await cli(["retention", "run", "--project", "acme"], cli_env)
    assert done.exit_code == 0, done.output
    assert "total deleted: 1" in done.output
    assert await count(clean_db, ChannelEvent, ChannelEvent.project_id == "acme") == 0
    assert await count(clean_db, ChannelEvent, ChannelEvent.project_id == "beta") == 1

    assert (await cli(["retention", "clear", "--project", "beta"], cli_env)).exit_code == 0
    assert (await cli(["retention", "run"], cli_env)).exit_code == 0
    assert await count(clean_db, ChannelEvent) == 0
    unknown = await cli(["retention", "run", "--project", "nope"], cli_env)
    assert unknown.exit_code == 1
    assert "unknown project nope" in unknown.output
