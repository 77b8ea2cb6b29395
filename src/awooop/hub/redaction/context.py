"""Credential rules that need a label: headers, ``key=value`` pairs, query strings, ADO strings."""

from __future__ import annotations

import re
from typing import Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.cookies import redact_cookies
from awooop.hub.redaction.engine import NON_ASCII, Handler, Hit, Rule
from awooop.hub.redaction.validators import basic_credentials_ok, is_placeholder, looks_like_credential, word_set

# Patterns start with a character class and check the left boundary with a lookbehind
# placed after it: the engine then only tries positions holding that class.
_AUTH_SCHEMES: Final = r"bearer|basic|token|negotiate|ntlm|apikey|api-key|sso-key|hmac|aws4-hmac-sha256"
_AUTH_HEADER: Final = re.compile(
    r"[AaPp](?<![A-Za-z0-9_\-][AaPp])(?i:(?<=a)uthorization|(?<=p)roxy-authorization)[ \t]*:[ \t]*"
    r"(?:(?i:digest)[ \t]+(?P<params>[^\r\n]*[^\s])"  # Digest: quoted parameters to the end of line
    rf"|(?i:(?:{_AUTH_SCHEMES})[ \t]+)?+"  # possessive: the scheme is never the credential
    r"(?P<v>[^\s\"'\\,;]+))"
)
# A cookie header value runs to the end of the line (or of the quoted argument).
# Also "Cookie 是 …", the JSON forms '"cookie": "…"' and '["Cookie", "…"]' (header pairs).
_COOKIE_HEADER: Final = re.compile(
    r"[CcSs](?<![A-Za-z0-9_\-][CcSs])(?i:(?<=c)ookies?|(?<=s)et-cookie)"
    r"(?:\\?[\"'])?[ \t]*(?:[:：,]|是|為|为)[ \t]*(?:\\?[\"'])?"
    r"(?P<v>[^\r\n\"'\\]*[^\s\"'\\])"
)
# Longest first, so "x-hub-signature-256" is tried before "x-hub-signature".
_TOKEN_HEADER_NAMES: Final = sorted(
    word_set(
        """
        x-api-key api-key x-auth-token x-access-token x-amz-security-token x-vault-token
        private-token x-gitlab-token job-token x-telegram-bot-api-secret-token x-csrf-token
        x-xsrf-token x-goog-api-key ocp-apim-subscription-key x-functions-key
        sentry-hook-signature x-grafana-alerting-signature x-hub-signature-256 x-hub-signature
        x-slack-signature x-signature stripe-signature
        """
    ),
    key=lambda name: (-len(name), name),
)


def _names_after_first_char(names: list[str]) -> str:
    """``x-api-key|api-key`` as ``(?<=x)-api-key|(?<=a)pi-key`` for a class-led pattern."""
    return "|".join(f"(?<={re.escape(name[0])}){re.escape(name[1:])}" for name in names)


_TOKEN_HEADER: Final = re.compile(
    "[" + "".join(sorted({c for n in _TOKEN_HEADER_NAMES for c in (n[0], n[0].upper())})) + "]"
    r"(?<![A-Za-z0-9_\-][A-Za-z])"
    f"(?i:{_names_after_first_char(_TOKEN_HEADER_NAMES)})"
    r"[ \t]*:[ \t]*(?P<v>[^\s\"'\\;)]*[^\s\"'\\;),])"  # inner commas: Stripe-Signature t=…,v1=…
)


def _fresh(value: str) -> bool:
    """A value worth redacting: not already a marker, not a mask or template."""
    return bool(value) and not value.startswith(kinds.MARKER_PREFIX) and not is_placeholder(value)


def _header(kind: str, *, keep_inner_markers: bool) -> Handler:
    replacement = kinds.marker(kind)

    def handle(match: re.Match[str]) -> Hit | None:
        name = "v" if match["v"] is not None else "params"
        value = match[name]
        if not _fresh(value) or (keep_inner_markers and kinds.MARKER_PREFIX in value):
            return None
        return match.start(name), match.end(name), replacement

    return handle


def _cookie_header(match: re.Match[str]) -> Hit | None:
    """Only the values of session/auth cookies: benign cookies and attributes stay."""
    redacted, count = redact_cookies(match["v"])
    if not count:
        return None
    return match.start("v"), match.end("v"), redacted


def _token_header(match: re.Match[str]) -> Hit | None:
    # "Credential=[REDACTED:aws_key]/…" keeps the precise marker and the harmless scope.
    if not _fresh(match["v"]) or kinds.MARKER_PREFIX in match["v"]:
        return None
    name = match.string[match.start() : match.start("v")].rstrip(" \t:")
    kind = kinds.SECRET if "signature" in name.lower() else kinds.TOKEN
    return match.start("v"), match.end("v"), kinds.marker(kind)


# Outside a header, "Bearer x" is only a credential when x looks random (not "Bearer auth").
_BEARER: Final = re.compile(
    r"[Bb](?<![A-Za-z0-9_\-][Bb])(?i:earer)[ \t]+"
    r"(?P<v>[A-Za-z0-9._~+/\-]{8,}=*)(?![A-Za-z0-9._~+/=\-])"
)
_BASIC: Final = re.compile(
    r"[Bb](?<![A-Za-z0-9_\-][Bb])(?i:asic)[ \t]+(?P<v>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])"
)


def _bearer(match: re.Match[str]) -> Hit | None:
    if not looks_like_credential(match["v"]):
        return None
    return match.start("v"), match.end("v"), kinds.marker(kinds.AUTHORIZATION)


def _basic(match: re.Match[str]) -> Hit | None:
    if not basic_credentials_ok(match["v"]):
        return None
    return match.start("v"), match.end("v"), kinds.marker(kinds.AUTHORIZATION)


# Query parameters too generic for the key classifier ("key" alone is a Sentry tag name).
_QUERY: Final = re.compile(r"[?&;\\](?:(?<=\\)u0026|(?<=&)amp;)?(?P<key>(?i:key|code|sig))=(?P<v>[^&#\s\"'<>\\]+)")
_API_KEY_SHAPE: Final = re.compile(r"[A-Za-z0-9_\-]{16,}")


def _query(match: re.Match[str]) -> Hit | None:
    key, value = match["key"].lower(), match["v"]
    if not _fresh(value):
        return None
    if key == "sig":
        kind = kinds.SECRET
    elif key == "key":
        if _API_KEY_SHAPE.fullmatch(value) is None:
            return None
        kind = kinds.TOKEN
    else:  # OAuth authorization code; "code=500" is an HTTP status
        if len(value) < 8 or value.isdigit():
            return None
        kind = kinds.TOKEN
    return match.start("v"), match.end("v"), kinds.marker(kind)


# ADO.NET / ODBC / JDBC-style "Server=db;User Id=app;Password=p w;" (spaces allowed).
_ADO_PASSWORD: Final = re.compile(
    r"[Pp](?<![A-Za-z0-9_][Pp])(?i:assword|wd)[ \t]*=[ \t]*"
    r"(?P<v>\"[^\"\r\n]*\"|'[^'\r\n]*'|[^;\"'\r\n]*[^;\s\"'])"
)
_ADO_CONTEXT: Final = re.compile(
    r"(?<![A-Za-z0-9_])(?:server|data source|host|user id|uid|user|username|database"
    r"|initial catalog|address|addr|provider|driver|dbname|port)[ \t]*=",
    re.IGNORECASE,
)


def _ado(match: re.Match[str]) -> Hit | None:
    # ADO records are ";"-separated: the password key follows a ";" (a JAAS line does not).
    before = match.string[: match.start()].rstrip(" \t")
    value = match["v"]
    start, end = match.start("v"), match.end("v")
    if value[:1] in ("'", '"'):
        value, start, end = value[1:-1], start + 1, end - 1
    if not before.endswith(";") or not _fresh(value) or _ADO_CONTEXT.search(match.string) is None:
        return None
    return start, end, kinds.marker(kinds.CONNECTION_STRING)


RULES: Final = (
    Rule(
        "authorization_header", _AUTH_HEADER, _header(kinds.AUTHORIZATION, keep_inner_markers=True),
        min_len=15, requires=(":",), needles=("auth",), folded=True,
    ),
    Rule(
        "cookie_header", _COOKIE_HEADER, _cookie_header,
        min_len=8, requires=(":", ",", NON_ASCII), needles=("cookie",), folded=True,
    ),
    Rule(
        "token_header", _TOKEN_HEADER, _token_header,
        # every header name holds one of these
        min_len=8, requires=(":",), needles=("-key", "-token", "-signature"), folded=True,
    ),
    Rule("bearer", _BEARER, _bearer, min_len=15, needs_space=True, needles=("bearer",), folded=True),
    Rule("basic", _BASIC, _basic, min_len=12, needs_space=True, needles=("basic",), folded=True),
    Rule(
        "query_param", _QUERY, _query,
        min_len=6, requires=("=",), needles=("key", "code", "sig"), folded=True,
    ),
    Rule(
        "ado_password", _ADO_PASSWORD, _ado,
        min_len=12, requires=(";",), needles=("pass", "pw"), folded=True,
    ),
)  # fmt: skip
