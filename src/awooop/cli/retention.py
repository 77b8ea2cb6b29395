"""`awooop retention show|set|clear|run|vacuum`: what is kept how long, and a pass on demand."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from sqlalchemy import text

from awooop.cli.common import database, run
from awooop.config import Settings
from awooop.retention import service
from awooop.retention.policy import FIELD_NAMES

app = typer.Typer(help="Retention: how long rows are kept; purge and compact on demand.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]
ProjectOption = Annotated[str | None, typer.Option("--project", help="Only this project")]


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


@app.command("show")
def show(as_json: JsonOption = False, project: ProjectOption = None) -> None:
    """Defaults, per-project overrides (marked *) and what is never deleted."""

    async def _go() -> dict[str, Any]:
        async with database() as db:
            return await service.show(db, Settings())

    answer = run(_go)
    if project is not None:
        answer["projects"] = {k: v for k, v in answer["projects"].items() if k == project}
    if as_json:
        typer.echo(_dump(answer))
        return
    header = ["project", *(name.removesuffix("_days") for name in FIELD_NAMES)]
    rows = [header, ["(default)", *(str(answer["defaults"][name]) for name in FIELD_NAMES)]]
    for project_id, entry in answer["projects"].items():
        cells = [f"{entry['effective'][name]}{'*' if entry['overrides'].get(name) else ''}" for name in FIELD_NAMES]
        rows.append([project_id, *cells])
    typer.echo("days kept (* = project override; events go by whole UTC days)")
    typer.echo(_table(rows))
    typer.echo("expired console sessions: deleted")
    typer.echo(f"kept forever: {', '.join(answer['kept_forever'])}")
    if answer["sqlite_auto_vacuum"] is not None and answer["sqlite_auto_vacuum"] != 2:
        typer.echo("SQLite auto_vacuum is not INCREMENTAL: run `awooop retention vacuum` once to shrink the file")


@app.command("set")
def set_(
    *,
    project: Annotated[str, typer.Option("--project", help="Project to override")],
    raw_event_days: Annotated[int | None, typer.Option(min=1)] = None,
    duplicate_days: Annotated[int | None, typer.Option(min=1)] = None,
    rejection_days: Annotated[int | None, typer.Option(min=1)] = None,
    notification_days: Annotated[int | None, typer.Option(min=1)] = None,
    heartbeat_run_days: Annotated[int | None, typer.Option(min=1)] = None,
) -> None:
    """Override days for one project (options left out keep the default)."""
    values = {
        "raw_event_days": raw_event_days,
        "duplicate_days": duplicate_days,
        "rejection_days": rejection_days,
        "notification_days": notification_days,
        "heartbeat_run_days": heartbeat_run_days,
    }

    async def _go() -> None:
        async with database() as db:
            await service.set_override(db, project, values)

    run(_go)
    typer.echo(f"retention of {project} set")


@app.command("clear")
def clear(project: Annotated[str, typer.Option("--project", help="Project back to the defaults")]) -> None:
    """Remove a project's overrides."""

    async def _go() -> None:
        async with database() as db:
            await service.clear_override(db, project)

    run(_go)
    typer.echo(f"retention of {project} back to the defaults")


@app.command("run")
def run_(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go; change nothing")] = False,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """One pass now: compact the days about to go, delete expired rows in small batches, vacuum."""

    async def _go() -> service.PassReport:
        async with database() as db:
            return await service.run_pass(db, Settings(), dry_run=dry_run, project_id=project)

    report = run(_go)
    if as_json:
        typer.echo(_dump(report.to_dict()))
        return
    verb = "would delete" if dry_run else "deleted"
    rows = [["kind", "table", "project", "before", verb]]
    rows.extend(
        [item.kind, item.table, item.project_id or "(all)", f"{item.cutoff:%Y-%m-%dT%H:%M:%SZ}", str(item.rows)]
        for item in report.purged
    )
    typer.echo(_table(rows))
    for entry in report.compaction:
        if entry.days:
            typer.echo(f"compacted {entry.project_id}: {entry.days} days, {entry.rollups} rollups")
    typer.echo(f"total {verb}: {report.total()}")


@app.command("vacuum")
def vacuum() -> None:
    """SQLite: switch to auto_vacuum=INCREMENTAL and rebuild the file once (locks the database while it
    runs and needs free disk about the size of the file; stop the service first)."""
    settings = Settings()
    if not settings.is_sqlite:
        typer.echo("PostgreSQL: autovacuum reuses space; see docs/operations.md (VACUUM FULL / pg_repack)")
        return

    async def _go() -> None:
        async with database(settings) as db, db.write_engine.connect() as conn:
            driver = await conn.get_raw_connection()
            raw: Any = driver.driver_connection
            await raw.execute("PRAGMA auto_vacuum=INCREMENTAL")
            await raw.execute("VACUUM")
            await conn.execute(text("SELECT 1"))

    run(_go)
    typer.echo("SQLite database rebuilt with auto_vacuum=INCREMENTAL")
