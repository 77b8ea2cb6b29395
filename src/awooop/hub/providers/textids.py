"""Correlation ids written inside free text: ``trace_id=<32 hex>``, ``span_id: <16 hex>``,
``x-request-id: req_…``, a W3C ``traceparent`` (``00-<trace>-<span>-01``), also inside JSON
strings (``{\\"trace_id\\": \\"…\\"}``). Pure; read from the *redacted* content, so no id found
here can carry a secret (a marker is not an id)."""

from __future__ import annotations

import re
from typing import Final

# Cheap gates: the key words in the case forms senders use (a substring search each).
_NEEDLES: Final = (b"race", b"RACE", b"pan", b"PAN", b"equest", b"EQUEST", b"eq_id", b"eqId", b"EQ_ID")
_SEP: Final = rb"(?:\\?[\"'])?[ \t]*[:=][ \t]*(?:\\?[\"'])?"
_TRACEPARENT: Final = re.compile(
    rb"(?i:traceparent)" + _SEP + rb"(?P<v>[0-9a-f]{2})-(?P<trace>[0-9a-f]{32})-(?P<span>[0-9a-f]{16})-[0-9a-f]{2}"
    rb"(?![0-9A-Za-z])"
)
_KEYED: Final = re.compile(
    rb"(?<![A-Za-z0-9_])(?:(?P<trace>(?i:trace)[_.\-]?(?i:id))|(?P<span>(?i:span)[_.\-]?(?i:id))"
    rb"|(?P<request>(?:(?i:x)-)?(?i:req(?:uest)?)[_.\-]?(?i:id)))"
    + _SEP
    + rb"(?P<v>[A-Za-z0-9][A-Za-z0-9._:\-]{5,127})"
)
_HEX_TRACE: Final = re.compile(rb"[0-9a-fA-F]{32}|[0-9a-fA-F]{16}")
_HEX_SPAN: Final = re.compile(rb"[0-9a-fA-F]{16}")
_ZERO: Final = frozenset(b"0")


def _valid_hex(value: bytes, pattern: re.Pattern[bytes]) -> bool:
    return pattern.fullmatch(value) is not None and set(value) != _ZERO  # all zeros is "invalid"


def text_correlation(text: bytes) -> dict[str, str]:
    """trace_id / span_id / request_id found in ``text`` (UTF-8 JSON or plain), first one wins."""
    if not any(map(text.__contains__, _NEEDLES)):
        return {}
    found: dict[str, str] = {}
    for match in _TRACEPARENT.finditer(text):
        if _valid_hex(match["trace"], _HEX_TRACE) and _valid_hex(match["span"], _HEX_SPAN):
            found.setdefault("trace_id", match["trace"].decode())
            found.setdefault("span_id", match["span"].decode())
    for match in _KEYED.finditer(text):
        value = match["v"].rstrip(b".:-")
        if match["trace"] is not None:
            if _valid_hex(value, _HEX_TRACE):
                found.setdefault("trace_id", value.decode())
        elif match["span"] is not None:
            if _valid_hex(value, _HEX_SPAN):
                found.setdefault("span_id", value.decode())
        elif len(value) >= 6 and not value.isalpha():  # "request_id: missing" is prose
            found.setdefault("request_id", value.decode())
    return found
