"""SQL for projects, keys and console sessions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Table, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.models import ApiKey, ConsoleSession, Project


async def get_project(session: AsyncSession, project_id: str) -> Project | None:
    return await session.get(Project, project_id)


async def list_projects(session: AsyncSession, project_ids: Sequence[str] | None = None) -> Sequence[Project]:
    stmt = select(Project).order_by(Project.id)
    if project_ids is not None:
        stmt = stmt.where(Project.id.in_(project_ids))
    return (await session.scalars(stmt)).all()


async def count_projects(session: AsyncSession) -> int:
    return len((await session.scalars(select(Project.id).limit(1))).all())


async def get_key(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def list_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.scalars(select(ApiKey).order_by(ApiKey.created_at))).all()


async def touch_key(session: AsyncSession, key_id: str, now: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


KEYS: Table = ApiKey.__table__  # type: ignore[assignment]
_TOUCH_KEY = (
    update(KEYS)
    .where(KEYS.c.id == bindparam("b_id"))
    .where(or_(KEYS.c.last_used_at.is_(None), KEYS.c.last_used_at < bindparam("b_at")))
    .values(last_used_at=bindparam("b_at"))
)


async def touch_keys(session: AsyncSession, uses: Mapping[str, datetime]) -> None:
    """Move ``last_used_at`` forward for many keys in one statement (ids in order: one lock order)."""
    params = [{"b_id": key_id, "b_at": uses[key_id]} for key_id in sorted(uses)]
    if params:
        await (await session.connection()).execute(_TOUCH_KEY, params)


async def get_console_session(session: AsyncSession, token_hash: str) -> ConsoleSession | None:
    return await session.get(ConsoleSession, token_hash)


async def delete_console_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))


async def delete_expired_console_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
