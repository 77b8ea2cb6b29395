"""`awooop serve`, `awooop worker`, `awooop migrate`."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer
import uvicorn

from awooop import background
from awooop.cli.common import database, describe_location, run
from awooop.config import Settings
from awooop.core import migrate as migrations
from awooop.core.files import ensure_private_dir
from awooop.core.metrics import prepare_multiprocess_dir
from awooop.operators.bootstrap import bootstrap_if_empty, credentials_path

log = logging.getLogger("awooop.worker")


def _migrate(settings: Settings) -> None:
    ensure_private_dir(settings.data_dir)
    migrations.upgrade(settings.resolved_database_url)


def _announce_bootstrap(settings: Settings) -> None:
    async def _go() -> None:
        async with database(settings) as db:
            creds = await bootstrap_if_empty(db, settings)
        if creds is None:
            _announce_later_start(settings)
            return
        typer.secho("First start: created project 'default' and an admin key.", fg=typer.colors.GREEN)
        typer.echo(f"  admin key (shown once):     {creds.admin_key}")
        typer.echo(f"  intake token (shown once):  {creds.intake_token}")
        typer.echo(f"  also written to {creds.written_to} (mode 0600)")

    run(_go)


def _announce_later_start(settings: Settings) -> None:
    """Later starts: say where the first start's credentials are (they are never printed again)."""
    path = credentials_path(settings)
    if path.is_file():
        typer.echo(f"Admin key and intake token of the first start: {path.resolve()} (mode 0600)")
    else:
        typer.echo("Existing database; create an admin key with: awooop keys create --operator NAME --role admin")


def _configure_worker_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


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
        if workers > 1:  # one /metrics view over every worker (awooop.core.metrics)
            directory = prepare_multiprocess_dir(settings.data_dir)
            typer.echo(f"metrics of {workers} workers are combined through {directory}")
        typer.echo(f"AwoooP listening on http://{host}:{port}  (console: http://{host}:{port}/console)")
        uvicorn.run(
            "awooop.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=False,
            # X-Forwarded-For is read by awooop.guard.client, only from AWOOOP_TRUSTED_PROXIES.
            proxy_headers=False,
            # A worker must answer the supervisor's ping within this; importing the app on a busy
            # host can take longer than uvicorn's 5 s, and the worker would be killed and respawned.
            timeout_worker_healthcheck=60,
        )

    @app.command()
    def worker() -> None:
        """Deliver notifications, expire silent monitors, release silences, run retention (any number of these)."""
        settings = Settings()
        _configure_worker_logging()

        async def _go() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            async with database(settings) as db:
                log.info(
                    "worker started: database %s, polling every %g s; Ctrl-C or SIGTERM stops it",
                    describe_location(db.url),
                    settings.worker_poll_seconds,
                )
                try:
                    await background.run_all(db, settings, stop)
                finally:
                    log.info("worker stopped")

        run(_go)
