"""Console sessions: an expired session is refused and purged at the next sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.errors import Unauthorized
from awooop.models import ConsoleSession
from awooop.operators.auth import authenticate_session, open_console_session
from tests.factories import Factory


async def test_expired_sessions_are_refused_and_purged_at_the_next_sign_in(
    clean_db: Database, factory: Factory
) -> None:
    key = await factory.key()
    old_cookie, _, _ = await open_console_session(clean_db, key, ttl_seconds=3600)
    async with clean_db.transaction() as session:
        await session.execute(update(ConsoleSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(Unauthorized):
        await authenticate_session(clean_db, old_cookie, csrf_token=None)

    new_cookie, csrf, _ = await open_console_session(clean_db, key, ttl_seconds=3600)
    async with clean_db.reader() as session:
        rows = (await session.scalars(select(ConsoleSession))).all()
    assert len(rows) == 1
    principal = await authenticate_session(clean_db, new_cookie, csrf_token=csrf)
    assert principal.auth_method == "session"
