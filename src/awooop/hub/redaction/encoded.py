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


# What an escape can hide from the rules: a label ("password%3D…", "%22token%22%3A…"), userinfo
# ("%40"), a blank ("Bearer%20…"), Chinese ("%E5%AF%86" is 密). Letters are never escaped, so
# these are the rule's needles: a Prometheus expression or a Grafana explore link holds none and
# is never decoded. Vendor token shapes are visible in the encoded text already, and an address
# after an escape ("%22203.0.113.5%22") is found there by the IPv4 rule.
_NEEDLES: Final = (
    "pass", "pw", "secret", "token", "key", "auth", "bearer", "basic", "cookie", "sess", "cred",
    "dsn", "sig", "otp", "@", "%40", "%e5%af%86", "%e5%8f%a3", "%e9%87%91", "akia", "asia", "eyj",
)  # fmt: skip


def _escaped(match: re.Match[str]) -> Hit | None:
    from awooop.hub.redaction.text import redact_text  # noqa: PLC0415 - the table holds this rule

    text = match.string
    floor = max(0, match.start() - _MAX_TOKEN)
    start = max(floor, *(text.rfind(stop, floor, match.start()) + 1 for stop in _TOKEN_STOP))  # C-level
    token = text[start : match.end()]
    decoded = unquote(token)
    if decoded == token:
        return None
    redacted, count = redact_text(decoded)
    if not count:
        return None
    return start, match.end(), quote(redacted, safe=_SAFE)


RULES: Final = (Rule("percent_encoded", _ESCAPED, _escaped, min_len=6, requires=("%",), needles=_NEEDLES, folded=True),)
