"""Personal data rules: emails, phone numbers, payment cards, IBANs.

Numbers are the hard part: alerts are full of timestamps, epochs, ids, versions and
IPs. Every numeric candidate must pass a checksum or a strict shape, and a number
right after an id label (``order_id=``, ``#``) is left alone.
"""

from __future__ import annotations

import re
from typing import Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.engine import Hit, Rule
from awooop.hub.redaction.validators import iban_ok, in_id_context, luhn_ok, word_set

# Emails are found from the "@" outwards: a literal search is far cheaper than letting
# the regex engine try a 64-character local part at every position.
_AT: Final = re.compile("@")
_LOCAL_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_DOMAIN: Final = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+(?P<tld>[A-Za-z]{2,24})(?![A-Za-z0-9\-])"
)
# user@host where host is a private name is a login, not an address.
_HOST_ONLY_TLDS: Final = word_set("internal local localdomain lan svc cluster corp home intranet localhost")
_SSH_CONTEXT: Final = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:ssh|sftp|scp|rsync|mosh|ssh-copy-id)"
    r"(?:[ \t]+-[^\s@]+(?:[ \t]+[^\s@\-][^\s@]*)?)*(?:[ \t]+[^\s@\-][^\s@]*){0,2}[ \t]+$"
)


_REMOTE_COMMANDS: Final = ("ssh", "scp", "sftp", "rsync", "mosh")


def _email(match: re.Match[str]) -> Hit | None:
    text, at = match.string, match.start()
    start = at
    while start > 0 and at - start < 64 and text[start - 1] in _LOCAL_CHARS:
        start -= 1
    while start < at and text[start] == ".":
        start += 1
    domain = _DOMAIN.match(text, at + 1)
    if start == at or domain is None:
        return None
    local = text[start:at]
    if local == "git" or domain["tld"].lower() in _HOST_ONLY_TLDS:
        return None
    if text[max(0, start - 3) : start] == "://":  # URL userinfo: keep the user name
        return None
    window = text[max(0, start - 120) : start]
    if any(map(window.__contains__, _REMOTE_COMMANDS)) and _SSH_CONTEXT.search(window):
        return None
    return start, domain.end(), kinds.marker(kinds.EMAIL)


_CARD: Final = re.compile(
    r"[2-6](?<![A-Za-z0-9_.:/+\-][2-6])\d{3}(?:[ \-]?\d){9,15}(?![A-Za-z0-9_\-]|[.:,]\d)", re.ASCII
)
_GROUPS: Final = re.compile(r"[ \-]")


def _card_number(groups: list[str]) -> bool:
    digits = "".join(groups)
    if not 13 <= len(digits) <= 19:
        return False
    if len(groups) == 1:
        if len(digits) < 15:  # bare 13-14 digit runs are epoch millis and ids
            return False
    elif len(groups[0]) != 4 or any(not 3 <= len(group) <= 6 for group in groups[1:]):
        return False
    if digits[0] == "2" and not 2221 <= int(digits[:4]) <= 2720:  # Mastercard 2-series only
        return False
    return luhn_ok(digits)


def _card(match: re.Match[str]) -> Hit | None:
    raw = match.group()
    if "-" in raw and " " in raw:
        return None
    groups = _GROUPS.split(raw)
    # "4111 1111 1111 1111 12/27": the regex also took the next number; try shorter prefixes.
    for count in range(len(groups), 0, -1):
        if _card_number(groups[:count]):
            end = match.start() + len(" ".join(groups[:count]))
            if in_id_context(match.string, match.start()):
                return None
            return match.start(), end, kinds.marker(kinds.CARD)
    return None


_IBAN: Final = re.compile(
    r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])",
    re.ASCII,
)


def _iban(match: re.Match[str]) -> Hit | None:
    if not iban_ok(match.group().replace(" ", "")):
        return None
    return match.start(), match.end(), kinds.marker(kinds.IBAN)


# Two charset-led patterns (the engine skips straight to "+"/"(" or to digits); the
# lookbehinds then pick the shape from the first character. Numbers written with "+" or
# "(" need 8 digits, bare ones 9: a date ("2026-08-20" is 8 digits) never wakes the second.
_PHONE_MARKED: Final = re.compile(
    r"""
    [+(](?<![A-Za-z0-9_.\-/\#+][+(])
    (?:
        (?<=\+)(?P<intl>\d{1,3}(?:[ .\-]?(?:\(\d{1,4}\)|\d{1,5})){1,6})
      | (?<=\()(?P<intl_paren>\+\d{1,3}\)(?:[ .\-]?(?:\(\d{1,4}\)|\d{1,5})){1,6})
      | (?<=\()(?P<local_paren>0\d{1,4}\)[ \-]?\d{3,4}[ \-]?\d{3,4})
      | (?<=\()(?P<nanp_paren>[2-9]\d{2}\)\ ?[2-9]\d{2}-\d{4})
    )
    (?![A-Za-z0-9_\-]|[.:,/]\d)
    """,
    re.VERBOSE | re.ASCII,  # digits are ASCII digits: the checksums rely on it
)
_PHONE_PLAIN: Final = re.compile(
    r"""
    [0-9](?<![A-Za-z0-9_.\-/\#+][0-9])(?<!\d:[0-9])
    (?:
        (?<=0)(?P<tw>9\d{2}(?:-\d{3}-\d{3}|\ \d{3}\ \d{3}|-\d{6}|\d{6}))
      | (?<=0)(?P<local>\d{1,4}(?:[ \-]\d{3,4}[ \-]\d{3,4}|[ \-]\d{5,8}))
      | (?<=[2-9])(?P<nanp>\d{2}(?:-[2-9]\d{2}-|\.[2-9]\d{2}\.)\d{4})
    )
    (?![A-Za-z0-9_\-]|[.:,/]\d)
    """,
    re.VERBOSE | re.ASCII,  # digits are ASCII digits: the checksums rely on it
)
_DIGIT_LIMITS: Final = {
    "intl": (8, 15),
    "intl_paren": (8, 15),
    "tw": (10, 10),
    "local_paren": (9, 11),
    "local": (9, 11),
    "nanp_paren": (10, 10),
    "nanp": (10, 10),
}
_DIGIT_RUN: Final = re.compile(r"[0-9]+")


def _intl_end(match: re.Match[str]) -> int | None:
    """End of the longest prefix of an international number holding at most 15 digits."""
    total, end = 0, None
    for run in _DIGIT_RUN.finditer(match.string, match.start(), match.end()):
        if total + len(run.group()) > 15:
            break
        total += len(run.group())
        end = run.end()
    if end is not None and match.string[end : end + 1] == ")":
        end += 1
    return end


def _phone(match: re.Match[str]) -> Hit | None:
    which = match.lastgroup or "intl"
    low, high = _DIGIT_LIMITS[which]
    end = match.end()
    digits = sum(len(run) for run in _DIGIT_RUN.findall(match.group()))
    if which.startswith("intl") and digits > high:
        trimmed = _intl_end(match)
        if trimmed is None:
            return None
        end = trimmed
        digits = sum(len(run) for run in _DIGIT_RUN.findall(match.string, match.start(), end))
    if not low <= digits <= high or in_id_context(match.string, match.start()):
        return None
    return match.start(), end, kinds.marker(kinds.PHONE)


# ``profile`` needles search the digit profile (digits "d", capitals "U", separators dropped):
# a card needs 13 digits in a row, an IBAN a country code and check digits ("UUdd").
RULES: Final = (
    Rule("email", _AT, _email, min_len=6, requires=("@",)),
    Rule("card", _CARD, _card, min_len=13, profile=b"d" * 13),
    Rule("iban", _IBAN, _iban, min_len=15, profile=b"UUdd"),
    Rule("phone_marked", _PHONE_MARKED, _phone, min_len=9, requires=("+", "("), profile=b"d" * 8),
    Rule("phone_plain", _PHONE_PLAIN, _phone, min_len=9, profile=b"d" * 9),
)
