"""`awooop playbooks …`: load a project's playbooks from YAML, show them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from awooop.cli.common import database, run
from awooop.errors import SchemaMismatch
from awooop.runs import playbooks
from awooop.runs.playbooks import PlaybookSetRead

group = typer.Typer(help="Manage per-project playbooks (YAML; see docs/playbooks.md).", no_args_is_help=True)


def _describe(spec: playbooks.PlaybookSpec) -> str:
    patterns = spec.match.model_dump(exclude_none=True, exclude_defaults=True)
    gate = "approval" if spec.requires_approval else "auto"
    return f"{spec.id}\t{spec.agent_id}\t{spec.action}\t{spec.mode}/{gate}\t{patterns or 'matches everything'}"


@group.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="Playbook YAML file", exists=True, dir_okay=False, readable=True)],
    project: Annotated[str, typer.Option("--project", help="Project whose playbooks are replaced")],
) -> None:
    """Validate FILE and replace the project's playbooks with it (all or nothing)."""
    specs = _parse(file)

    async def _go() -> PlaybookSetRead:
        async with database() as db, db.transaction() as session:
            return await playbooks.replace_playbooks(session, project, specs)

    loaded = run(_go)
    typer.echo(f"loaded {len(loaded.playbooks)} playbook(s) into project {project}")
    for spec in loaded.playbooks:
        typer.echo(f"  {_describe(spec)}")


def _parse(file: Path) -> list[playbooks.PlaybookSpec]:
    """Validate before touching the database; list every problem, not only the first."""
    try:
        return playbooks.parse_playbooks(file.read_bytes())
    except SchemaMismatch as exc:
        problems = exc.extra.get("errors") or [{"field": exc.extra.get("field", ""), "message": exc.detail}]
        typer.secho(f"error: {file} is not a valid playbook file", fg=typer.colors.RED, err=True)
        for problem in problems:
            typer.secho(f"  {problem['field']}: {problem['message']}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc


@group.command("show")
def show(project: Annotated[str, typer.Option("--project", help="Project to show")]) -> None:
    """Print the project's playbooks in match order."""

    async def _go() -> PlaybookSetRead:
        async with database() as db, db.reader() as session:
            return await playbooks.get_playbook_set(session, project)

    current = run(_go)
    if not current.playbooks:
        typer.echo(f"project {project} has no playbooks")
    for spec in current.playbooks:
        typer.echo(_describe(spec))


def register(app: typer.Typer) -> None:
    """Add the `playbooks` group to the main app."""
    app.add_typer(group, name="playbooks")
