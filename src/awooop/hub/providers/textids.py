"""Correlation ids written inside free text: ``trace_id=<32 hex>``, ``span_id: <16 hex>``,
``x-request-id: req_…``, a W3C ``traceparent`` (``00-<trace>-<span>-01``), also inside JSON
strings (``{\\"trace_id\\": \\"…\\"}``). Pure; read from the *redacted* content, so no id found
here can carry a secret (a marker is not an id)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

# Cheap gates: the key words in the case forms senders use (a substring search each).
_NEEDLES: Final = (b"race", b"RACE", b"pan", b"PAN", b"equest", b"EQUEST", b"eq_id", b"eqId", b"EQ_ID")
_SEP: Final = rb"(?:\\?[\"'])?[ \t]*[:=][ \t]*(?:\\?[\"'])?"
# Matched on the lower-cased text (same offsets: bytes.lower is ASCII-only) at each occurrence of
# the literal each pattern starts with. Values are then read from the original
# bytes (request ids are case-sensitive).
_TRACE_KEY: Final = re.compile(rb"trace(?:(?P<parent>parent)|[_.\-]?id)" + _SEP)
_SPAN_KEY: Final = re.compile(rb"span[_.\-]?id" + _SEP)
_REQUEST_KEY: Final = re.compile(rb"req(?:uest)?[_.\-]?id" + _SEP)
_WORD_BYTES: Final = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_")
_TRACEPARENT_VALUE: Final = re.compile(
    rb"[0-9a-f]{2}-(?P<trace>[0-9a-f]{32})-(?P<span>[0-9a-f]{16})-[0-9a-f]{2}(?![0-9A-Za-z])"
)
_VALUE: Final = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:\-]{5,127}")
_HEX_TRACE: Final = re.compile(rb"[0-9a-fA-F]{32}|[0-9a-fA-F]{16}")
_HEX_SPAN: Final = re.compile(rb"[0-9a-fA-F]{16}")
_ZERO: Final = frozenset(b"0")


def _valid_hex(value: bytes, pattern: re.Pattern[bytes]) -> bool:
    return pattern.fullmatch(value) is not None and set(value) != _ZERO  # all zeros is "invalid"


def _keys(pattern: re.Pattern[bytes], literal: bytes, lowered: bytes) -> Iterator[re.Match[bytes]]:
    """Key matches that start a word ("parent_span_id" is not "span_id"). bytes.find jumps to
    each occurrence of the key's literal start (far faster than the regex engine's scan)."""
    position = lowered.find(literal)
    while position >= 0:
        if position == 0 or lowered[position - 1] not in _WORD_BYTES:
            match = pattern.match(lowered, position)
            if match is not None:
                yield match
        position = lowered.find(literal, position + 1)


def text_correlation(text: bytes) -> dict[str, str]:
    """trace_id / span_id / request_id found in ``text`` (UTF-8 JSON or plain), first one wins;
    a ``traceparent`` anywhere in the text wins over keyed ids."""
    if not any(map(text.__contains__, _NEEDLES)):
        return {}
    lowered = text.lower()
    found: dict[str, str] = {}
    keyed: dict[str, str] = {}
    for key in _keys(_TRACE_KEY, b"trace", lowered):
        if key["parent"] is not None:
            parent = _TRACEPARENT_VALUE.match(text, key.end())
            if parent and _valid_hex(parent["trace"], _HEX_TRACE) and _valid_hex(parent["span"], _HEX_SPAN):
                found.setdefault("trace_id", parent["trace"].decode())
                found.setdefault("span_id", parent["span"].decode())
        elif (value := _value(text, key.end())) is not None and _valid_hex(value, _HEX_TRACE):
            keyed.setdefault("trace_id", value.decode())
    for key in _keys(_SPAN_KEY, b"span", lowered):
        if (value := _value(text, key.end())) is not None and _valid_hex(value, _HEX_SPAN):
            keyed.setdefault("span_id", value.decode())
            break
    for key in _keys(_REQUEST_KEY, b"req", lowered):
        value = _value(text, key.end())
        if value is not None and len(value) >= 6 and not value.isalpha():  # "request_id: missing" is prose
            keyed.setdefault("request_id", value.decode())
            break
    return found | {name: value for name, value in keyed.items() if name not in found}


def _value(text: bytes, start: int) -> bytes | None:
    match = _VALUE.match(text, start)
    return None if match is None else match.group().rstrip(b".:-")
