"""Source authentication, per project and provider; all secret comparisons in constant time.

Each provider's spec names its scheme (``ProviderSpec.auth``); this module holds one verifier per
scheme:

- ``intake_token`` (alertmanager, signoz, generic): the intake token (Bearer, Basic password or
  ``?token=``).
- ``grafana_signature``: the intake token, plus ``X-Grafana-Alerting-Signature`` when the project
  has a secret.
- ``sentry_signature``: ``Sentry-Hook-Signature`` (HMAC-SHA256 of the raw body, key = client
  secret); the legacy WebHooks plugin signs nothing and authenticates with the intake token instead.
- ``telegram_secret``: ``X-Telegram-Bot-Api-Secret-Token``, hashed and compared with the stored hash.

Project credentials are cached per process for ``CREDENTIAL_TTL_SECONDS`` (see docs/intake.md).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from awooop.core.db import Database
from awooop.core.security import constant_time_equals, hmac_sha256_hex, secret_matches
from awooop.errors import NotFound, ServiceUnavailable, Unauthorized
from awooop.hub.outage import database_unavailable
from awooop.hub.providers import SourceAuth, provider_spec
from awooop.hub.repository import ProjectCredentials, get_project_credentials
from awooop.operators.principal import PROJECT_ID_RE

CREDENTIAL_TTL_SECONDS = 5.0
# Refusals that depend on stored secrets: only these are worth a fresh read before refusing.
_SECRET_DEPENDENT = frozenset(
    {
        "bad_credentials",
        "bad_signature",
        "missing_signature",
        "sentry_secret_not_configured",
        "telegram_secret_not_configured",
    }
)
ACCEPTED_AUTH_FORMS = (
    "Authorization: Bearer <intake token>, HTTP Basic auth with the token as password, or ?token=<intake token>"
)
SENTRY_SIGNATURE = "sentry-hook-signature"
GRAFANA_SIGNATURE = "x-grafana-alerting-signature"
GRAFANA_TIMESTAMP = "x-grafana-alerting-timestamp"
TELEGRAM_SECRET = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name


class SourceRejected(Unauthorized):
    """401 with a machine-readable ``reason`` (kept in the rejection row and the metric)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the request presented."""

    headers: Mapping[str, str]  # lower-cased names
    query_token: str | None


class CredentialCache:
    """Project credentials in memory for a few seconds: intake skips one query per delivery.

    Safe invalidation: a presented credential that does not match the cached copy is checked
    again against a fresh read before it is refused, so a rotated-in token works at once; a
    rotated-out token keeps working in other processes for at most the TTL.
    """

    def __init__(self, db: Database, ttl_seconds: float = CREDENTIAL_TTL_SECONDS) -> None:
        self._db = db
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, ProjectCredentials]] = {}
        # One read per project at a time: a burst of deliveries (senders retrying after an outage)
        # shares it instead of queueing hundreds of identical queries on the pool.
        self._loading: dict[str, asyncio.Task[ProjectCredentials]] = {}

    def invalidate(self, project_id: str | None = None) -> None:
        if project_id is None:
            self._entries.clear()
        else:
            self._entries.pop(project_id, None)

    async def require(self, project_id: str) -> tuple[ProjectCredentials, bool]:
        """The project's credentials and whether they came from the cache; 404 for no such project."""
        entry = self._entries.get(project_id)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1], True
        return await self.reload(project_id), False

    async def reload(self, project_id: str) -> ProjectCredentials:
        if not PROJECT_ID_RE.fullmatch(project_id):
            raise NotFound(f"project {project_id!r} not found", reason="unknown_project")
        loading = self._loading.get(project_id)
        if loading is None:
            # A task of its own: a caller that goes away (client disconnect) cancels only its wait.
            loading = asyncio.create_task(self._read(project_id))
            self._loading[project_id] = loading
            loading.add_done_callback(lambda done: self._finished(project_id, done))
        return await asyncio.shield(loading)

    def _finished(self, project_id: str, done: asyncio.Task[ProjectCredentials]) -> None:
        if self._loading.get(project_id) is done:
            del self._loading[project_id]
        if not done.cancelled():
            done.exception()  # every waiter re-raises it; mark it seen even if none is left

    async def _read(self, project_id: str) -> ProjectCredentials:
        try:
            async with self._db.reader() as session:
                found = await get_project_credentials(session, project_id)
        except Exception as exc:
            if database_unavailable(exc):
                raise ServiceUnavailable("database busy or unreachable; retry", retry_after=1) from exc
            raise
        if found is None:
            self._entries.pop(project_id, None)
            raise NotFound(f"project {project_id!r} not found", reason="unknown_project")
        self._entries[project_id] = (time.monotonic() + self._ttl, found)
        return found


async def authenticate(
    cache: CredentialCache, project_id: str, provider: str, raw: bytes, presented: Credentials
) -> ProjectCredentials:
    """The project's credentials once ``presented`` proves the sender; 401 (SourceRejected) otherwise."""
    project, cached = await cache.require(project_id)
    try:
        verify_source(project, provider, raw, presented)
    except SourceRejected as exc:
        if not cached or exc.reason not in _SECRET_DEPENDENT:
            raise
        project = await cache.reload(project_id)
        verify_source(project, provider, raw, presented)
    return project


def verify_source(project: ProjectCredentials, provider: str, raw: bytes, presented: Credentials) -> None:
    spec = provider_spec(provider)
    if spec is None:  # the routes only exist for known providers; refuse rather than fall through
        raise SourceRejected("unknown_provider", f"no source authentication for provider {provider!r}")
    VERIFIERS[spec.auth](project, raw, presented)


def presented_token(presented: Credentials) -> str | None:
    """The intake token from Authorization (Bearer or Basic password) or ``?token=``."""
    authorization = presented.headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value:
            return value
        if scheme.lower() == "basic" and value:
            return _basic_password(value)
        raise SourceRejected(
            "bad_authorization", f"Authorization scheme must be Bearer or Basic; use {ACCEPTED_AUTH_FORMS}"
        )
    return presented.query_token or None


def _basic_password(encoded: str) -> str:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise SourceRejected("bad_authorization", "Authorization: Basic credentials are not valid base64") from None
    _, sep, password = decoded.partition(":")
    if not sep or not password:
        raise SourceRejected("bad_authorization", "Authorization: Basic credentials carry no password")
    return password


def _verify_token(project: ProjectCredentials, presented: Credentials) -> None:
    token = presented_token(presented)
    if token is None:
        raise SourceRejected("missing_credentials", f"intake token required: {ACCEPTED_AUTH_FORMS}")
    if not secret_matches(token, project.intake_token_hash):
        raise SourceRejected("bad_credentials", f"intake token is not valid for project {project.project_id!r}")


def _verify_intake_token(project: ProjectCredentials, raw: bytes, presented: Credentials) -> None:
    _verify_token(project, presented)


def _verify_grafana(project: ProjectCredentials, raw: bytes, presented: Credentials) -> None:
    _verify_token(project, presented)
    if project.grafana_secret:
        _verify_grafana_signature(project.grafana_secret, raw, presented.headers)


def _verify_sentry(project: ProjectCredentials, raw: bytes, presented: Credentials) -> None:
    signature = presented.headers.get(SENTRY_SIGNATURE)
    if signature is None:
        # The legacy WebHooks plugin signs nothing: its callback URL carries the intake token.
        if presented_token(presented) is None:
            raise SourceRejected(
                "missing_credentials",
                "Sentry-Hook-Signature header required (Sentry integration); the legacy WebHooks plugin "
                "must put the intake token in its callback URL (?token=<intake token>)",
            )
        _verify_token(project, presented)
        return
    if not project.sentry_client_secret:
        raise SourceRejected(
            "sentry_secret_not_configured",
            f"project {project.project_id!r} has no Sentry client secret configured; set it with "
            "`awooop projects set-secret --sentry-client-secret`",
        )
    expected = hmac_sha256_hex(project.sentry_client_secret, raw)
    if not constant_time_equals(signature.strip().lower(), expected):
        raise SourceRejected("bad_signature", "Sentry-Hook-Signature does not match the body and client secret")


def _verify_grafana_signature(secret: str, raw: bytes, headers: Mapping[str, str]) -> None:
    signature = headers.get(GRAFANA_SIGNATURE)
    if signature is None:
        raise SourceRejected(
            "missing_signature",
            "X-Grafana-Alerting-Signature header required: this project has a Grafana HMAC secret",
        )
    timestamp = headers.get(GRAFANA_TIMESTAMP)
    signed = raw if timestamp is None else timestamp.encode("utf-8") + b":" + raw
    if not constant_time_equals(signature.strip().lower(), hmac_sha256_hex(secret, signed)):
        raise SourceRejected(
            "bad_signature",
            "X-Grafana-Alerting-Signature does not match HMAC-SHA256([timestamp ':'] body) with the project secret",
        )


def _verify_telegram(project: ProjectCredentials, raw: bytes, presented: Credentials) -> None:
    if not project.telegram_secret_hash:
        raise SourceRejected(
            "telegram_secret_not_configured",
            f"project {project.project_id!r} has no Telegram secret token configured; set it with "
            "`awooop projects set-secret --telegram-secret-token`",
        )
    token = presented.headers.get(TELEGRAM_SECRET)
    if token is None:
        raise SourceRejected("missing_credentials", "X-Telegram-Bot-Api-Secret-Token header required")
    if not secret_matches(token, project.telegram_secret_hash):
        raise SourceRejected("bad_credentials", "X-Telegram-Bot-Api-Secret-Token does not match the project's secret")


# (the project's stored secrets, the raw body, what the request presented) -> None, or SourceRejected
Verifier = Callable[[ProjectCredentials, bytes, Credentials], None]
VERIFIERS: dict[SourceAuth, Verifier] = {
    "intake_token": _verify_intake_token,
    "grafana_signature": _verify_grafana,
    "sentry_signature": _verify_sentry,
    "telegram_secret": _verify_telegram,
}
