"""Redaction of JSON-like values: dicts, lists, tuples and scalars, never mutated in place.

The structure adds context text lacks: a value under ``"password"`` is secret whatever
it looks like, ``[["Authorization", "Bearer …"]]`` header pairs (Sentry) and
``{"name": "DB_PASSWORD", "value": …}`` entries (Kubernetes env) name their secret in a
sibling. Values under operational id keys (``trace_id``, ``fingerprint`` …) are kept.
"""

from __future__ import annotations

import re
from typing import Any, Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.cookies import redact_cookies, secret_cookie, secret_value
from awooop.hub.redaction.keys import HEX_KEY, HEX_SECRET, KEEP, classify_key, secret_kind_for_key
from awooop.hub.redaction.text import clean_cache, redact_text
from awooop.hub.redaction.validators import is_placeholder

_NAME_FIELDS: Final = ("name", "key")
_SCALARS: Final = frozenset((int, float, bool, type(None)))
_CREDENTIAL_KINDS: Final = frozenset(kinds.CREDENTIAL_KINDS)
_HEX_ID: Final = re.compile(r"[0-9a-fA-F\-]{1,64}")


def redact_id(value: str) -> tuple[str, int]:
    """An operational id (``trace_id``, ``event_id``, ``fingerprint`` …): kept byte for byte,
    unless it carries a credential ("evt token=ghp_…"). Personal-data look-alikes are ids
    (a 16-digit request id is no card), so they alone never change an id."""
    if value in clean_cache or _HEX_ID.fullmatch(value) is not None:  # hot: trace ids, fingerprints
        return value, 0
    redacted, count = redact_text(value)
    if count and not _CREDENTIAL_KINDS.isdisjoint(kinds.MARKER_RE.findall(redacted)):
        return redacted, count
    return value, 0


def _secret_value(value: Any, kind: str) -> tuple[Any, int]:
    """Replace a value whose label names a secret, unless there is nothing to hide."""
    if value is None or isinstance(value, bool) or value in ("", [], {}):
        return value, 0
    if isinstance(value, str) and (kinds.is_marker(value) or is_placeholder(value)):
        return value, 0
    return kinds.marker(kind), 1


def _cookies(value: Any) -> tuple[Any, int]:
    """A cookie header, jar or list: only session/auth cookies lose their values."""
    if isinstance(value, str) and "=" in value:
        return redact_cookies(value)
    if type(value) is dict:
        result: dict[Any, Any] = {}
        total = 0
        for name, item in value.items():
            if type(name) is str and secret_cookie(name):
                result[name], count = _secret_value(item, kinds.COOKIE)
            else:
                result[name], count = _redact_value(item)
            total += count
        return result, total
    if type(value) is list and value and all(type(item) is str and "=" in item for item in value):
        pieces = [redact_cookies(item) for item in value]  # Set-Cookie: one cookie per item
        return [piece for piece, _ in pieces], sum(count for _, count in pieces)
    if type(value) is list and _is_pair_list(value):
        return _redact_sequence(value, cookie_pairs=True)
    return _secret_value(value, kinds.COOKIE)


def _sibling_kind(mapping: dict[Any, Any]) -> str | None:
    """Kind named by a ``name``/``key`` sibling of a ``value`` field, if any."""
    for field in _NAME_FIELDS:
        label = mapping.get(field)
        if isinstance(label, str):
            kind = secret_kind_for_key(label)
            if kind is not None:
                return kind
    return None


def _redact_value(value: Any) -> tuple[Any, int]:
    """Type dispatch for the hot path: exact types first, then the general case."""
    kind = type(value)
    if kind is str:
        if value in clean_cache:
            return value, 0
        return redact_text(value)
    if kind is dict:
        return _redact_dict(value)
    if kind is list:
        return _redact_sequence(value)
    if kind in _SCALARS:
        return value, 0
    return redact_json(value)


def _redact_dict(mapping: dict[Any, Any]) -> tuple[dict[Any, Any], int]:
    value_kind = _sibling_kind(mapping) if "value" in mapping else None
    result: dict[Any, Any] = {}
    total = 0
    for key, value in mapping.items():
        label = classify_key(key) if type(key) is str else None
        if key == "value" and value_kind is not None:
            label = value_kind
        if label is None:
            if type(value) is str and (value in clean_cache or value.isalpha()):  # hot cases, no call
                result[key] = value
                continue
            result[key], count = _redact_value(value)
        elif label == KEEP and type(value) is str:
            result[key], count = redact_id(value)
        elif label == KEEP:
            result[key], count = _redact_value(value)
        elif label == HEX_KEY:  # routing_key / integrationKey: secret when hex or a UUID
            if type(value) is str and HEX_SECRET.fullmatch(value) is not None:
                result[key], count = kinds.marker(kinds.TOKEN), 1
            else:
                result[key], count = _redact_value(value)
        elif label == kinds.COOKIE:
            result[key], count = _cookies(value)
        else:
            result[key], count = _secret_value(value, label)
        total += count
    return result, total


def _is_pair_list(items: list[Any] | tuple[Any, ...]) -> bool:
    """``[["Authorization", "Bearer …"], ["Accept", "*/*"]]``: Sentry headers, cookies and tags."""
    return bool(items) and all(
        type(item) in (list, tuple) and len(item) == 2 and type(item[0]) is str for item in items
    )


def _redact_pair(
    pair: list[Any] | tuple[Any, ...], *, cookie_pairs: bool = False
) -> tuple[list[Any] | tuple[Any, ...], int]:
    name, value = pair
    if cookie_pairs:  # [["session", "…"], ["lang", "en"]] under a cookies key
        kind = kinds.COOKIE if secret_cookie(name) and isinstance(value, str) and secret_value(value) else None
    else:
        kind = secret_kind_for_key(name)
    if kind == kinds.COOKIE and not cookie_pairs:
        redacted, count = _cookies(value)
    elif kind is not None:
        redacted, count = _secret_value(value, kind)
    elif not cookie_pairs and classify_key(name) == HEX_KEY and isinstance(value, str) and HEX_SECRET.fullmatch(value):
        redacted, count = kinds.marker(kinds.TOKEN), 1
    else:
        redacted, count = _redact_value(value)
    return (name, redacted) if type(pair) is tuple else [name, redacted], count


def _redact_sequence(items: list[Any] | tuple[Any, ...], *, cookie_pairs: bool = False) -> tuple[list[Any], int]:
    pairs = _is_pair_list(items)  # a pair labels its own value, as a dict key would
    result: list[Any] = []
    total = 0
    for item in items:
        redacted, count = _redact_pair(item, cookie_pairs=cookie_pairs) if pairs else _redact_value(item)
        result.append(redacted)
        total += count
    return result, total


def redact_json(value: Any) -> tuple[Any, int]:
    """Return a redacted copy of ``value`` and the number of replacements.

    Strings go through :func:`redact_text`; dict keys and non-string scalars are
    returned unchanged; containers (dicts, lists, tuples) are always copied.
    """
    if isinstance(value, str):
        return redact_text(str(value))
    if isinstance(value, dict):
        return _redact_dict(value)
    if isinstance(value, list):
        return _redact_sequence(value)
    if isinstance(value, tuple):
        items, count = _redact_sequence(value)
        return tuple(items), count
    return value, 0
