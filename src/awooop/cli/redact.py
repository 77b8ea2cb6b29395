"""`awooop redact`: stdin lines -> redacted stdout lines, e.g. before pasting a log into a ticket.

Each line is written and flushed as soon as it is read, so the command works in a pipe
behind ``tail -f`` or ``kubectl logs -f``. The one exception is a PEM private key: from a
``-----BEGIN … PRIVATE KEY-----`` line on, lines are held back until the matching END
line (or a bound) so that the key body, spread over many lines, is redacted as one block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Final, TextIO

import typer

from awooop.cli.common import database, run
from awooop.hub.reapply import BATCH_SIZE, Cursor, reapply_batch, reapply_incident_titles
from awooop.hub.redaction import REDACTION_VERSION, explain_text, redact_text

_PEM_BEGIN: Final = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END: Final = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
# A private key body is at most ~100 lines (RSA 8192); a missing END must not stall a pipe forever.
MAX_HELD_LINES: Final = 200

# One paragraph per line: the help renderer wraps paragraphs itself.
HELP: Final = "\n\n".join(
    (
        "Redact secrets and personal data from text on stdin, line by line.",
        "Reads lines from standard input and writes each one to standard output with credentials (cloud keys,"
        " tokens, JWTs, private keys, passwords in URLs, headers and key=value text, connection strings,"
        " cookies) and personal data (emails, phone numbers, payment cards, IBANs) replaced by"
        " [REDACTED:<kind>]. Trace/span/request ids, UUIDs, SHAs, digests, fingerprints, pod and host names,"
        " timestamps and internal IPs are kept.",
        "Output order matches input order and every line is flushed at once, so it works behind `tail -f`."
        " Lines of a PEM private key are held until its END line and come out as one marker."
        f" Rule set: {REDACTION_VERSION}.",
        "Example: kubectl logs deploy/checkout-api | awooop redact > ticket.txt",
        "--explain also writes, on stderr after each line, which rule replaced what (for operators tuning"
        " rules: it shows the secrets it took, so keep it on your terminal).",
        "--reapply [--project P] re-redacts the events stored in the database with this rule set, in small"
        " batches (content, preview, links, labels, names; and incident titles). The raw body is never"
        " stored, so this can only redact further: it finds what an older rule set missed in the stored"
        " text, it cannot undo what an older one took.",
    )
)


def _split_newline(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def _redact_block(lines: list[str]) -> tuple[str, int]:
    body, newline = _split_newline("".join(lines))
    redacted, count = redact_text(body)
    return redacted + newline, count


def redact_stream(lines: Iterable[str], out: TextIO) -> int:
    """Write the redacted ``lines`` to ``out`` (flushing each) and return the replacement count."""
    total = 0
    held: list[str] = []
    for line in lines:
        if held:
            held.append(line)
            if _PEM_END.search(line) is None and len(held) < MAX_HELD_LINES:
                continue
            text, count = _redact_block(held)
            held = []
        else:
            begin = _PEM_BEGIN.search(line)
            if begin is not None and _PEM_END.search(line, begin.end()) is None:
                held = [line]
                continue
            body, newline = _split_newline(line)
            redacted, count = redact_text(body)
            text = redacted + newline
        out.write(text)
        out.flush()
        total += count
    if held:
        text, count = _redact_block(held)
        out.write(text)
        out.flush()
        total += count
    return total


def explain_stream(lines: Iterable[str], out: TextIO, err: TextIO) -> int:
    """Like :func:`redact_stream` line by line, with each replacement explained on ``err``."""
    total = 0
    for number, line in enumerate(lines, 1):
        body, newline = _split_newline(line)
        redacted, findings = explain_text(body)
        out.write(redacted + newline)
        out.flush()
        for rule, taken, replacement in findings:
            err.write(f"line {number}: {rule} replaced {taken!r} with {replacement!r}\n")
        err.flush()
        total += len(findings)
    return total


async def reapply(project_id: str | None, *, batch_size: int = BATCH_SIZE) -> tuple[int, int, int]:
    """Re-redact stored events (one transaction per batch); (scanned, changed, incident titles)."""
    scanned = changed = 0
    cursor: Cursor | None = None
    async with database() as db:
        while True:
            async with db.transaction() as session:
                batch = await reapply_batch(session, project_id=project_id, after=cursor, limit=batch_size)
            scanned += batch.scanned
            changed += batch.changed
            if batch.cursor is None:
                break
            cursor = batch.cursor
        async with db.transaction() as session:
            titles = await reapply_incident_titles(session, project_id=project_id)
    return scanned, changed, titles


def redact(
    count: Annotated[
        bool, typer.Option("--count", help="Report the number of replacements on stderr at the end.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="On stderr, say which rule replaced what on each line.")
    ] = False,
    do_reapply: Annotated[
        bool,
        typer.Option("--reapply", help="Re-redact the events stored in the database (not stdin), in small batches."),
    ] = False,
    project: Annotated[str | None, typer.Option("--project", help="With --reapply: only this project.")] = None,
) -> None:
    """Redact secrets and personal data from stdin lines to stdout."""
    if project is not None and not do_reapply:
        raise typer.BadParameter("--project only goes with --reapply", param_hint="--project")
    if do_reapply:
        scanned, changed, titles = run(lambda: reapply(project))
        typer.echo(
            f"rule set {REDACTION_VERSION}: {scanned} stored event(s) checked, {changed} redacted further,"
            f" {titles} incident title(s) redacted further"
        )
        return
    stdin, stdout, stderr = (typer.get_text_stream(name) for name in ("stdin", "stdout", "stderr"))
    total = explain_stream(stdin, stdout, stderr) if explain else redact_stream(stdin, stdout)
    if count:
        typer.echo(f"{total} replacement(s), rule set {REDACTION_VERSION}", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``redact`` command to ``app``."""
    app.command(name="redact", help=HELP, short_help="Redact secrets and personal data from stdin lines.")(redact)
