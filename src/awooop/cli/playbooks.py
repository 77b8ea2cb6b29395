"""`awooop playbooks …`: load a project's playbooks from YAML, show them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from awooop.cli.common import database, run
from awooop.cli.output import Column, JsonFlag, json_doc, plain, table, yaml_doc
from awooop.errors import SchemaMismatch
from awooop.runs import playbooks
from awooop.runs.playbooks import PlaybookSetRead

EXAMPLE = resources.files("awooop.examples").joinpath("playbooks.yaml")
group = typer.Typer(help="Manage per-project playbooks (YAML; see docs/playbooks.md).", no_args_is_help=True)


LOADED_COLUMNS: tuple[Column, ...] = (
    ("id", "playbook"),
    ("agent_id", "agent"),
    ("action", "action"),
    ("gate", "mode/gate"),
    ("match", "match"),
)


def _summary(spec: playbooks.PlaybookSpec) -> dict[str, Any]:
    patterns = spec.match.model_dump(exclude_none=True, exclude_defaults=True)
    gate = "approval" if spec.requires_approval else "auto"
    labels = patterns.pop("labels", {})
    pairs = [*patterns.items(), *((f"labels.{name}", value) for name, value in labels.items())]
    match = " ".join(f"{key}={value}" for key, value in pairs) or "everything"
    return {
        "id": spec.id,
        "agent_id": spec.agent_id,
        "action": spec.action,
        "gate": f"{spec.mode}/{gate}",
        "match": match,
    }


def as_document(specs: list[playbooks.PlaybookSpec]) -> dict[str, Any]:
    """The playbook file format (docs/playbooks.md): what `show` prints, `load` reads back."""
    return {"playbooks": [spec.model_dump(mode="json", exclude_none=True) for spec in specs]}


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
    typer.echo(f"loaded {len(loaded.playbooks)} playbook(s) into project {project}, in match order:")
    table(
        [_summary(spec) for spec in loaded.playbooks], LOADED_COLUMNS, empty="(none: the project has no playbooks now)"
    )


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
def show(
    project: Annotated[str, typer.Option("--project", help="Project to show")],
    as_json: JsonFlag = False,
) -> None:
    """Print the project's playbooks in match order, as a playbook YAML file `load` accepts."""

    async def _go() -> PlaybookSetRead:
        async with database() as db, db.reader() as session:
            return await playbooks.get_playbook_set(session, project)

    current = run(_go)
    if as_json:
        json_doc(current.model_dump(mode="json"))
        return
    loaded = f"loaded {plain(current.updated_at)}" if current.updated_at else "never loaded"
    typer.echo(f"# project {project}: {len(current.playbooks)} playbook(s), {loaded}")
    yaml_doc(as_document(current.playbooks))


@group.command("example")
def example() -> None:
    """Print the example playbook file shipped with AwoooP (a starting point for `load`)."""
    typer.echo(EXAMPLE.read_text(encoding="utf-8"), nl=False)


def register(app: typer.Typer) -> None:
    """Add the `playbooks` group to the main app."""
    app.add_typer(group, name="playbooks")
