"""Rows of every kind retention handles, at chosen ages before a fixed "now" (the controlled clock)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from awooop.core.db import Database
from awooop.core.ids import uuid7
from awooop.models import (
    ChannelEvent,
    ConsoleSession,
    Incident,
    IntakeRejection,
    OutboxMessage,
    Run,
    RunTransition,
    WorkItemRecord,
)
from tests.fakes.events import alert

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def duplicate_of(original: ChannelEvent, *, received_at: datetime) -> ChannelEvent:
    event = alert(
        original.project_id,
        fingerprint=original.fingerprint,
        severity=original.severity,
        received_at=received_at,
        provider_event_id=original.provider_event_id,
    )
    event.is_duplicate = True
    event.duplicate_of = original.id
    return event


def rejection(project_id: str, received_at: datetime) -> IntakeRejection:
    return IntakeRejection(
        id=uuid7(),
        project_id=project_id,
        provider="alertmanager",
        reason="bad_token",
        status_code=401,
        body_length=10,
        received_at=received_at,
    )


def message(project_id: str, status: str, created_at: datetime) -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        project_id=project_id,
        kind="incident_opened",
        dedupe_key=f"test:{uuid.uuid4().hex}",
        payload={},
        status=status,
        attempts=1,
        next_attempt_at=created_at,
        created_at=created_at,
    )


def run(project_id: str, *, created_at: datetime, heartbeat: bool) -> tuple[Run, RunTransition]:
    run_id = uuid7()
    row = Run(
        id=run_id,
        project_id=project_id,
        state="completed",
        mode="shadow" if heartbeat else "live",
        agent_id="awooop-heartbeat" if heartbeat else "fixer",
        recurrence_key="fp:heartbeat" if heartbeat else "fp:live",
        created_at=created_at,
        updated_at=created_at,
        finished_at=created_at,
    )
    step = RunTransition(run_id=run_id, from_state="running", to_state="completed", actor="test", at=created_at)
    return row, step


def session_row(expires_at: datetime) -> ConsoleSession:
    return ConsoleSession(
        token_hash=uuid.uuid4().hex, key_id="k1", csrf_token="c", created_at=expires_at, expires_at=expires_at
    )


def incident(project_id: str, opened_at: datetime) -> Incident:
    return Incident(
        id=f"INC-{uuid.uuid4().hex[:6]}",
        project_id=project_id,
        status="resolved",
        title="old",
        severity="warning",
        recurrence_key="fp:old",
        firing_fingerprints=[],
        opened_at=opened_at,
        resolved_at=opened_at,
    )


def record(project_id: str, created_at: datetime) -> WorkItemRecord:
    return WorkItemRecord(
        id=uuid7(),
        project_id=project_id,
        work_item_id="wi_0000000000000000",
        recurrence_key="fp:old",
        kind="dry_run",
        mode="auto",
        resolved_mode="ticket",
        outcome="ready",
        operator_id="alice",
        auth_method="operator_key",
        body={},
        created_at=created_at,
    )


async def store(db: Database, rows: list[Any]) -> None:
    async with db.transaction() as session:
        session.add_all([row for row in rows if not isinstance(row, RunTransition)])
        await session.flush()
        session.add_all([row for row in rows if isinstance(row, RunTransition)])


async def count(db: Database, model: Any, *conditions: Any) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)
