"""Operator-triggered provider heartbeats: a synthetic delivery in each provider's own webhook
format, parsed by the provider's real parser and recorded by the hub (stage ``heartbeat``).

Routing turns each heartbeat into one completed shadow run: no incident, no notification.
A heartbeat that fails for any provider fails the whole request, so the caller's transaction
rolls back and nothing of the request is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol

import orjson
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core.clock import utcnow
from awooop.core.db import is_unavailable_error
from awooop.errors import BadRequest, DomainError
from awooop.hub import service as hub_service
from awooop.hub.providers import ALERT_PROVIDERS, parse_delivery
from awooop.hub.providers.heartbeat import build_heartbeat_delivery
from awooop.operators.projects import require_project

log = logging.getLogger(__name__)


class HeartbeatActor(Protocol):
    """Who asked: an operator principal (API) or the local CLI user."""

    @property
    def operator_id(self) -> str: ...

    @property
    def auth_method(self) -> str: ...

    def require_project(self, project_id: str) -> str: ...


class HeartbeatNotRecorded(DomainError):
    """The seed's 500: the provider's heartbeat could not be parsed or stored."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "heartbeat_not_recorded"

    def __init__(self, provider: str) -> None:
        super().__init__(f"{provider} provider heartbeat was not recorded", provider=provider)


def _checked_providers(providers: Sequence[str]) -> list[str]:
    unknown = [name for name in providers if name not in ALERT_PROVIDERS]
    if unknown or not providers:
        raise BadRequest(
            f"providers must be one or more of {', '.join(ALERT_PROVIDERS)}; got {', '.join(unknown) or 'none'}"
        )
    return list(dict.fromkeys(providers))


async def _record_one(
    session: AsyncSession,
    provider: str,
    *,
    project_id: str,
    reason: str,
    run_ref: str | None,
    actor: HeartbeatActor,
    now: datetime,
) -> dict[str, Any]:
    body, headers = build_heartbeat_delivery(
        provider,
        project_id=project_id,
        reason=reason,
        run_ref=run_ref,
        operator_id=actor.operator_id,
        auth_method=actor.auth_method,
        now=now,
    )
    items = parse_delivery(provider, orjson.loads(body), headers)
    if not items:
        raise ValueError(f"the {provider} parser produced no item from its heartbeat")
    recorded = await hub_service.record_items(
        session, project_id=project_id, provider=provider, items=items, heartbeat=True, received_at=now
    )
    first = recorded[0]
    return {"provider": provider, "event_id": first.provider_event_id, "conversation_event_id": first.event_id}


async def record_provider_heartbeats(
    session: AsyncSession,
    *,
    project_id: str,
    providers: Sequence[str],
    reason: str,
    run_ref: str | None,
    operator: HeartbeatActor,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record one heartbeat per provider (403 outside the caller's scope, 404 unknown project)."""
    operator.require_project(project_id)
    await require_project(session, project_id)
    moment = now or utcnow()
    items = []
    for provider in _checked_providers(providers):
        try:
            items.append(
                await _record_one(
                    session, provider, project_id=project_id, reason=reason, run_ref=run_ref, actor=operator, now=moment
                )
            )
        except SQLAlchemyError as exc:
            if is_unavailable_error(exc):
                raise  # a busy or unreachable database answers 503 with Retry-After, not 500
            log.exception("heartbeat of %s for project %s was not stored", provider, project_id)
            raise HeartbeatNotRecorded(provider) from exc
        except Exception as exc:  # a broken parser may raise anything; report which provider
            log.exception("heartbeat of %s for project %s failed in parsing or envelope", provider, project_id)
            raise HeartbeatNotRecorded(provider) from exc
    return {"status": "recorded", "project_id": project_id, "items": items}
