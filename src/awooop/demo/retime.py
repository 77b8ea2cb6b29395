"""DEMO ONLY: move the demo project's rows from load time to the virtual times of the demo week.

The demo is loaded through the real APIs in a few seconds, so every row carries a timestamp of
"now". Before each step the loader records a checkpoint (real time, virtual time); afterwards
``retime_demo_project`` maps every timestamp x of the demo project to ``v + (x - r)`` of the last
checkpoint (r, v) with r <= x. The mapping is monotonic, so the order of everything (events, run
transitions, incidents) is kept. It refuses any project other than ``demo``: production data is
never rewritten.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute

from awooop.core.clock import as_utc
from awooop.models import ChannelEvent, Incident, IntakeRejection, OutboxMessage, Run, RunTransition

DEMO_PROJECT = "demo"
Checkpoint = tuple[datetime, datetime]  # (real time, virtual time)


class Timeline:
    def __init__(self, checkpoints: Sequence[Checkpoint]) -> None:
        ordered = sorted(checkpoints)
        self._real = [as_utc(real) for real, _ in ordered]
        self._virtual = [as_utc(virtual) for _, virtual in ordered]

    def virtual(self, value: datetime | None) -> datetime | None:
        if value is None or not self._real:
            return value
        real = as_utc(value)
        index = max(bisect.bisect_right(self._real, real) - 1, 0)
        return self._virtual[index] + (real - self._real[index])


@dataclass(frozen=True, slots=True)
class _Table:
    model: type[DeclarativeBase]
    key: InstrumentedAttribute[Any]
    columns: tuple[InstrumentedAttribute[Any], ...]
    where: ColumnElement[bool]


def _demo_tables() -> list[_Table]:
    demo_runs = select(Run.id).where(Run.project_id == DEMO_PROJECT)
    return [
        _Table(ChannelEvent, ChannelEvent.id, (ChannelEvent.received_at,), ChannelEvent.project_id == DEMO_PROJECT),
        _Table(
            Run,
            Run.id,
            (Run.created_at, Run.updated_at, Run.started_at, Run.finished_at),
            Run.project_id == DEMO_PROJECT,
        ),
        _Table(RunTransition, RunTransition.id, (RunTransition.at,), RunTransition.run_id.in_(demo_runs)),
        _Table(Incident, Incident.seq, (Incident.opened_at, Incident.resolved_at), Incident.project_id == DEMO_PROJECT),
        _Table(
            OutboxMessage,
            OutboxMessage.id,
            (OutboxMessage.created_at, OutboxMessage.next_attempt_at),
            OutboxMessage.project_id == DEMO_PROJECT,
        ),
        _Table(
            IntakeRejection,
            IntakeRejection.id,
            (IntakeRejection.received_at,),
            IntakeRejection.project_id == DEMO_PROJECT,
        ),
    ]


async def retime_demo_project(session: AsyncSession, checkpoints: Sequence[Checkpoint]) -> int:
    """Rewrite the demo project's timestamps along ``checkpoints``; returns the rows touched."""
    timeline = Timeline(checkpoints)
    touched = 0
    for table in _demo_tables():
        rows = (await session.execute(select(table.key, *table.columns).where(table.where))).all()
        if not rows:
            continue
        updates = [
            {table.key.key: row[0], **{c.key: timeline.virtual(row[i + 1]) for i, c in enumerate(table.columns)}}
            for row in rows
        ]
        await session.execute(update(table.model), updates)
        touched += len(updates)
    return touched
