"""Network rules: public client IP addresses (personal data) and scheme-less ``user:password@host``.

Which addresses are public is decided here, not by :mod:`ipaddress` (whose ``is_private``
counts documentation ranges as private). Kept: the addresses of our own networks and special
ranges (RFC 1918, loopback, link-local, CGNAT ``100.64.0.0/10``, ``0.0.0.0/8``, benchmarking
``198.18.0.0/15``, IETF ``192.0.0.0/24``, multicast, reserved and broadcast; for IPv6 everything
outside ``2000::/3``: ``::1``, ``fe80::/10``, ``fc00::/7``, multicast). Redacted: every other
address, documentation ranges included (``192.0.2.0/24``, ``198.51.100.0/24``,
``203.0.113.0/24``, ``2001:db8::/32``), since in examples they stand for a real client.

An address right after ``://`` or ``@`` is a server in a URL or a login target and is kept,
as is one after a version label (``version 1.2.3.4``).
"""

from __future__ import annotations

import re
from ipaddress import AddressValueError, IPv6Address
from typing import Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.engine import Hit, Rule
from awooop.hub.redaction.validators import is_placeholder, looks_like_credential, word_set

# (first address, last address) of the IPv4 ranges that are never a client on the internet.
_KEPT_V4: Final = tuple(
    (base, base + (1 << (32 - bits)) - 1)
    for base, bits in (
        (0x00000000, 8),  # 0.0.0.0/8 "this network"
        (0x0A000000, 8),  # 10.0.0.0/8
        (0x64400000, 10),  # 100.64.0.0/10 CGNAT / overlay networks
        (0x7F000000, 8),  # 127.0.0.0/8 loopback
        (0xA9FE0000, 16),  # 169.254.0.0/16 link-local
        (0xAC100000, 12),  # 172.16.0.0/12
        (0xC0000000, 24),  # 192.0.0.0/24 IETF protocol assignments
        (0xC0A80000, 16),  # 192.168.0.0/16
        (0xC6120000, 15),  # 198.18.0.0/15 benchmarking
        (0xE0000000, 3),  # 224.0.0.0/3: multicast, reserved, broadcast
    )
)

# Both patterns start with a literal ("." / ":"), which the regex engine searches fast; the
# handler reads the first octet or group backwards. Digits and "2" are everywhere in alerts.
_IPV4: Final = re.compile(
    r"\.(?<=[0-9]\.)[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9]|\.[0-9]|[A-Za-z_])",
    re.ASCII,
)
# Global unicast IPv6 (2000::/3) starts with a four-digit group 2xxx or 3xxx.
_IPV6: Final = re.compile(
    r":(?<=[23][0-9A-Fa-f]{3}:)(?<![0-9A-Za-z_:.][23][0-9A-Fa-f]{3}:)[0-9A-Fa-f:]{2,}"
    r"(?:(?<=:)[0-9]{1,3}(?:\.[0-9]{1,3}){3})?(?![0-9A-Za-z_]|\.[0-9])",
    re.ASCII,
)
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_V4_BOUNDARY: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./")
_VERSION_WORDS: Final = re.compile(r"(?i:version|upgrade|downgrade|release)")
_VERSION_BEFORE: Final = re.compile(r"(?<![A-Za-z])(?i:version|ver|release|build|firmware|v)[ \t]*[:=]?[ \t]*\Z")


def _kept_context(text: str, start: int) -> bool:
    if text[max(0, start - 3) : start] == "://" or text[max(0, start - 4) : start] == "://[":
        return True
    if text[start - 1 : start] == "@":
        return True
    if _VERSION_BEFORE.search(text, max(0, start - 12), start) is not None:
        return True
    # "upgrade from version 1.2.3.4 to 1.2.3.5": the second number is a version too.
    return _VERSION_WORDS.search(text, max(0, start - 48), start) is not None


def public_ipv4(address: str) -> bool:
    """True for a dotted-quad outside the kept ranges (no octet above 255, no leading zero)."""
    octets = address.split(".")
    if len(octets) != 4 or any(len(part) > 1 and part[0] == "0" for part in octets):
        return False
    values = [int(part) for part in octets]
    if any(value > 255 for value in values):
        return False
    number = (values[0] << 24) | (values[1] << 16) | (values[2] << 8) | values[3]
    return not any(low <= number <= high for low, high in _KEPT_V4)


def _after_escape(text: str, dot: int) -> int | None:
    """Start of the first octet when a percent escape precedes it ("%22203.0.113.5", "%3D1.2…")."""
    percent = text.rfind("%", max(0, dot - 6), dot)
    if percent < 0 or not 1 <= dot - percent - 3 <= 3:
        return None
    if not all(c in _HEX for c in text[percent + 1 : percent + 3]) or not text[percent + 3 : dot].isdigit():
        return None
    return percent + 3


def _ipv4(match: re.Match[str]) -> Hit | None:
    text, dot = match.string, match.start()
    start = _after_escape(text, dot) if "%" in text else None
    if start is None:
        start = dot
        while start > 0 and dot - start < 4 and text[start - 1].isdigit():
            start -= 1
        if dot - start > 3 or (start > 0 and text[start - 1] in _V4_BOUNDARY):
            return None
    if not public_ipv4(text[start : match.end()]) or _kept_context(text, start):
        return None
    return start, match.end(), kinds.marker(kinds.IP_ADDRESS)


def _ipv6_end(candidate: str) -> int | None:
    """Length of the longest prefix of ``candidate`` that is an IPv6 address ("…::1:8080" ports)."""
    end = len(candidate.rstrip(":")) if not candidate.endswith("::") else len(candidate)
    for _ in range(2):
        try:
            IPv6Address(candidate[:end])
        except AddressValueError:
            cut = candidate.rfind(":", 0, end)
            if cut <= 0:
                return None
            end = cut
            continue
        return end
    return None


def _ipv6(match: re.Match[str]) -> Hit | None:
    start = match.start() - 4
    end = _ipv6_end(match.string[start : match.end()])
    if end is None or _kept_context(match.string, start):
        return None
    return start, start + end, kinds.marker(kinds.IP_ADDRESS)


# Scheme-less "user:password@host" (the URL form is credentials.url_userinfo). Found from the
# "@" backwards, as emails are: the regex engine jumps to a literal.
_AT_HOST: Final = re.compile(
    r"@(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*)"
)
# "From:alice@example.com", "mailto:bob@…", "owner:team@…": a label before an address.
_LABEL_USERS: Final = word_set(
    """
    from to cc bcc reply-to sender email e-mail mail mailto contact owner author committer maintainer
    assignee reporter sip sips xmpp tel urn notify user by via
    """
)
_DIGEST_HOSTS: Final = ("sha256", "sha512", "sha384", "sha1", "blake")
_DOMAIN_TLD: Final = re.compile(r".*\.[A-Za-z]{2,24}")
_HOST_ONLY_TLDS: Final = word_set("internal local localdomain lan svc cluster corp home intranet localhost")


# "password:user" read forwards in the reversed text before the "@": one slice, one match.
_REVERSED_USERINFO: Final = re.compile(r"(?P<pw>[^\s:@/\"'<>()\[\]{},;|`]{1,128}):(?P<user>[A-Za-z0-9._\-]{1,64})")


def _bare_userinfo(match: re.Match[str]) -> Hit | None:
    text, at = match.string, match.start()
    found = _REVERSED_USERINFO.match(text[max(0, at - 194) : at][::-1])
    if found is None:
        return None
    start = at - len(found["pw"])
    user_start = start - 1 - len(found["user"])
    user, password, host = text[user_start : start - 1], text[start:at], match["host"]
    before = text[user_start - 1] if user_start else ""
    if not user or user.isdigit() or before in (":", "/", "@", "\\", "%") or user.lower() in _LABEL_USERS:
        return None
    if password.startswith(kinds.MARKER_PREFIX) or is_placeholder(password) or host.lower().startswith(_DIGEST_HOSTS):
        return None
    # "notify:ops@example.com" reads as a label and an address; "admin:hunter2@db01" does not.
    emailish = _DOMAIN_TLD.fullmatch(host) is not None and host.rsplit(".", 1)[-1].lower() not in _HOST_ONLY_TLDS
    if emailish and not looks_like_credential(password):
        return None
    return start, at, kinds.marker(kinds.PASSWORD)


CREDENTIAL_RULES: Final = (Rule("bare_userinfo", _AT_HOST, _bare_userinfo, min_len=6, requires=("@",), needles=(":",)),)


def _three_dots(text: str) -> bool:
    return text.count(".") >= 3


def _ipv6_colons(text: str) -> bool:
    """An IPv6 address is compressed ("::") or has seven colons; times and URLs rarely do."""
    return "::" in text or text.count(":") >= 7


PERSONAL_RULES: Final = (
    Rule("public_ipv4", _IPV4, _ipv4, min_len=7, requires=(".",), profile=b"dddd", gate=_three_dots),
    Rule("public_ipv6", _IPV6, _ipv6, min_len=6, requires=(":",), gate=_ipv6_colons),
)
