"""`awooop silences add|list|expire`: silences straight on the database (as an admin of every project)."""

from __future__ import annotations

import getpass
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Annotated

import typer

from awooop.cli.common import database, run
from awooop.core.clock import as_utc, utcnow
from awooop.operators.principal import ALL_PROJECTS, AwoooPOperatorPrincipal
from awooop.silences import service
from awooop.silences.matchers import MatcherError, parse_matcher_text
from awooop.silences.schemas import MatcherBody, SilenceBody, SilenceRead

app = typer.Typer(help="Silences and maintenance windows (mute alerts by label).", no_args_is_help=True)
DURATION = re.compile(r"(\d+)([dhms])")
UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
COLUMNS = ("id", "project", "state", "matchers", "starts", "ends", "created_by", "comment")


def parse_duration(text: str) -> timedelta:
    """``2h``, ``90m``, ``1d12h``, ``45s``."""
    parts = DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise typer.BadParameter(f"{text!r} is not a duration like 2h, 90m or 1d12h")
    return timedelta(seconds=sum(int(n) * UNITS[u] for n, u in parts))


def _principal(created_by: str | None) -> AwoooPOperatorPrincipal:
    who = created_by or f"cli:{getpass.getuser()}"
    return AwoooPOperatorPrincipal(who, "operator_key", "admin", (ALL_PROJECTS,), "cli")


def _time(value: datetime) -> str:
    return f"{as_utc(value):%Y-%m-%d %H:%M}Z"


def _row(s: SilenceRead) -> tuple[str, ...]:
    comment = s.comment if len(s.comment) <= 40 else s.comment[:39] + "…"
    state = s.state + ("" if s.muting_now or s.state != "active" else " (outside window)")
    return (
        str(s.id),
        s.project_id,
        state,
        s.matchers_text,
        _time(s.starts_at),
        _time(s.ends_at),
        s.created_by,
        comment,
    )


def table(rows: list[tuple[str, ...]], headers: tuple[str, ...] = COLUMNS) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def _emit(items: list[SilenceRead], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([s.model_dump(mode="json") for s in items], indent=2))
    else:
        typer.echo(table([_row(s) for s in items]))


@app.command("add")
def add(  # noqa: PLR0917 - typer maps each option to a parameter
    matchers: Annotated[list[str], typer.Argument(help="name=value, name!=value, name=~regex, name!~regex")],
    project: Annotated[str, typer.Option("--project", "-p", help="Project id")],
    comment: Annotated[str, typer.Option("--comment", "-c", help="Why (shown to everyone)")],
    duration: Annotated[str, typer.Option("--duration", "-d", help="How long from the start, e.g. 2h")] = "1h",
    starts: Annotated[str | None, typer.Option(help="Start (ISO 8601, UTC if no offset); default now")] = None,
    ends: Annotated[str | None, typer.Option(help="End (ISO 8601); overrides --duration")] = None,
    created_by: Annotated[str | None, typer.Option(help="Author; default cli:<user>")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Create a silence and print it."""
    try:
        parsed = [parse_matcher_text(m) for m in matchers]
    except MatcherError as exc:
        raise typer.BadParameter(str(exc)) from exc
    start = as_utc(datetime.fromisoformat(starts)) if starts else utcnow()
    end = as_utc(datetime.fromisoformat(ends)) if ends else start + parse_duration(duration)
    body = SilenceBody(
        matchers=[MatcherBody.model_validate(m.as_json()) for m in parsed], startsAt=start, endsAt=end, comment=comment
    )

    async def _go() -> SilenceRead:
        async with database() as db, db.transaction() as session:
            created = await service.create_silence(session, _principal(created_by), project_id=project, body=body)
            return service.to_read(created)

    _emit([run(_go)], as_json)


@app.command("list")
def list_(
    project: Annotated[str | None, typer.Option("--project", "-p", help="Only this project")] = None,
    state: Annotated[str | None, typer.Option(help="pending, active or expired")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List silences, latest end first."""
    if state is not None and state not in ("pending", "active", "expired"):
        raise typer.BadParameter("--state must be pending, active or expired")

    async def _go() -> list[SilenceRead]:
        async with database() as db, db.reader() as session:
            rows = await service.list_silences(session, projects=(project,) if project else None, state=state)
            return [service.to_read(s) for s in rows]

    _emit(run(_go), as_json)


@app.command("expire")
def expire(
    silence_id: Annotated[str, typer.Argument(help="Silence id")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """End a silence now; held-back notifications and runs follow within seconds (worker)."""
    try:
        parsed = uuid.UUID(silence_id)
    except ValueError as exc:
        raise typer.BadParameter(f"{silence_id!r} is not a silence id") from exc

    async def _go() -> SilenceRead:
        async with database() as db, db.transaction() as session:
            return service.to_read(await service.expire_silence(session, parsed, None))

    _emit([run(_go)], as_json)
