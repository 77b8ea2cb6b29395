"""API keys: ``awk_<key id>_<secret>``. The id finds the row; the secret is checked against its hash."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import as_utc, utcnow
from awooop.core.security import hash_secret, secret_matches
from awooop.errors import BadRequest, NotFound
from awooop.models import ApiKey
from awooop.operators import repository
from awooop.operators.principal import ALL_PROJECTS, PROJECT_ID_RE, ROLES, Role

KEY_RE = re.compile(r"^awk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,128})$")
# Recording every use would turn each read into a write; once a minute is enough to answer "in use?".
LAST_USED_RESOLUTION = timedelta(minutes=1)


def parse_projects(spec: str | Sequence[str]) -> list[str]:
    items = [p.strip() for p in (spec.split(",") if isinstance(spec, str) else spec) if p.strip()]
    if not items:
        raise BadRequest("a key needs at least one project, or * for all")
    for item in items:
        if item != ALL_PROJECTS and not PROJECT_ID_RE.fullmatch(item):
            raise BadRequest(f"invalid project id {item!r} in key scope")
    return [ALL_PROJECTS] if ALL_PROJECTS in items else sorted(set(items))


def _validate_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise BadRequest(f"role must be one of {', '.join(ROLES)}, got {role!r}")


def format_key(key_id: str, secret: str) -> str:
    return f"awk_{key_id}_{secret}"


async def create_key(
    session: AsyncSession,
    *,
    operator_id: str,
    role: str = "operator",
    projects: str | Sequence[str] = ALL_PROJECTS,
    plaintext: str | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the key in clear (shown once, never stored)."""
    if not operator_id.strip():
        raise BadRequest("operator id must not be empty")
    if plaintext is not None:
        match = KEY_RE.fullmatch(plaintext)
        if match is None:
            raise BadRequest("a preset key must look like awk_<12 hex>_<20+ url-safe chars>")
        key_id, secret = match.group(1), match.group(2)
    else:
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey(
        id=key_id,
        operator_id=operator_id.strip(),
        role=_validate_role(role),
        projects=parse_projects(projects),
        secret_hash=hash_secret(secret),
        created_at=utcnow(),
    )
    session.add(key)
    await session.flush()
    return key, format_key(key_id, secret)


async def list_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return await repository.list_keys(session)


async def revoke_key(session: AsyncSession, key_id: str) -> ApiKey:
    key = await repository.get_key(session, key_id)
    if key is None:
        raise NotFound(f"key {key_id!r} not found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
    return key


async def authenticate(session: AsyncSession, presented: str, *, record_use: bool = True) -> ApiKey | None:
    """The active key matching ``presented``, or None. Constant-time on the secret part."""
    match = KEY_RE.fullmatch(presented.strip())
    if match is None:
        return None
    key = await repository.get_key(session, match.group(1))
    if key is None or key.revoked_at is not None:
        return None
    if not secret_matches(match.group(2), key.secret_hash):
        return None
    now = utcnow()
    if record_use and (key.last_used_at is None or now - as_utc(key.last_used_at) >= LAST_USED_RESOLUTION):
        await repository.touch_key(session, key.id, now)
    return key
