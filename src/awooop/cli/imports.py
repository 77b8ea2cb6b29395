"""`awooop import` and `awooop export`: history in from Alerta, Opsgenie, Grafana OnCall or
another AwoooP; history out as JSONL (docs/import.md)."""

from __future__ import annotations

import os
import stat
import sys
import time
from contextlib import ExitStack, nullcontext
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated

import typer

from awooop.cli.common import database, run
from awooop.core.clock import as_utc
from awooop.imports import service
from awooop.imports.export import export_lines
from awooop.imports.formats import FORMATS
from awooop.imports.job import BATCH_SIZE, Source, run_import
from awooop.imports.reader import CountingReader, InvalidInput
from awooop.imports.service import ImportSummary

STDIN = "-"


class From(StrEnum):
    alerta = "alerta"
    opsgenie = "opsgenie"
    oncall = "oncall"
    jsonl = "jsonl"


class _ProgressBar:
    """One line redrawn in place on a terminal: position, records, rate, ETA."""

    WIDTH = 24

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, summary: ImportSummary, position: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-6)
        rate = summary.read / elapsed
        line = f"{summary.read:,} records  {rate:,.0f}/s  imported {summary.imported:,}"
        if total:
            done = min(position / total, 1.0)
            filled = int(done * self.WIDTH)
            eta = (elapsed / done - elapsed) if done > 0 else 0.0
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            line = f"[{bar}] {done:6.1%}  {line}  ETA {_duration(eta)}"
        self.out.write(f"\r{line}\x1b[K")
        self.out.flush()

    def finish(self) -> None:
        self.out.write("\r\x1b[K")
        self.out.flush()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _size(stream: IO[bytes]) -> int | None:
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _print_summary(summary: ImportSummary) -> None:
    typer.echo(
        f"read {summary.read} record(s): {summary.imported} event(s) imported, "
        f"{summary.skipped} skipped as already imported, {summary.ignored} ignored (no firing/resolved change), "
        f"{summary.refused} refused"
    )
    for refusal in summary.refusals:
        typer.echo(f"  refused {refusal.source} record {refusal.number}: {refusal.reason}", err=True)
    if summary.refused > len(summary.refusals):
        typer.echo(f"  … and {summary.refused - len(summary.refusals)} more refused", err=True)


def import_command(
    files: Annotated[list[str], typer.Argument(help="Files to read, or - for standard input", metavar="FILE…")],
    source_format: Annotated[From, typer.Option("--from", help="Format of the files")],
    project: Annotated[str, typer.Option("--project", help="Project the events go into")],
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=20000, help="Events per transaction")
    ] = BATCH_SIZE,
    converters: Annotated[
        int | None,
        typer.Option(
            "--converters",
            min=1,
            max=16,
            help="Converting processes for large files and stdin (default: half the cores, at most 4)",
        ),
    ] = None,
) -> None:
    """Import history as events at their original times, marked imported, never routed.

    Idempotent: importing a file again imports nothing new; an interrupted import can be re-run.
    """
    fmt = FORMATS[source_format.value]
    with ExitStack() as stack:
        sources = []
        for name in files:
            if name == STDIN:
                raw: IO[bytes] = sys.stdin.buffer
            else:
                path = Path(name)
                if not path.is_file():
                    typer.secho(f"error: {name}: no such file", fg=typer.colors.RED, err=True)
                    raise typer.Exit(2)
                raw = stack.enter_context(path.open("rb"))
            sources.append(Source(name, CountingReader(raw), _size(raw)))
        bar = _ProgressBar(sys.stdout) if sys.stdout.isatty() else None

        async def _go() -> ImportSummary:
            async with database() as db:
                return await run_import(
                    db,
                    project_id=project,
                    fmt=fmt,
                    sources=sources,
                    batch_size=batch_size,
                    progress=bar,
                    converters=converters,
                )

        try:
            summary = run(_go)
        except InvalidInput as exc:
            if bar is not None:
                bar.finish()
            typer.secho(
                f"error: {exc} (events committed before this point stay; a re-run skips them)",
                fg=typer.colors.RED,
                err=True,
            )
            raise typer.Exit(1) from exc
    if bar is not None:
        bar.finish()
    _print_summary(summary)


def export_command(
    project: Annotated[str, typer.Option("--project", help="Project to export")],
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only events received at or after this time (ISO 8601; UTC if no offset)"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: standard output)")
    ] = None,
) -> None:
    """Write the project's events as AwoooP JSONL, oldest first (read back with --from jsonl)."""
    try:
        since_utc = as_utc(datetime.fromisoformat(since)) if since else None
    except ValueError:
        typer.secho(f"error: --since {since!r} is not an ISO 8601 time", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None

    async def _go() -> int:
        count = 0
        async with database() as db, db.reader() as session:
            await service.require_project(session, project)
            with output.open("wb") if output is not None else nullcontext(sys.stdout.buffer) as out:
                async for line in export_lines(session, project, since_utc):
                    out.write(line)
                    count += 1
                out.flush()
        return count

    count = run(_go)
    typer.echo(f"exported {count} event(s) of project {project}", err=True)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("export")(export_command)
