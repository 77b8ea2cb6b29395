"""`awooop monitors …`: heartbeat monitors (add, list, pause, resume, delete)."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer

from awooop.cli.common import database, run
from awooop.monitors import service
from awooop.monitors.schemas import MonitorCreate, MonitorRead

app = typer.Typer(help="Heartbeat monitors: alert when an expected ping does not come.", no_args_is_help=True)
COLUMNS = ("PROJECT", "NAME", "KIND", "STATE", "INTERVAL", "GRACE", "LAST PING", "INCIDENT", "PING PATH")
DEFAULT_GRACE = service.DEFAULT_GRACE_SECONDS
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def _row(m: MonitorRead) -> tuple[str, ...]:
    last = m.last_ping_at.strftime("%Y-%m-%dT%H:%M:%SZ") if m.last_ping_at else "never"
    return (
        m.project_id,
        m.name,
        m.kind,
        m.state,
        f"{m.interval_seconds}s",
        f"{m.grace_seconds}s",
        last,
        m.open_incident_id or "-",
        m.ping_path,
    )


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [COLUMNS, *rows]
    )


def _print(monitors: list[MonitorRead], *, as_json: bool) -> None:
    if as_json:
        typer.echo(orjson.dumps([m.model_dump(mode="json") for m in monitors], option=orjson.OPT_INDENT_2).decode())
    else:
        typer.echo(_table([_row(m) for m in monitors]))


@app.command("add")
def add(
    project: Annotated[str, typer.Argument(help="Project id")],
    name: Annotated[str, typer.Argument(help="Monitor name (used in the ping URL)")],
    *,
    interval: Annotated[int, typer.Option("--interval", help="Seconds between expected pings")] = 3600,
    grace: Annotated[
        int, typer.Option("--grace", help="Extra seconds before it alerts")
    ] = service.DEFAULT_GRACE_SECONDS,
    message: Annotated[str | None, typer.Option("--message", help="Alert message")] = None,
    severity: Annotated[str, typer.Option("--severity", help="critical, error, warning or info")] = "critical",
    description: Annotated[str | None, typer.Option("--description")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a monitor; it alerts once it has been pinged and then goes silent."""

    async def _go() -> MonitorRead:
        spec = MonitorCreate.model_validate(
            {
                "name": name,
                "interval_seconds": interval,
                "grace_seconds": grace,
                "alert_message": message,
                "severity": severity,
                "description": description,
            }
        )
        async with database() as db, db.transaction() as session:
            return service.to_read(await service.create_monitor(session, project, spec))

    _print([run(_go)], as_json=as_json)


@app.command("list")
def list_(
    project: Annotated[str | None, typer.Option("--project", help="Only this project")] = None,
    as_json: JsonOption = False,
) -> None:
    """List monitors with their state and last ping."""

    async def _go() -> list[MonitorRead]:
        async with database() as db, db.reader() as session:
            rows = await service.list_monitors(session, None if project is None else [project])
            return [service.to_read(m) for m in rows]

    _print(run(_go), as_json=as_json)


def _toggle(project: str, name: str, *, enabled: bool, as_json: bool) -> None:
    async def _go() -> MonitorRead:
        async with database() as db, db.transaction() as session:
            return service.to_read(await service.set_enabled(session, project, name, enabled=enabled))

    _print([run(_go)], as_json=as_json)


@app.command("pause")
def pause(project: str, name: str, *, as_json: JsonOption = False) -> None:
    """Pause a monitor: it never alerts until resumed (pings are still recorded)."""
    _toggle(project, name, enabled=False, as_json=as_json)


@app.command("resume")
def resume(project: str, name: str, *, as_json: JsonOption = False) -> None:
    """Resume a monitor: a fresh interval starts now."""
    _toggle(project, name, enabled=True, as_json=as_json)


@app.command("delete")
def delete(project: str, name: str) -> None:
    """Delete a monitor (an incident it holds open is resolved)."""

    async def _go() -> None:
        async with database() as db, db.transaction() as session:
            await service.delete_monitor(session, project, name)

    run(_go)
    typer.echo(f"monitor {name} of {project} deleted")
