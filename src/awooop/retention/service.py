"""Retention passes: compact, then delete expired rows in small committed batches, then give space back.

A pass is a job, not a request: it owns its transactions, one per batch (never one long transaction),
with a short pause between batches so intake's writes interleave. Every statement is served by an
index (tests/integration/test_retention_plans.py). ``dry_run`` counts instead of deleting and writes
nothing (no rollups either).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from awooop.config import Settings
from awooop.core import clock
from awooop.core.db import Database
from awooop.errors import NotFound
from awooop.retention import compaction, repository
from awooop.retention.metrics import LAST_PASS, OLDEST_EVENT_AGE, ROWS_PURGED
from awooop.retention.pacing import BatchSizer, Pacing
from awooop.retention.policy import (
    FIELD_NAMES,
    PROJECT_KINDS,
    TABLE_OF,
    Kind,
    RetentionDays,
    compaction_day,
    day_start,
    event_cutoff,
    row_cutoff,
)
from awooop.retention.retry import patiently

log = logging.getLogger(__name__)
EVENT_KINDS = ("duplicates", "raw_events")
VACUUM_PAGES_PER_STEP = 500  # 2 MB with 4 KiB pages: each step holds the write lock for milliseconds
VACUUM_PAUSE_SECONDS = 0.02


def defaults(settings: Settings) -> RetentionDays:
    return RetentionDays(
        raw_event_days=settings.retention_raw_event_days,
        duplicate_days=settings.retention_duplicate_days,
        rejection_days=settings.retention_rejection_days,
        notification_days=settings.retention_notification_days,
        heartbeat_run_days=settings.retention_heartbeat_run_days,
    )


@dataclass(slots=True)
class Purged:
    kind: Kind
    table: str
    project_id: str | None  # None: a sweep over every project (console sessions, unknown projects)
    cutoff: datetime
    rows: int


@dataclass(slots=True)
class ProjectCompaction:
    project_id: str
    compacted_before: date | None
    days: int
    rollups: int


@dataclass(slots=True)
class PassReport:
    started_at: datetime
    dry_run: bool
    purged: list[Purged] = field(default_factory=list)
    compaction: list[ProjectCompaction] = field(default_factory=list)
    sqlite_free_pages: int | None = None
    sqlite_auto_vacuum: int | None = None
    finished_at: datetime | None = None

    def total(self, kind: str | None = None) -> int:
        return sum(item.rows for item in self.purged if kind is None or item.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_pacing(db: Database, settings: Settings) -> Pacing:
    """PostgreSQL: fixed batches. SQLite: batches sized to hold the one write lock briefly (pacing.py)."""
    if db.is_sqlite:
        hold = settings.retention_sqlite_hold_ms / 1000
        return Pacing(settings.retention_sqlite_batch_rows, settings.retention_batch_pause_seconds, hold)
    return Pacing(settings.retention_batch_rows, settings.retention_batch_pause_seconds)


async def effective_policies(db: Database, settings: Settings) -> dict[str, RetentionDays]:
    """Every project's days (override or default), by project id."""
    base = defaults(settings)
    async with db.reader() as session:
        projects = await repository.list_project_ids(session)
        overrides = await repository.fetch_overrides(session)
    return {project: base.with_overrides(overrides.get(project, {})) for project in projects}


async def show(db: Database, settings: Settings) -> dict[str, Any]:
    """Defaults, overrides and each project's effective days; what is never deleted."""
    from awooop.retention.policy import KEPT_FOREVER  # noqa: PLC0415 - keeps the import list short

    async with db.reader() as session:
        overrides = await repository.fetch_overrides(session)
        auto_vacuum = await repository.sqlite_auto_vacuum(session)
    policies = await effective_policies(db, settings)
    return {
        "defaults": asdict(defaults(settings)),
        "projects": {
            project: {"effective": asdict(policy), "overrides": overrides.get(project, {})}
            for project, policy in policies.items()
        },
        "console_sessions": "deleted once expired",
        "kept_forever": list(KEPT_FOREVER),
        "sqlite_auto_vacuum": auto_vacuum,
    }


async def set_override(db: Database, project_id: str, values: dict[str, int | None]) -> None:
    unknown = set(values) - set(FIELD_NAMES)
    if unknown:
        raise ValueError(f"unknown retention fields: {', '.join(sorted(unknown))}")
    async with db.transaction() as session:
        await repository.upsert_override(session, project_id, values, clock.utcnow())


async def clear_override(db: Database, project_id: str) -> None:
    async with db.transaction() as session:
        await repository.delete_override(session, project_id)


async def _purge(
    db: Database,
    make: Callable[..., repository.Target],
    pacing: Pacing,
    *,
    dry_run: bool,
    stop: asyncio.Event | None,
) -> int:
    if dry_run:
        async with db.reader() as session:
            return await repository.count_expired(session, make(limit=pacing.batch_rows))
    total = 0
    sizer = BatchSizer(pacing)
    while stop is None or not stop.is_set():
        batch = make(limit=sizer.rows)

        async def _delete(batch: repository.Target = batch) -> tuple[int, float]:
            async with db.transaction() as session:
                await session.connection()  # SQLite: BEGIN IMMEDIATE, the write lock is ours from here
                started = time.perf_counter()
                deleted = await repository.delete_batch(session, batch)
                held = time.perf_counter() - started
            # The commit is left out: SQLite releases the lock first, then may run a WAL checkpoint in
            # the same call (no lock held, but it would count as a hold and shrink the batches to nothing).
            return deleted, held

        deleted, held = await patiently(_delete)
        total += deleted
        ROWS_PURGED.labels(batch.table.name, batch.kind).inc(deleted)
        if deleted < sizer.rows:
            break
        sizer.observe(deleted, held)
        await asyncio.sleep(sizer.pause_seconds)
    return total


def _cutoff(kind: Kind, policy: RetentionDays, now: datetime) -> datetime:
    days = policy.days(kind)
    return event_cutoff(now, days) if kind in EVENT_KINDS else row_cutoff(now, days)


async def _purge_project(
    db: Database,
    report: PassReport,
    project_id: str,
    policy: RetentionDays,
    pacing: Pacing,
    *,
    now: datetime,
    stop: asyncio.Event | None,
) -> None:
    marker: date | None = None
    if not report.dry_run:
        marker, days, rollups = await compaction.compact_project(
            db, project_id, through=compaction_day(now, policy), now=now, pause_seconds=pacing.pause_seconds
        )
        report.compaction.append(ProjectCompaction(project_id, marker, days, rollups))
    for kind in PROJECT_KINDS:
        cutoff = _cutoff(kind, policy, now)
        if marker is not None and kind in EVENT_KINDS:
            cutoff = min(cutoff, day_start(marker))  # never a day without its rollup
        if kind == "notifications":
            rows = 0
            for status in repository.FINISHED_NOTIFICATION_STATUSES:
                make = partial(repository.notification_target, project_id=project_id, status=status, cutoff=cutoff)
                rows += await _purge(db, make, pacing, dry_run=report.dry_run, stop=stop)
        else:
            make = partial(repository.target, kind, project_id=project_id, cutoff=cutoff)
            rows = await _purge(db, make, pacing, dry_run=report.dry_run, stop=stop)
        report.purged.append(Purged(kind, TABLE_OF[kind], project_id, cutoff, rows))


async def _sweeps(
    db: Database,
    report: PassReport,
    policies: dict[str, RetentionDays],
    base: RetentionDays,
    pacing: Pacing,
    *,
    now: datetime,
    stop: asyncio.Event | None,
) -> None:
    """Rows no project pass covers: rejections naming unknown project ids (kept as long as the longest
    rejection retention of any project, so the sweep needs no NOT IN) and expired console sessions."""
    longest = max([base.rejection_days, *(policy.rejection_days for policy in policies.values())])
    cutoff = row_cutoff(now, longest)
    make = partial(repository.target, "rejections", project_id=None, cutoff=cutoff)
    rows = await _purge(db, make, pacing, dry_run=report.dry_run, stop=stop)
    report.purged.append(Purged("rejections", TABLE_OF["rejections"], None, cutoff, rows))
    make = partial(repository.target, "console_sessions", project_id=None, cutoff=now)
    rows = await _purge(db, make, pacing, dry_run=report.dry_run, stop=stop)
    report.purged.append(Purged("console_sessions", TABLE_OF["console_sessions"], None, now, rows))


async def give_space_back(db: Database, stop: asyncio.Event | None = None, pacing: Pacing | None = None) -> int | None:
    """SQLite: ``PRAGMA incremental_vacuum`` in small steps, each its own write transaction, sized like
    the purge batches by the lock hold they aim at (pages instead of rows; moving a page updates its
    parents, so a step of 500 pages held the lock ~80 ms). A database created before
    auto_vacuum=INCREMENTAL keeps its free pages for reuse (no shrink) until one `awooop retention
    vacuum`. PostgreSQL: nothing to do here (autovacuum; docs/operations.md)."""
    if not db.is_sqlite:
        return None
    async with db.reader() as session:
        mode = await repository.sqlite_auto_vacuum(session)
    if mode != 2:  # 2 = INCREMENTAL
        return None
    base = pacing or Pacing(VACUUM_PAGES_PER_STEP, VACUUM_PAUSE_SECONDS)
    sizer = BatchSizer(Pacing(VACUUM_PAGES_PER_STEP, base.pause_seconds, base.hold_seconds))

    async def _step(pages: int) -> tuple[int, float]:
        async with db.write_engine.connect() as conn:
            started = time.perf_counter()
            await repository.sqlite_incremental_vacuum(conn, pages)
            held = time.perf_counter() - started
        async with db.reader() as session:
            return await repository.sqlite_free_pages(session), held

    async with db.reader() as session:
        left = await repository.sqlite_free_pages(session)
    while left > 0 and not (stop is not None and stop.is_set()):
        pages = sizer.rows
        after, held = await patiently(partial(_step, pages))
        sizer.observe(min(pages, left - after), held)
        left = after
        if left:
            await asyncio.sleep(sizer.pause_seconds)
    return left


async def refresh_oldest_event_gauge(db: Database, projects: list[str], now: datetime) -> None:
    async with db.reader() as session:
        for project_id in projects:
            oldest = await repository.oldest_event_at(session, project_id)
            OLDEST_EVENT_AGE.labels(project_id).set((now - oldest).total_seconds() if oldest else 0)


async def run_pass(
    db: Database,
    settings: Settings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    project_id: str | None = None,
    pacing: Pacing | None = None,
    stop: asyncio.Event | None = None,
    give_back: bool = True,
) -> PassReport:
    """One retention pass over every project (or one): compaction, batched deletes, vacuum (unless
    ``give_back`` is false: the benchmark times it apart), gauges."""
    moment = now or clock.utcnow()
    pace = pacing or default_pacing(db, settings)
    report = PassReport(started_at=moment, dry_run=dry_run)
    policies = await effective_policies(db, settings)
    if project_id is not None:
        if project_id not in policies:
            raise NotFound(f"unknown project {project_id}", project_id=project_id)
        selected = {project_id: policies[project_id]}
    else:
        selected = policies
    for project, policy in selected.items():
        if stop is not None and stop.is_set():
            break
        await _purge_project(db, report, project, policy, pace, now=moment, stop=stop)
    if project_id is None:
        await _sweeps(db, report, policies, defaults(settings), pace, now=moment, stop=stop)
    if not dry_run:
        if give_back:
            report.sqlite_free_pages = await give_space_back(db, stop, pace)
        await refresh_oldest_event_gauge(db, list(selected), clock.utcnow())
        LAST_PASS.set(clock.utcnow().timestamp())
    async with db.reader() as session:
        report.sqlite_auto_vacuum = await repository.sqlite_auto_vacuum(session)
    report.finished_at = clock.utcnow()
    log.info("retention pass%s: %d rows", " (dry run)" if dry_run else "", report.total())
    return report
