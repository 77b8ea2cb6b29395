"""One delivery through the hub, framework-free: project → body → source auth → JSON → schema →
envelopes → group commit. Every 4xx on the way is recorded as a rejection before it is raised.

The order is deliberate: an unknown project costs one cached lookup and no body read; the body
is read (size-capped) before authentication because signatures cover its raw bytes; nothing is
parsed before the sender is authenticated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from awooop.errors import (
    BadRequest,
    DomainError,
    NotFound,
    PayloadTooLarge,
    SchemaMismatch,
    TooManyRequests,
    Unauthorized,
)
from awooop.guard.credentials import CredentialGuard, intake_scope
from awooop.hub.committer import IntakeCommitter
from awooop.hub.providers import PROVIDERS, PayloadSchemaError, parse_delivery
from awooop.hub.rejections import Rejection
from awooop.hub.service import RecordedEvent, Row, prepare_rows, replace_nul
from awooop.hub.sources import Credentials, authenticate

BOM = b"\xef\xbb\xbf"
ESCAPED_NUL = b"\\u0000"

# Reads the request body, refusing (BodyTooLarge) past the given number of bytes.
BodyReader = Callable[[int], Awaitable[bytes]]


class BodyTooLarge(PayloadTooLarge):
    def __init__(self, limit: int, *, seen: int) -> None:
        super().__init__(f"body exceeds the {limit}-byte limit", reason="body_too_large", limit=limit)
        self.seen = seen


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook request as the hub sees it (``headers`` with lower-cased names)."""

    project_id: str
    provider: str
    headers: Mapping[str, str]
    query_token: str | None
    read_body: BodyReader
    started: float  # time.perf_counter() when the request arrived
    source: str = ""  # client address (awooop.guard.client) for failed-credential throttling
    guard: CredentialGuard | None = None


@dataclass(slots=True)
class _Progress:
    project_known: bool = False
    body: bytes | None = None
    body_length: int = 0


def _declared_length(headers: Mapping[str, str]) -> int:
    declared = headers.get("content-length", "")
    return int(declared) if declared.isdigit() else 0


def decode_body(raw: bytes) -> Any:
    """Parse JSON (orjson); 400 naming why it is not JSON. Escaped NULs become U+FFFD."""
    try:
        body = orjson.loads(raw[3:] if raw.startswith(BOM) else raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise BadRequest(f"body is not valid UTF-8 (byte {bad.start})", reason="not_utf8") from None
        raise BadRequest(f"body is not JSON: {exc}", reason="not_json") from None
    # Only an escaped \u0000 can put NUL into parsed JSON, so clean bodies skip the walk.
    if ESCAPED_NUL in raw:
        body = replace_nul(body)
    return body


async def receive(hub: IntakeCommitter, delivery: Delivery) -> list[RecordedEvent]:
    """Authenticate, parse and store one delivery; the events once committed (202 material)."""
    progress = _Progress(body_length=_declared_length(delivery.headers))
    try:
        rows = await _admit(hub, delivery, progress)
    except DomainError as exc:
        if exc.status_code < 500:
            # A throttled flood keeps one row per window; every refusal is still counted.
            store = not isinstance(exc, TooManyRequests) or exc.first
            await _reject(hub, delivery.project_id, delivery.provider, exc, progress, store=store)
        raise
    if not rows:  # e.g. a Sentry installation hook or an ignored Telegram update type
        return []
    return await hub.submit(rows, delivery.started)


async def _admit(hub: IntakeCommitter, delivery: Delivery, progress: _Progress) -> list[Row]:
    project_id, provider = delivery.project_id, delivery.provider
    await hub.credentials.require(project_id)
    progress.project_known = True
    guard, scope = delivery.guard, intake_scope(project_id)
    if guard is not None:  # before the body is read: a throttled sender costs nothing more
        guard.refuse_if_throttled(scope, delivery.source, project_id)
    try:
        raw = await delivery.read_body(hub.settings.max_body_bytes)
    except BodyTooLarge as exc:
        progress.body_length = exc.seen
        raise
    progress.body = raw
    presented = Credentials(delivery.headers, delivery.query_token)
    try:
        await authenticate(hub.credentials, project_id, provider, raw, presented)
    except Unauthorized:
        if guard is not None:
            guard.failed(scope, delivery.source, project_id)
        raise
    body = decode_body(raw)
    try:
        items = parse_delivery(provider, body, delivery.headers)
    except PayloadSchemaError as exc:
        raise SchemaMismatch(f"{exc.field}: {exc.message}", field=exc.field, reason="schema_mismatch") from None
    return prepare_rows(project_id=project_id, provider=provider, items=items)


async def unknown_provider(
    hub: IntakeCommitter, project_id: str, provider: str, headers: Mapping[str, str]
) -> NotFound:
    """Record the rejection of a provider path that is not one of ours; returns the 404 to raise."""
    error = NotFound(
        f"unknown provider {provider!r}; known providers: {', '.join(PROVIDERS)}",
        reason="unknown_provider",
        providers=list(PROVIDERS),
    )
    await _reject(hub, project_id, provider, error, _Progress(body_length=_declared_length(headers)))
    return error


async def _reject(
    hub: IntakeCommitter, project_id: str, provider: str, exc: DomainError, progress: _Progress, *, store: bool = True
) -> None:
    rejection = Rejection(
        project_id=project_id,
        provider=provider,
        reason=str(exc.extra.get("reason") or exc.code),
        status_code=exc.status_code,
        detail=exc.detail,
        body=progress.body,
        body_length=progress.body_length,
    )
    await hub.rejections.record(rejection, project_known=progress.project_known, store=store)
