"""Turning presented credentials into a principal (no FastAPI here; deps.py wires it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from awooop.core.clock import as_utc, utcnow
from awooop.core.db import Database
from awooop.core.security import constant_time_equals, hash_secret, new_secret
from awooop.errors import Forbidden, Unauthorized
from awooop.models import ApiKey, ConsoleSession
from awooop.operators import keys, last_use, repository
from awooop.operators.principal import AuthMethod, AwoooPOperatorPrincipal, Role

SESSION_COOKIE = "awooop_session"


def principal_for(key: ApiKey, auth_method: AuthMethod) -> AwoooPOperatorPrincipal:
    role: Role = "admin" if key.role == "admin" else ("agent" if key.role == "agent" else "operator")
    return AwoooPOperatorPrincipal(
        operator_id=key.operator_id,
        auth_method=auth_method,
        role=role,
        projects=tuple(key.projects),
        key_id=key.id,
    )


async def authenticate_key(
    db: Database, presented: str, auth_method: AuthMethod, *, roles: Sequence[str]
) -> AwoooPOperatorPrincipal:
    async with db.reader() as session:
        key = await keys.authenticate(session, presented, record_use=False)
    if key is None:
        raise Unauthorized("invalid or revoked key")
    if key.role not in roles:
        raise Forbidden(f"a {key.role} key cannot call this route")
    last_use.note(db, key, utcnow())  # written later in a batch: a read stays read-only
    return principal_for(key, auth_method)


async def authenticate_session(db: Database, cookie: str, *, csrf_token: str | None) -> AwoooPOperatorPrincipal:
    """A console session; ``csrf_token`` is required (and checked) for unsafe methods."""
    async with db.reader() as session:
        row = await repository.get_console_session(session, hash_secret(cookie))
        key = await repository.get_key(session, row.key_id) if row is not None else None
    if row is None or key is None or key.revoked_at is not None or as_utc(row.expires_at) <= utcnow():
        raise Unauthorized("console session expired; sign in again")
    if csrf_token is not None and not constant_time_equals(csrf_token, row.csrf_token):
        raise Forbidden("missing or wrong CSRF token")
    if key.role not in ("operator", "admin"):
        raise Forbidden(f"a {key.role} key cannot use the console")
    return principal_for(key, "session")


async def open_console_session(db: Database, presented_key: str, ttl_seconds: int) -> tuple[str, str, ApiKey]:
    """Sign in with an operator key: returns (session cookie value, csrf token, key)."""
    async with db.transaction() as session:
        key = await keys.authenticate(session, presented_key)
        if key is None:
            raise Unauthorized("invalid or revoked key")
        if key.role not in ("operator", "admin"):
            raise Forbidden(f"a {key.role} key cannot use the console")
        token, csrf = new_secret("cs_", 32), new_secret("", 24)
        now = utcnow()
        # Sign-ins are rare and cheap to piggyback on: expired sessions never pile up.
        await repository.delete_expired_console_sessions(session, now)
        session.add(
            ConsoleSession(
                token_hash=hash_secret(token),
                key_id=key.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + timedelta(seconds=ttl_seconds),
            )
        )
    return token, csrf, key


async def close_console_session(db: Database, cookie: str) -> None:
    async with db.transaction() as session:
        await repository.delete_console_session(session, hash_secret(cookie))


async def console_csrf_token(db: Database, cookie: str) -> str | None:
    async with db.reader() as session:
        row = await repository.get_console_session(session, hash_secret(cookie))
    return row.csrf_token if row is not None else None
