"""`awooop --version`: the installed version, then exit."""

from __future__ import annotations

from typing import Annotated

import typer

import awooop


def _show(value: bool) -> None:
    if value:
        typer.echo(f"awooop {awooop.__version__}")
        raise typer.Exit


def register(app: typer.Typer) -> None:
    """Add the eager ``--version`` option to the top-level command."""

    @app.callback()
    def main(
        version: Annotated[
            bool, typer.Option("--version", callback=_show, is_eager=True, help="Print the version and exit.")
        ] = False,
    ) -> None:
        """AwoooP: alert intake and recurrence triage."""
        del version
