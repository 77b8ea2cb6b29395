"""`awooop demo`: load the demo week into project ``demo`` (also `awooop serve --demo`)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

from awooop.config import Settings
from awooop.core import migrate as migrations
from awooop.core.files import ensure_private_dir

if TYPE_CHECKING:
    from awooop.demo.loader import DemoSummary


def _print(summary: DemoSummary) -> None:
    runs = ", ".join(f"{count} {state}" for state, count in sorted(summary.runs.items()))
    incidents = ", ".join(f"{count} {status}" for status, count in sorted(summary.incidents.items()))
    typer.secho(
        f"Demo data loaded into project '{summary.project_id}' in {summary.seconds:.1f} s", fg=typer.colors.GREEN
    )
    typer.echo(f"  {summary.events} events ({summary.duplicates} duplicates) from {summary.steps} API calls")
    typer.echo(f"  runs: {runs}")
    typer.echo(f"  incidents: {incidents}")
    for skipped in summary.skipped:
        typer.secho(f"  skipped {skipped}", fg=typer.colors.YELLOW)


def load_demo_if_missing(settings: Settings) -> None:
    """Load the demo data set when project ``demo`` does not exist yet (the schema must be migrated)."""
    # Imported here, not with the CLI: `serve --workers N` spawns workers that re-import the CLI
    # module, and importing the demo package there made the workers die (SIGTERM) before serving.
    from awooop.app import create_app  # noqa: PLC0415
    from awooop.demo.loader import DemoError, load_demo  # noqa: PLC0415

    try:
        summary = asyncio.run(load_demo(settings, create_app))
    except DemoError as exc:
        typer.secho(f"error: demo data could not be loaded: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    if summary is None:
        typer.echo("Demo data already present in project 'demo'.")
        return
    _print(summary)


def register(app: typer.Typer) -> None:
    @app.command()
    def demo() -> None:
        """Load a realistic week of alerts, runs and incidents into project 'demo' (once)."""
        settings = Settings()
        ensure_private_dir(settings.data_dir)
        migrations.upgrade(settings.resolved_database_url)
        load_demo_if_missing(settings)
