"""Test data for the Channel Events API, built through the real intake path: each provider's
parser and the hub's ``record_items`` (envelope, redaction, dedup, routing). Only legacy rows
(imported without an envelope) and run links are written directly: no intake path makes them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from awooop.core.db import Database
from awooop.core.ids import uuid7
from awooop.hub.providers import parse_delivery
from awooop.hub.service import RecordedEvent, record_items
from awooop.models import ChannelEvent, Run

NOW = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)


def minutes_ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def am_alert(
    alertname: str,
    *,
    fingerprint: str,
    status: str = "firing",
    starts_at: str = "2026-08-20T09:41:07Z",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    generator_url: str = "http://prometheus:9090/graph?g0.expr=up",
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": alertname, "severity": "critical", "namespace": "payments", **(labels or {})},
        "annotations": {"summary": f"{alertname} fired", **(annotations or {})},
        "startsAt": starts_at,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": generator_url,
        "fingerprint": fingerprint,
    }


def am_body(*alerts: dict[str, Any], external_url: str = "http://alertmanager:9093") -> dict[str, Any]:
    return {
        "receiver": "awooop",
        "status": "firing",
        "alerts": list(alerts),
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": external_url,
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
    }


def generic_body(event_id: str, *, title: str = "Disk almost full", **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "title": title, "status": "firing", **fields}


def telegram_body(update_id: int, text: str = "/ack 4821") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "chat": {"id": -1001, "type": "group", "title": "oncall"},
            "from": {"id": 7, "is_bot": False, "first_name": "Ann"},
            "date": 1787221812,
            "text": text,
        },
    }


async def record(
    db: Database,
    project_id: str,
    provider: str,
    body: Any,
    *,
    headers: dict[str, str] | None = None,
    received_at: datetime | None = None,
) -> list[RecordedEvent]:
    """One delivery through the provider's parser and the hub, committed."""
    items = parse_delivery(provider, body, headers or {})
    async with db.transaction() as session:
        return await record_items(
            session, project_id=project_id, provider=provider, items=items, received_at=received_at or NOW
        )


async def insert_legacy(
    db: Database, project_id: str, provider_event_id: str, *, received_at: datetime, provider: str | None = None
) -> uuid.UUID:
    """An event imported from the old mirror: no source envelope, no refs."""
    event_id = uuid7()
    async with db.transaction() as session:
        session.add(
            ChannelEvent(
                id=event_id,
                project_id=project_id,
                channel_type="alert",
                provider=provider,
                stage="firing",
                provider_event_id=provider_event_id,
                content_preview="[firing] imported",
                has_redacted_content=False,
                has_source_envelope=False,
                source_refs={},
                source_ref_count=0,
                log_correlation={},
                labels={},
                is_duplicate=False,
                received_at=received_at,
            )
        )
    return event_id


async def link_to_run(db: Database, event_ids: list[uuid.UUID], run_id: uuid.UUID, project_id: str = "acme") -> None:
    """What routing does when an event joins a run (channel_events.run_id, a foreign key: the run
    is created first when it does not exist yet)."""
    async with db.transaction() as session:
        if await session.get(Run, run_id) is None:
            session.add(
                Run(
                    id=run_id,
                    project_id=project_id,
                    state="queued",
                    mode="live",
                    agent_id="k8s-remediator",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            await session.flush()
        await session.execute(update(ChannelEvent).where(ChannelEvent.id.in_(event_ids)).values(run_id=run_id))
