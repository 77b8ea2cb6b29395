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

from awooop.hub.redaction import REDACTION_VERSION, redact_text

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


def redact(
    count: Annotated[
        bool, typer.Option("--count", help="Report the number of replacements on stderr at the end.")
    ] = False,
) -> None:
    """Redact secrets and personal data from stdin lines to stdout."""
    total = redact_stream(typer.get_text_stream("stdin"), typer.get_text_stream("stdout"))
    if count:
        typer.echo(f"{total} replacement(s), rule set {REDACTION_VERSION}", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``redact`` command to ``app``."""
    app.command(name="redact", help=HELP, short_help="Redact secrets and personal data from stdin lines.")(redact)
