"""Classification of field names: does ``client_secret`` / ``X-Api-Key`` / ``dbPassword`` name a secret?

One classifier serves both the structured walk (dict keys, header pairs) and the
``key=value`` text rule, so a key is treated the same wherever it appears.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from awooop.hub.redaction import kinds
from awooop.hub.redaction.validators import word_set

KEEP: Final = "keep"
"""Returned by :func:`classify_key` for operational ids whose values are kept verbatim."""
HEX_KEY: Final = "hex_key"
"""Returned by :func:`classify_key` for ``<something>_key`` names: secret when the value is hex."""

# "<something>_key" whose hex value is an id, not a credential: cache_key=<sha256>, dedup_key=…
_HEX_ID_KEY_WORDS: Final = word_set(
    """
    cache idempotency idempotent dedup dedupe deduplication partition sort hash primary foreign
    object public pub group row range lookup index shard cursor page bucket file event message trace
    span request correlation lock etag checksum content map dict issue alert incident ssh gpg pgp
    host node cluster state storage s3 gcs blob image layer commit build run job task work item
    """
)
HEX_SECRET: Final = re.compile(
    r"[0-9A-Fa-f]{16,128}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
"""A value that makes a ``<something>_key`` a secret (PagerDuty/Opsgenie integration keys)."""

_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")

# A trailing word that turns a secret-sounding key into metadata about the secret:
# token_count, secret_name, password_file, auth_method, key_id, token_expires_at ...
_METADATA_SUFFIXES: Final = word_set(
    """
    id ids uuid count counts total num number type types kind name names label url uri urls link
    endpoint host port path file filename dir ref refs arn env var field fields length len size
    limit ttl age version format algorithm alg status state error errors reason message msg at
    time timestamp expiry expires expiration expire expired rotated rotation policy hint
    strength enabled disabled required present set configured used usage method mode scheme
    provider source header fingerprint prefix suffix store manager namespace class template min
    max bytes lifetime duration seconds valid validity verified issuer audience scope scopes
    flow user username login mount backend engine rule rules exception exceptions failure failed
    denied invalid missing mismatch rejected
    """
)

# Operational identifiers: never secret, never personal, kept byte for byte.
_KEEP_KEYS: Final = word_set(
    """
    traceid spanid parentspanid parentid requestid xrequestid correlationid fingerprint
    fingerprints eventid issueid groupid alertid ruleid ruleuid runid incidentid updateid
    messageid transactionid traceparent tracestate xb3traceid xb3spanid
    """
)

# Whole-value personal data fields (exact names only: "email_template" is not an email).
_PERSONAL_KEYS: Final = {
    "email": kinds.EMAIL,
    "emailaddress": kinds.EMAIL,
    "useremail": kinds.EMAIL,
    "phone": kinds.PHONE,
    "phonenumber": kinds.PHONE,
    "mobilephone": kinds.PHONE,
    "mobilenumber": kinds.PHONE,
    "cellphone": kinds.PHONE,
    "telephone": kinds.PHONE,
    "msisdn": kinds.PHONE,
    "cardnumber": kinds.CARD,
    "creditcard": kinds.CARD,
    "ccnumber": kinds.CARD,
    "iban": kinds.IBAN,
}

# Ordered: the first pattern that matches the compact key (lower-case, separators removed)
# decides the kind. "secret_token" is a token, "client_secret" a secret.
_KEY_RULES: Final = (
    (re.compile(r"aws\w*(?:secret|accesskey|sessiontoken|securitytoken)|secretaccesskey"), kinds.AWS_KEY),
    (re.compile(r"accountkey|sharedaccesskey|storagekey|sastoken"), kinds.CLOUD_KEY),
    (re.compile(r"privatekey|privkey|^(?:tls|ssl)key$"), kinds.PRIVATE_KEY),
    (re.compile(r"token$"), kinds.TOKEN),
    (re.compile(r"authorization|bearer"), kinds.AUTHORIZATION),
    (re.compile(r"cookie|^(?:php|j|asp(?:net)?)?sess(?:ion)?id$|^sessid$"), kinds.COOKIE),
    (re.compile(r"passw|passphrase|passcode|^(?:db|user|admin|root)?(?:pass|pw|pwd)$"), kinds.PASSWORD),
    (
        re.compile(
            r"(?:api|access|app|client|consumer|subscription|license|master|signing"
            r"|encryption|hmac|webhook|sentry|ingest|integration|pagerduty|opsgenie|genie)key$|^apikey"
        ),
        kinds.TOKEN,
    ),
    (
        re.compile(
            # Telegram's author_signature / forward_signature are display names, not signatures.
            r"secret|credential|^creds?$|dsn$|(?<!author)(?<!forward)signature$|^sig$|^auth$|basicauth|proxyauth"
            r"|httpauth|^otp$|totp|mfacode"
        ),
        kinds.SECRET,
    ),
)


def _words(name: str) -> list[str]:
    spaced = _CAMEL_BOUNDARY.sub("_", name).lower()
    return [word for word in _NON_ALNUM.split(spaced) if word]


@lru_cache(maxsize=8192)
def classify_key(name: str) -> str | None:
    """Return a redaction kind, :data:`KEEP` for operational ids, or None for ordinary keys."""
    words = _words(name) if len(name) <= 96 else []
    compact = "".join(words)
    if not compact:
        return None
    if compact in _KEEP_KEYS:
        return KEEP
    if compact in _PERSONAL_KEYS:
        return _PERSONAL_KEYS[compact]
    if words[-1] in _METADATA_SUFFIXES:
        return None
    found = next((kind for pattern, kind in _KEY_RULES if pattern.search(compact)), None)
    if found is None and len(words) >= 2 and words[-1] == "key" and words[-2] not in _HEX_ID_KEY_WORDS:
        return HEX_KEY
    return found


def secret_kind_for_key(name: str) -> str | None:
    """The kind to use when ``name`` labels a secret or personal value, else None."""
    kind = classify_key(name)
    return None if kind is None or kind in (KEEP, HEX_KEY) else kind


def hex_key_name(name: str) -> bool:
    """True for ``<something>_key`` names whose hex or UUID values are secrets (routing_key)."""
    return classify_key(name) == HEX_KEY


def is_keep_key(name: str) -> bool:
    """True for operational id fields (trace_id, fingerprint, ...) kept verbatim."""
    return classify_key(name) == KEEP
