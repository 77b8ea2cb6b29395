"""Cookies, one at a time: only session and auth cookie values are secrets.

``Cookie: session=…; lang=zh-TW; _rid=7b0c…`` keeps ``lang`` and the request id;
``Set-Cookie: sid=…; Path=/; SameSite=Lax`` keeps every attribute. Used by the header rule,
``curl -b`` and the structured walk (``{"cookies": {…}}``, ``[["session", "…"]]`` pairs).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.validators import is_placeholder, word_set

_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NAME_WORDS: Final = re.compile(r"[^a-z0-9]+")
# Set-Cookie attributes (RFC 6265bis): never a cookie of their own.
_ATTRIBUTES: Final = word_set(
    "path domain expires max-age samesite secure httponly priority partitioned version comment"
)
# A cookie is a secret when one word of its name is one of these ...
_SECRET_WORDS: Final = word_set(
    """
    sess session sessions sessionid sessid sid ssid auth authn authz authtoken token tokens jwt login
    remember rememberme identity credential credentials creds secret csrf xsrf csrftoken xsrftoken
    sso saml oauth oauth2 oidc access refresh apikey key password passwd pass pw otp mfa
    """
)
# ... or ends with one of these (PHPSESSID, JSESSIONID, laravel_session, XSRF-TOKEN).
_SECRET_ENDINGS: Final = ("sessid", "sessionid", "session", "token", "auth", "sid")
_KEEP_VALUES: Final = word_set("deleted")


@lru_cache(maxsize=4096)
def secret_cookie(name: str) -> bool:
    """True when a cookie of this name holds a session or auth secret."""
    lowered = name.strip().lower()
    for prefix in ("__host-", "__secure-"):
        lowered = lowered.removeprefix(prefix)
    if not lowered or lowered in _ATTRIBUTES:
        return False
    words = [word for word in _NAME_WORDS.split(_CAMEL_BOUNDARY.sub("_", name).lower()) if word]
    if any(word in _SECRET_WORDS for word in words):
        return True
    return any(word.endswith(_SECRET_ENDINGS) for word in words)


def secret_value(value: str) -> bool:
    """A cookie value worth replacing: not empty, a marker, a placeholder or ``deleted``."""
    stripped = value.strip().strip('"')
    return bool(stripped) and not (
        stripped.startswith(kinds.MARKER_PREFIX) or is_placeholder(stripped) or stripped.lower() in _KEEP_VALUES
    )


# RFC 6265 cookie-octets (and a quoted form): what follows a value in free text is kept.
_COOKIE_VALUE: Final = re.compile(r'[ \t]*(?P<v>"[!#-+\--:<-\[\]-~]*"|[!#-+\--:<-\[\]-~]+)')


def redact_cookies(header: str) -> tuple[str, int]:
    """``name=value; …`` with the values of secret cookies replaced; the count of markers added."""
    parts = header.split(";")
    count = 0
    for index, part in enumerate(parts):
        name, sep, value = part.partition("=")
        if not sep or not secret_cookie(name):
            continue
        found = _COOKIE_VALUE.match(value)
        if found is None or not secret_value(found["v"]):
            continue
        parts[index] = f"{name}={value[: found.start('v')]}{kinds.marker(kinds.COOKIE)}{value[found.end('v') :]}"
        count += 1
    return (";".join(parts), count) if count else (header, 0)
