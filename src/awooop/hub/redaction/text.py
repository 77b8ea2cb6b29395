"""Free-text redaction: log lines, annotations, exception messages, chat text."""

from __future__ import annotations

import re
from typing import Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.engine import Finding, RuleTable
from awooop.hub.redaction.rules import RULES

_TABLE: Final = RuleTable(RULES)

# Strings that cannot hold anything the rules look for: one word of letters, a short
# lower-case label or path ("checkout-api", "prod-eu-1", "monitoring/k8s"), a small number,
# an IPv4 address and port, an ISO timestamp, a hex id, a UUID, a prefixed ULID-style id
# ("req_01J5Z8Q4T7K2M9XG3N6B1C0D4E": vendor tokens are mixed-case), or a URL with no
# userinfo, query, digits or capitals in its path ("https://runbooks.example.com/x/y").
# A private IPv4 address and port is inert; a public one is a client's: personal data.
# Alert payloads are mostly made of these, so they skip the rule table entirely.
_INERT: Final = re.compile(
    r"[A-Za-z][A-Za-z_.\-]{0,63}"
    r"|[a-z][a-z0-9_./\-]{0,39}"
    r"|[a-z]{2,10}_[0-9A-Z]{16,32}"
    r"|https?://[a-z0-9.\-]{1,253}(?::[0-9]{1,5})?(?:/[a-z._~\-]*){0,32}"
    r"|(?:10|127|192\.168|169\.254|172\.(?:1[6-9]|2[0-9]|3[01])|100\.(?:6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7]))"
    r"(?:\.\d{1,3}){1,3}(?::\d{1,5})?"
    r"|[1-9]\d{0,11}(?:\.\d+)?"
    r"|\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+\-]\d\d:?\d\d)?)?"
    r"|(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    re.ASCII,
)

# Clean strings seen recently. Only strings with no finding are remembered, so the cache
# never holds a secret; alert payloads repeat label values and annotations constantly.
_CLEAN_CACHE_LIMIT: Final = 16_384
_CLEAN_CACHE_MAX_LEN: Final = 1_024
clean_cache: dict[str, None] = {}
"""Strings known to need no redaction (read directly by the structured walk)."""


def clear_clean_cache() -> None:
    """Forget the remembered clean strings (benchmarks measure the cold path with it)."""
    clean_cache.clear()


def redact_text(text: str) -> tuple[str, int]:
    """Return ``text`` with secrets and personal data replaced, and the replacement count."""
    if len(text) < 3 or text in clean_cache or text.isalpha() or _INERT.fullmatch(text) is not None:
        return text, 0
    redacted, count = _TABLE.run(text)
    if not count and len(text) <= _CLEAN_CACHE_MAX_LEN:
        if len(clean_cache) >= _CLEAN_CACHE_LIMIT:
            clean_cache.clear()
        clean_cache[text] = None
    return redacted, count


def redaction_kinds(text: str) -> list[str]:
    """Kinds of the markers ``redact_text`` puts into ``text``, in order of appearance."""
    redacted, _ = redact_text(text)
    return [found.group(1) for found in kinds.MARKER_RE.finditer(redacted)]


def explain_text(text: str) -> tuple[str, list[Finding]]:
    """``redact_text`` without its caches, and every replacement as (rule, taken, replacement).

    For operators tuning rules (``awooop redact --explain``); never used on the intake path.
    """
    trace: list[Finding] = []
    if len(text) < 3 or text.isalpha() or _INERT.fullmatch(text) is not None:
        return text, trace
    redacted, _ = _TABLE.run(text, trace)
    return redacted, trace
