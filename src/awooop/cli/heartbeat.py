"""`awooop heartbeat`: record provider heartbeats directly through the service (no HTTP).

Without ``--every`` it records once and exits (cron); with ``--every S`` it keeps recording
every S seconds until SIGINT/SIGTERM (a sidecar). In loop mode a failed round is reported on
stderr and the loop goes on: the next round may succeed once the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from awooop.cli.common import database, run
from awooop.core.db import Database
from awooop.dossier import service
from awooop.errors import BadRequest, DomainError
from awooop.hub.providers import ALERT_PROVIDERS

MIN_EVERY_SECONDS = 5.0
DEFAULT_REASON = "scheduled_provider_freshness_smoke"


@dataclass(frozen=True, slots=True)
class LocalOperator:
    """The person or job at the console: the CLI talks to the database directly, so every
    project is in reach. Recorded in the heartbeat as ``cli:<user>`` with auth_method ``cli``."""

    operator_id: str
    auth_method: str = "cli"

    def require_project(self, project_id: str) -> str:
        return project_id


def parse_providers(spec: str) -> list[str]:
    providers = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in providers if name not in ALERT_PROVIDERS]
    if not providers or unknown:
        raise BadRequest(f"--providers takes a comma list of {', '.join(ALERT_PROVIDERS)}; got {spec!r}")
    return providers


def describe(result: dict[str, Any]) -> list[str]:
    return [
        f"{result['project_id']}\t{item['provider']}\t{item['event_id']}\t{item['conversation_event_id']}"
        for item in result["items"]
    ]


async def record_once(
    db: Database, *, project_id: str, providers: Sequence[str], reason: str, actor: LocalOperator
) -> dict[str, Any]:
    async with db.transaction() as session:
        return await service.record_provider_heartbeats(
            session, project_id=project_id, providers=providers, reason=reason, run_ref=None, operator=actor
        )


async def heartbeat_loop(
    db: Database,
    *,
    project_id: str,
    providers: Sequence[str],
    reason: str,
    actor: LocalOperator,
    every: float,
    stop: asyncio.Event,
    report: Callable[[str], None],
    report_error: Callable[[str], None],
) -> None:
    """Record a round, then wait ``every`` seconds or until ``stop``."""
    while not stop.is_set():
        try:
            result = await record_once(db, project_id=project_id, providers=providers, reason=reason, actor=actor)
        except (DomainError, SQLAlchemyError) as exc:
            detail = exc.detail if isinstance(exc, DomainError) else f"database error: {type(exc).__name__}"
            report_error(f"heartbeat failed: {detail}")
        else:
            for line in describe(result):
                report(line)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


def _echo_error(line: str) -> None:
    typer.echo(line, err=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def heartbeat(
        project: Annotated[str, typer.Option("--project", help="Project to record the heartbeats in")],
        providers: Annotated[str, typer.Option(help=f"Comma list of {', '.join(ALERT_PROVIDERS)}")] = "sentry,signoz",
        every: Annotated[
            float | None,
            typer.Option(min=MIN_EVERY_SECONDS, help="Repeat every SECONDS until interrupted (sidecar mode)"),
        ] = None,
        reason: Annotated[str, typer.Option(help="Why (stored with the heartbeat)")] = DEFAULT_REASON,
    ) -> None:
        """Record synthetic provider heartbeats: they go through each provider's real parser and
        create one completed shadow run each, never an incident or a notification."""
        actor = LocalOperator(operator_id=f"cli:{getpass.getuser()}")
        try:
            names = parse_providers(providers)
        except BadRequest as exc:
            raise typer.BadParameter(exc.detail, param_hint="--providers") from exc

        async def _once() -> list[str]:
            async with database() as db:
                result = await record_once(db, project_id=project, providers=names, reason=reason, actor=actor)
            return describe(result)

        if every is None:
            for line in run(_once):
                typer.echo(line)
            return

        async def _forever() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            async with database() as db:
                await heartbeat_loop(
                    db,
                    project_id=project,
                    providers=names,
                    reason=reason,
                    actor=actor,
                    every=every,
                    stop=stop,
                    report=typer.echo,
                    report_error=_echo_error,
                )

        typer.echo(f"recording heartbeats for {project} every {every:g} s; Ctrl-C to stop")
        run(_forever)
