"""FastAPI dependencies shared by every router: settings, database sessions, principals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.config import Settings
from awooop.core.db import Database
from awooop.errors import Unauthorized
from awooop.guard.credentials import KEYS, CredentialGuard
from awooop.operators.auth import SESSION_COOKIE, authenticate_key, authenticate_session
from awooop.operators.keys import KEY_RE
from awooop.operators.principal import AuthMethod, AwoooPOperatorPrincipal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def refuse_nul_characters(request: Request) -> None:
    """422 naming the parameter for a NUL in the path, query or form: PostgreSQL text cannot hold it, and
    an id or filter with one can match nothing, so it must not reach the database as a 500."""
    fields: list[tuple[str, str, object]] = [("path", k, v) for k, v in request.path_params.items()]
    fields += [("query", k, v) for k, v in request.query_params.multi_items()]
    if request.method not in SAFE_METHODS and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        fields += [("body", k, v) for k, v in (await request.form()).multi_items()]
    for location, name, value in fields:
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            message = "must not contain NUL (\\x00) characters"
            raise RequestValidationError([{"loc": (location, name), "msg": message, "type": "value_error"}])


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]


async def _write_session(db: DatabaseDep) -> AsyncIterator[AsyncSession]:
    """The request owns the transaction; it commits before the response is sent (scope=function)."""
    async with db.writer() as session, session.begin():
        yield session


async def _read_session(db: DatabaseDep) -> AsyncIterator[AsyncSession]:
    async with db.reader() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(_write_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]


async def _guarded_key(
    request: Request, db: Database, presented: str, method: AuthMethod, roles: tuple[str, ...]
) -> AwoooPOperatorPrincipal:
    """A key check behind the failed-credential throttle (per address and per key id)."""
    guard: CredentialGuard = request.app.state.guard
    match = KEY_RE.fullmatch(presented.strip())
    return await guard.check(
        KEYS,
        guard.address(request.scope),
        match.group(1) if match else None,
        lambda: authenticate_key(db, presented, method, roles=roles),
    )


async def verify_awooop_operator(
    request: Request,
    db: DatabaseDep,
    x_awooop_operator_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> AwoooPOperatorPrincipal:
    """Operator principal from the key header, a bearer token or the console session cookie."""
    if x_awooop_operator_key:
        return await _guarded_key(request, db, x_awooop_operator_key, "operator_key", ("operator", "admin"))
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization must be 'Bearer <operator key>'")
        return await _guarded_key(request, db, token.strip(), "bearer", ("operator", "admin"))
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        csrf = None if request.method in SAFE_METHODS else request.headers.get("x-csrf-token", "")
        return await authenticate_session(db, cookie, csrf_token=csrf)
    raise Unauthorized("operator credentials required: X-AwoooP-Operator-Key header or Authorization: Bearer")


async def verify_agent(
    request: Request,
    db: DatabaseDep,
    x_awooop_agent_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> AwoooPOperatorPrincipal:
    """Agents present an agent key (X-AwoooP-Agent-Key or Bearer); admins may act as agents."""
    if x_awooop_agent_key:
        return await _guarded_key(request, db, x_awooop_agent_key, "agent_key", ("agent", "admin"))
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await _guarded_key(request, db, token.strip(), "bearer", ("agent", "admin"))
    raise Unauthorized("agent credentials required: X-AwoooP-Agent-Key header or Authorization: Bearer")


OperatorDep = Annotated[AwoooPOperatorPrincipal, Depends(verify_awooop_operator)]
AgentDep = Annotated[AwoooPOperatorPrincipal, Depends(verify_agent)]
