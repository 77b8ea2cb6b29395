"""The fixed vocabulary of redaction kinds, the marker format and the rule-set version."""

# The kind names "token", "password" and "secret" are labels, not credentials.
# ruff: noqa: S105

from __future__ import annotations

import re
from typing import Final

# Bump whenever a rule, a key list or a validator changes what gets redacted: stored
# envelopes carry this value so old and new redactions can be told apart.
REDACTION_VERSION: Final = "r2"

AWS_KEY: Final = "aws_key"
CLOUD_KEY: Final = "cloud_key"
TOKEN: Final = "token"
JWT: Final = "jwt"
PRIVATE_KEY: Final = "private_key"
AUTHORIZATION: Final = "authorization"
COOKIE: Final = "cookie"
PASSWORD: Final = "password"
CONNECTION_STRING: Final = "connection_string"
SECRET: Final = "secret"
EMAIL: Final = "email"
PHONE: Final = "phone"
CARD: Final = "card"
IBAN: Final = "iban"
IP_ADDRESS: Final = "ip_address"

CREDENTIAL_KINDS: Final = (
    AWS_KEY,
    CLOUD_KEY,
    TOKEN,
    JWT,
    PRIVATE_KEY,
    AUTHORIZATION,
    COOKIE,
    PASSWORD,
    CONNECTION_STRING,
    SECRET,
)
PERSONAL_KINDS: Final = (EMAIL, PHONE, CARD, IBAN, IP_ADDRESS)
KINDS: Final = CREDENTIAL_KINDS + PERSONAL_KINDS

MARKER_PREFIX: Final = "[REDACTED:"
_MARKERS: Final = {kind: f"{MARKER_PREFIX}{kind}]" for kind in KINDS}
MARKER_RE: Final = re.compile(r"\[REDACTED:([a-z_]+)\]")


def marker(kind: str) -> str:
    """Return the replacement text for ``kind`` (a KeyError means a typo in a rule)."""
    return _MARKERS[kind]


def is_marker(value: str) -> bool:
    """True when ``value`` is exactly one marker, i.e. it was redacted before."""
    return value.startswith(MARKER_PREFIX) and MARKER_RE.fullmatch(value) is not None
