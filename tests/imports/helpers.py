"""Running `awooop import` / `awooop export` as an operator does, and reading what they stored."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from awooop.cli.main import app
from awooop.core.db import Database
from awooop.models import ChannelEvent, Incident, OutboxMessage, Run

LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "legacy"
runner = CliRunner()


async def cli(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> Result:
    """The CLI runs its own event loop (asyncio.run), so it gets a thread of its own."""
    return await asyncio.to_thread(runner.invoke, app, args, env=env, input=stdin)


async def import_files(
    env: dict[str, str], fmt: str, project: str, *files: str, extra: list[str] | None = None
) -> Result:
    paths = [name if name == "-" else str(LEGACY / name) for name in files]
    return await cli(["import", "--from", fmt, "--project", project, *(extra or []), *paths], env)


async def events(db: Database, project: str) -> list[ChannelEvent]:
    async with db.reader() as session:
        rows = await session.scalars(
            select(ChannelEvent).where(ChannelEvent.project_id == project).order_by(ChannelEvent.received_at)
        )
        return list(rows)


async def routed_counts(db: Database) -> dict[str, Any]:
    async with db.reader() as session:
        return {
            "incidents": await session.scalar(select(func.count()).select_from(Incident)),
            "runs": await session.scalar(select(func.count()).select_from(Run)),
            "outbox": await session.scalar(select(func.count()).select_from(OutboxMessage)),
            "linked": await session.scalar(
                select(func.count())
                .select_from(ChannelEvent)
                .where((ChannelEvent.run_id.is_not(None)) | (ChannelEvent.incident_id.is_not(None)))
            ),
        }
