"""Checks that turn a regex candidate into a confident finding (or reject it)."""

from __future__ import annotations

import binascii
import re
from typing import Final


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: long vocabularies stay readable as prose."""
    return frozenset(text.split())


# Luhn doubles every second digit from the right and sums the digits of the product.
_DOUBLED: Final = bytes.maketrans(b"0123456789", bytes((0, 2, 4, 6, 8, 1, 3, 5, 7, 9)))


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) checksum that every payment card number satisfies (ASCII digits)."""
    raw = digits.encode("ascii")
    kept, doubled = raw[-1::-2], raw[-2::-2].translate(_DOUBLED)
    return (sum(kept) - 48 * len(kept) + sum(doubled)) % 10 == 0


# Registered IBAN lengths per country (SWIFT IBAN registry); anything else is not an IBAN.
_IBAN_LENGTHS: Final = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_ok(compact: str) -> bool:
    """Country length plus the ISO 13616 mod-97 check; ``compact`` has no spaces."""
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


def basic_credentials_ok(encoded: str) -> bool:
    """True when ``encoded`` is base64 of printable ``user:password`` (HTTP Basic)."""
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        decoded = binascii.a2b_base64(padded.encode("ascii"))
    except (binascii.Error, ValueError):
        return False
    if b":" not in decoded:
        return False
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text.isprintable()


# Values that stand for a secret without being one: masks, templates, env references,
# Sentry's own "[Filtered]". Redacting them would hide useful config and inflate counts.
_PLACEHOLDER: Final = re.compile(
    r"""(?ix)
    \** | \*{3,}.* | x{3,} | \.{3,} | -{1,} | \?+
    | <[^<>]*> | \$\{[^}]*\}? | \$\(?[A-Za-z_][A-Za-z0-9_]*\)? | \{\{.*\}\} | %\(?\w*\)?s
    | null | none | nil | undefined | true | false | empty | unset | n/?a
    | \[?(?:filtered|redacted|masked|hidden|removed)\]? | \((?:redacted|hidden|masked)\)
    """
)


def is_placeholder(value: str) -> bool:
    """True for mask/template/reference values that must be kept as they are."""
    return _PLACEHOLDER.fullmatch(value) is not None


def looks_like_credential(value: str) -> bool:
    """Heuristic for free-text values: random-looking, not an English word."""
    if len(value) >= 20:
        return True
    if len(value) < 6:
        return False
    has_digit = any(char.isdigit() for char in value)
    has_alpha = any(char.isalpha() for char in value)
    has_symbol = any(not char.isalnum() for char in value)
    # "Unauthorized" is a word; "x9FzQm" or "hunTer" is not.
    mixed_case = any(char.isupper() for char in value[1:]) and any(char.islower() for char in value)
    return (has_digit and has_alpha) or (has_alpha and has_symbol) or mixed_case


# A number right after one of these labels is an identifier, never a card or a phone number:
# "order_id=4111…", "tracking number 4111…", "#4111…".
_ID_WORDS: Final = word_set(
    """
    id ids order orders invoice txn transaction trace span request req ticket issue event update
    message msg chat build job run pid ref seq sequence offset epoch ts timestamp nonce serial
    tracking shipment incident alert account acct
    """
)
_ID_SUFFIXES: Final = word_set("id no number num nr")
_NOT_LABEL: Final = re.compile(r"[^A-Za-z _\-]")
_WORD_GAP: Final = re.compile(r"[ _\-]+")


def in_id_context(text: str, start: int) -> bool:
    """True when the text before ``start`` ends with an id label (``order_id=``, ``#``)."""
    window = text[max(0, start - 32) : start].rstrip(" \t\"'")
    if window.endswith("#"):
        return True
    window = window.rstrip(":=").rstrip(" \t\"'")
    if window.endswith("#"):
        return True
    words = _WORD_GAP.split(_NOT_LABEL.split(window)[-1].strip(" _-").lower())
    last = words[-1]
    if last in _ID_SUFFIXES and len(words) > 1:  # "tracking number", "order_no"
        return words[-2] in _ID_WORDS or last == "id"
    return last in _ID_WORDS
