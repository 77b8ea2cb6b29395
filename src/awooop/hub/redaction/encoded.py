"""Percent-encoded text: ``?filter=%7Bpassword%3D%22hunter2%22%7D`` hides a secret from every
other rule. A token holding ``%XX`` escapes is decoded and redacted as text; when that finds
something, the token is written back re-encoded around the markers (which stay readable)."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, unquote

from awooop.hub.redaction.engine import Hit, Rule

# From the first escape to the end of the token; the handler finds the token's start.
_ESCAPED: Final = re.compile(r"%[0-9A-Fa-f]{2}[^\s\"'<>\\]*")
_TOKEN_STOP: Final = frozenset(" \t\r\n\"'<>\\")
# What quote() leaves alone: URL delimiters, and the marker brackets and colon.
_SAFE: Final = ":/?#[]@!$&'()*+,;=~"
_MAX_TOKEN: Final = 8192


def _escaped(match: re.Match[str]) -> Hit | None:
    from awooop.hub.redaction.text import redact_text  # noqa: PLC0415 - the table holds this rule

    text = match.string
    start = match.start()
    while start > 0 and match.start() - start < _MAX_TOKEN and text[start - 1] not in _TOKEN_STOP:
        start -= 1
    token = text[start : match.end()]
    decoded = unquote(token)
    if decoded == token:
        return None
    redacted, count = redact_text(decoded)
    if not count:
        return None
    return start, match.end(), quote(redacted, safe=_SAFE)


RULES: Final = (Rule("percent_encoded", _ESCAPED, _escaped, min_len=6, needles=("%",)),)
