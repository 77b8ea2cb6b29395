"""`awooop serve`, `awooop worker`, `awooop migrate`."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer
import uvicorn

from awooop.cli.common import database, run
from awooop.config import Settings
from awooop.core import migrate as migrations
from awooop.notify.worker import run_worker
from awooop.operators.bootstrap import bootstrap_if_empty
from awooop.retention.worker import run_retention_worker


def _migrate(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.resolved_database_url)


def _announce_bootstrap(settings: Settings) -> None:
    async def _go() -> None:
        async with database(settings) as db:
            creds = await bootstrap_if_empty(db, settings)
        if creds is None:
            return
        typer.secho("First start: created project 'default' and an admin key.", fg=typer.colors.GREEN)
        typer.echo(f"  admin key (shown once):     {creds.admin_key}")
        typer.echo(f"  intake token (shown once):  {creds.intake_token}")
        typer.echo(f"  also written to {creds.written_to} (mode 0600)")

    run(_go)


def register(app: typer.Typer) -> None:
    @app.command()
    def migrate() -> None:
        """Upgrade the database schema to the latest migration."""
        settings = Settings()
        _migrate(settings)
        typer.echo(f"database at {migrations.head_revision()}")

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port")] = 8080,
        workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
        demo: Annotated[bool, typer.Option("--demo", help="Load the demo data set on an empty database")] = False,
    ) -> None:
        """Migrate, bootstrap on first start, then serve the API and console."""
        settings = Settings()
        _migrate(settings)
        _announce_bootstrap(settings)
        if demo:
            from awooop.cli.demo import load_demo_if_missing  # noqa: PLC0415 - only needed with --demo

            load_demo_if_missing(settings)
        typer.echo(f"AwoooP listening on http://{host}:{port}  (console: http://{host}:{port}/console)")
        uvicorn.run(
            "awooop.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=False,
        )

    @app.command()
    def worker() -> None:
        """Deliver queued notifications and run scheduled retention (any number of these against PostgreSQL)."""
        settings = Settings()

        async def _go() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            async with database(settings) as db:
                await asyncio.gather(run_worker(db, settings, stop), run_retention_worker(db, settings, stop))

        run(_go)
