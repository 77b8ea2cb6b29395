"""``key=value``, ``key: value``, ``"key": "value"`` and ``--key value`` where the key names a secret.

The scan is anchored on the separator (a character class the regex engine jumps to);
the key is read backwards and classified with the same classifier as JSON keys, the
value forwards. Nothing is consumed but the separator, so a non-secret pair
(``url=https://x/?token=…``) never swallows the secret pair nested in its value.
"""

from __future__ import annotations

import re
from typing import Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.cookies import redact_cookies
from awooop.hub.redaction.engine import Hit, Rule
from awooop.hub.redaction.keys import HEX_SECRET, hex_key_name, secret_kind_for_key
from awooop.hub.redaction.validators import is_placeholder, looks_like_credential, word_set

_SEPARATOR: Final = re.compile(r"[=:][=>]?")
_SEPARATORS: Final = frozenset(("=", ":", "=>", ":="))
_VALUE: Final = re.compile(
    r"""
    \\"(?P<eq>[^"\\]*)\\"
  | "(?P<dq>(?:[^"\\\r\n]|\\.)*)"
  | '(?P<sq>[^'\r\n]*)'
  | (?P<bare>[^\x00-\x20,;&"'<>\\\x7f-\U0010ffff]+)
    """,
    re.VERBOSE,
)
_KEY_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_KEY_START: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_MAX_KEY: Final = 64
# "--password hunter2": long CLI flags also take the value after a space.
_FLAG: Final = re.compile(r"--(?<!\S--)(?P<key>[A-Za-z][A-Za-z0-9_\-]{1,63})[ \t]+(?P<bare>[^\s\"'\-<>|&;][^\s\"']*)")
# "Bearer [REDACTED:jwt]" already says everything: do not fold it into a coarser marker.
_ALREADY_REDACTED: Final = re.compile(r"(?:[A-Za-z0-9\-]+[ \t]+)?\[REDACTED:[a-z_]+\]")
# "Authorization: Bearer <token>": the scheme word is not the credential.
_AUTH_SCHEME_WORDS: Final = word_set(
    "bearer basic token digest negotiate ntlm apikey api-key sso-key hmac aws4-hmac-sha256"
)
_SCHEME_PREFIX: Final = re.compile(
    r"(?i:bearer|basic|token|digest|negotiate|ntlm|apikey|api-key|sso-key|hmac|aws4-hmac-sha256)[ \t]+(?=\S)"
)
_STRUCTURAL_BEFORE: Final = frozenset("\n\r{,;([|&?")
_CLOSERS: Final = {")": "(", "]": "[", "}": "{"}


def _trim(value: str) -> str:
    """Drop a sentence's full stop and unbalanced closing brackets from a bare value."""
    while value and value[-1] in ".)]}":
        last = value[-1]
        if last != "." and value.count(_CLOSERS[last]) >= value.count(last):
            break
        value = value[:-1]
    return value


def _structural(text: str, key_start: int) -> bool:
    """True when the key starts a line/record (YAML, logfmt, dict) rather than prose."""
    index = key_start - 1
    while index >= 0 and text[index] in " \t":
        index -= 1
    return index < 0 or text[index] in _STRUCTURAL_BEFORE


def _key_before(text: str, sep_start: int) -> tuple[int, str, str] | None:
    """(start of the key or its opening quote, key, quote) for a separator, if any."""
    end = sep_start
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    quote = ""
    if end > 0 and text[end - 1] in "\"'":
        quote = text[end - 1]
        end -= 1
        if end > 0 and text[end - 1] == "\\":
            quote = "\\" + quote
            end -= 1
    start = end
    while start > 0 and end - start <= _MAX_KEY and text[start - 1] in _KEY_CHARS:
        start -= 1
    if end - start > _MAX_KEY:  # a long blob before "=" (base64 padding) is no key
        return None
    while start < end and text[start] not in _KEY_START:  # "--password", "0.key" ...
        start += 1
    if start == end:
        return None
    if quote:
        if text[max(0, start - len(quote)) : start] != quote:
            return None
        start -= len(quote)
    return start, text[start + len(quote) : end], quote


def _followed_by_words(text: str, end: int) -> bool:
    """True when more words follow a bare value on the same line ("auth: login failed …")."""
    index = end
    while index < len(text) and text[index] in " \t":
        index += 1
    return index > end and index < len(text) and text[index].isalnum()


def _quoted_hit(value: re.Match[str], kind: str) -> Hit | None:
    name = "dq" if value["dq"] is not None else "sq" if value["sq"] is not None else "eq"
    content, start = value[name], value.start(name)
    if not content or is_placeholder(content) or _ALREADY_REDACTED.fullmatch(content):
        return None
    if kind == kinds.COOKIE and "=" in content:  # a cookie header: only its secret cookies
        redacted, count = redact_cookies(content)
        return (start, value.end(name), redacted) if count else None
    scheme = _SCHEME_PREFIX.match(content) if kind == kinds.AUTHORIZATION else None
    if scheme is not None:  # "Token abc…": keep the scheme word, as the header rule does
        content, start = content[scheme.end() :], start + scheme.end()
        if is_placeholder(content):
            return None
    return start, value.end(name), kinds.marker(kind)


def _value_hit(text: str, value: re.Match[str], kind: str, *, prose_guard: bool | None) -> Hit | None:
    if value["bare"] is None:
        return _quoted_hit(value, kind)
    bare = _trim(value["bare"])
    if not any(char.isalnum() for char in bare):  # "auth=('admin', …)": no value here
        return None
    if bare.startswith(kinds.MARKER_PREFIX) or is_placeholder(bare):
        return None
    start = value.start("bare")
    if kind == kinds.COOKIE and "=" in bare:  # "Cookie: lang=en": a benign cookie, not a value
        redacted, count = redact_cookies(bare)
        return (start, start + len(bare), redacted) if count else None
    if prose_guard is None:  # "key: value" outside a structure: prose unless it looks random
        prose_guard = _followed_by_words(text, start + len(bare))
    if bare.lower() in _AUTH_SCHEME_WORDS or (prose_guard and not looks_like_credential(bare)):
        return None
    return start, start + len(bare), kinds.marker(kind)


def _kind(key: str, first_value_char: str) -> str | None:
    kind = secret_kind_for_key(key)
    if kind is None or kind in kinds.PERSONAL_KINDS:  # personal data: left to the PII rules
        return None
    if key.lower() == "pwd" and first_value_char in "/~":  # $PWD is a directory
        return None
    return kind


def _kv(match: re.Match[str]) -> Hit | None:
    text, sep = match.string, match.group()
    if sep not in _SEPARATORS:
        sep = sep[0]
        if match.group()[1] == "=":  # "a==b" is a comparison
            return None
    value_start = match.start() + len(sep)
    if (
        sep == ":"
        and (
            text.startswith("//", value_start)  # the scheme of a URL
            or (text[match.start() - 1 : match.start()].isdigit() and text[value_start : value_start + 1].isdigit())
        )
    ):  # a time or a port: the common cases, rejected before any key is read
        return None
    found = _key_before(text, match.start())
    if found is None:
        return None
    key_start, key, quote = found
    while value_start < len(text) and text[value_start] in " \t":
        value_start += 1
    value = _VALUE.match(text, value_start)
    if value is None:
        return None
    kind = _kind(key, text[value_start])
    if kind is None:
        return _hex_key(key, value)
    # "Invalid token: expected 3 segments" is prose; "token: x9Fz…" or a YAML line is not,
    # unless more words follow on the line ("auth: login failed for …").
    prose: bool | None = False
    if sep == ":" and not quote:
        prose = True if not _structural(text, key_start) else None
    elif quote and value["bare"] is not None:
        # JSON/dict values are quoted; '"db-credentials" : secret "x" not found' is prose.
        prose = not (value["bare"].isdigit() and len(value["bare"]) >= 4)
    return _value_hit(text, value, kind, prose_guard=prose)


def _hex_key(key: str, value: re.Match[str]) -> Hit | None:
    """``routing_key=<32 hex>``, ``"integrationKey": "<uuid>"``: integration and routing keys."""
    if not hex_key_name(key):
        return None
    name = next(group for group in ("bare", "dq", "sq", "eq") if value[group] is not None)
    content = _trim(value[name]) if name == "bare" else value[name]
    if HEX_SECRET.fullmatch(content) is None:
        return None
    start = value.start(name)
    return start, start + len(content), kinds.marker(kinds.TOKEN)


def _flag(match: re.Match[str]) -> Hit | None:
    kind = _kind(match["key"], match["bare"][0])
    if kind is None:
        return None
    bare = _trim(match["bare"])
    if not bare or bare.startswith(kinds.MARKER_PREFIX) or is_placeholder(bare):
        return None
    start = match.start("bare")
    return start, start + len(bare), kinds.marker(kind)


# Kubernetes env entries in YAML: "- name: DB_PASSWORD" with "value: …" on the next line.
_ENV_PAIR: Final = re.compile(
    r"name:[ \t]*[\"']?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,63})[\"']?[ \t]*\r?\n"
    r"[ \t-]*value:[ \t]*(?=(?P<v>\"[^\"\r\n]*\"|'[^'\r\n]*'|[^\s#][^\r\n#]*))"
)


def _env_pair(match: re.Match[str]) -> Hit | None:
    value = match["v"]
    kind = _kind(match["key"], value[0])
    content = value.strip("\"'").rstrip()
    if kind is None or not content or content.startswith(kinds.MARKER_PREFIX) or is_placeholder(content):
        return None
    start = match.start("v") + (1 if value[0] in "\"'" else 0)
    return start, start + len(content), kinds.marker(kind)


# Needles cover every stem the key classifier can answer to (case-folded).
_KEY_STEMS: Final = (
    "pass", "pw", "secret", "token", "key", "auth", "bearer", "cookie", "sess", "cred",
    "dsn", "sig", "otp",
)  # fmt: skip

RULES: Final = (
    Rule("env_pair", _ENV_PAIR, _env_pair, min_len=16, requires=("\n",), needles=("value:",)),
    Rule("cli_flag", _FLAG, _flag, min_len=8, needs_space=True, needles=("--",)),
    Rule("key_value", _SEPARATOR, _kv, min_len=3, requires=("=", ":"), needles=_KEY_STEMS, folded=True),
)
