"""The `awooop` command: one module per command group, wired here."""

from __future__ import annotations

import typer

from awooop.cli import demo, heartbeat, keys, monitors, playbooks, projects, redact, serve, silences, version
from awooop.cli import imports as imports_cli
from awooop.cli import retention as retention_cli

app = typer.Typer(help="AwoooP: alert intake and recurrence triage.", no_args_is_help=True, rich_markup_mode=None)
version.register(app)
app.add_typer(projects.app, name="projects")
app.add_typer(keys.app, name="keys")
serve.register(app)
playbooks.register(app)
heartbeat.register(app)
demo.register(app)
redact.register(app)
app.add_typer(monitors.app, name="monitors")
imports_cli.register(app)
app.add_typer(silences.app, name="silences")
app.add_typer(retention_cli.app, name="retention")

if __name__ == "__main__":
    app()
