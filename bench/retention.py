"""Retention benchmark (not a test): intake latency while a pass purges a million expired events.

    .venv/bin/python bench/retention.py --db postgresql
    .venv/bin/python bench/retention.py --db sqlite --events 200000

1. A fresh migrated database (bench/ingest.py's helpers) and the real service in a subprocess.
2. One real Alertmanager alert goes through intake; its stored row is copied ``--events`` times by
   one INSERT … SELECT, spread over 30 expired days (one in five a duplicate, 2,000 recurrence keys).
   The size before and after gives the bytes each stored event takes (table, indexes, TOAST).
3. Idle: an open-loop sender posts single-alert deliveries at ``--rate`` per second for ``--seconds``.
4. Purge: the same sender, while ``retention.service.run_pass`` (this process, its own connections)
   compacts and deletes every expired event in batches. p99 during the purge vs idle is the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from ingest import (
    PROJECT,
    TOKEN,
    Bodies,
    LoopbackTransport,
    Phase,
    _send,
    drop_database,
    free_port,
    prepare_database,
    start_server,
    stop_server,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.config import Settings
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.retention import repository, service
from awooop.retention.pacing import Pacing

MAX_IN_FLIGHT = 256
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

_COLUMNS = (
    "channel_type, provider, stage, channel_chat_id, content_preview, content_redacted, has_redacted_content, "
    "redaction_version, source_url, content_sha256, content_length, has_source_envelope, source_refs, "
    "source_ref_count, log_correlation, labels, alertname, severity, namespace, target_resource, fingerprint, "
    "run_id, incident_id, provider_ts"
)
# One template row copied N times: new id, provider_event_id, key and time; every fifth a duplicate.
_COPY = {
    "postgresql": f"""
INSERT INTO channel_events (id, project_id, provider_event_id, recurrence_key, is_duplicate, duplicate_of,
    received_at, {_COLUMNS})
SELECT gen_random_uuid(), t.project_id, 'seed-' || n, 'fp:seed' || (n % 2000), n % 5 = 0,
       CASE WHEN n % 5 = 0 THEN t.id END, now() - interval '31 days' - (n * interval '1 second') * :spread,
       {", ".join("t." + c.strip() for c in _COLUMNS.split(","))}
FROM generate_series(1, :rows) AS n, (SELECT * FROM channel_events LIMIT 1) AS t
""",  # noqa: S608 - our own column names
    "sqlite": f"""
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :rows)
INSERT INTO channel_events (id, project_id, provider_event_id, recurrence_key, is_duplicate, duplicate_of,
    received_at, {_COLUMNS})
SELECT lower(hex(randomblob(16))), t.project_id, 'seed-' || n, 'fp:seed' || (n % 2000), n % 5 = 0,
       CASE WHEN n % 5 = 0 THEN t.id END,
       strftime('%Y-%m-%d %H:%M:%f', 'now', '-31 days', '-' || CAST(n * :spread AS INTEGER) || ' seconds'),
       {", ".join("t." + c.strip() for c in _COLUMNS.split(","))}
FROM s, (SELECT * FROM channel_events LIMIT 1) AS t
""",  # noqa: S608 - our own column names
}


async def database_bytes(db: Database) -> int:
    async with db.reader() as session:
        if db.is_sqlite:
            pages = await session.scalar(text("PRAGMA page_count"))
            size = await session.scalar(text("PRAGMA page_size"))
            free = await session.scalar(text("PRAGMA freelist_count"))
            return int((pages - free) * size)
        return int(await session.scalar(text("SELECT pg_total_relation_size('channel_events')")) or 0)


async def file_bytes(db: Database) -> int:
    async with db.reader() as session:
        if db.is_sqlite:
            pages = await session.scalar(text("PRAGMA page_count"))
            return int(pages * (await session.scalar(text("PRAGMA page_size"))))
        return int(await session.scalar(text("SELECT pg_database_size(current_database())")) or 0)


async def free_pages(db: Database) -> int:
    if not db.is_sqlite:
        return 0
    async with db.reader() as session:
        return await repository.sqlite_free_pages(session)


async def seed(db: Database, rows: int) -> tuple[float, float]:
    """Copies of the one real row; returns (seconds, bytes per stored event)."""
    before = await database_bytes(db)
    started = time.perf_counter()
    spread = 30 * 86400 / rows  # 30 days of events
    kind = "sqlite" if db.is_sqlite else "postgresql"
    async with db.transaction() as session:
        await session.execute(text(_COPY[kind]), {"rows": rows, "spread": spread})
    async with db.write_engine.connect() as conn:
        if db.is_sqlite:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        else:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE channel_events"))
    seconds = time.perf_counter() - started
    return seconds, (await database_bytes(db) - before) / rows


async def sender(
    client: httpx.AsyncClient, url: str, rate: float, phase: Phase, until: asyncio.Event, *, bodies: Bodies
) -> None:
    """Open loop at ``rate``; ``bodies`` is shared by the phases, so every alert of every phase is new
    (a phase of its own would repeat the previous phase's alerts: duplicates, a lighter path)."""
    interval = 1.0 / rate
    tasks: set[asyncio.Task[None]] = set()
    started = time.perf_counter()
    index = 0
    while not until.is_set():
        delay = started + index * interval - time.perf_counter()
        index += 1
        await asyncio.sleep(max(delay, 0))  # always yield: a late sender must not starve the loop
        if len(tasks) >= MAX_IN_FLIGHT:  # the server is not keeping up: count it, do not pile up
            phase.errors += 1
            continue
        task = asyncio.create_task(_send(client, url, bodies, phase))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    phase.elapsed = time.perf_counter() - started


async def wait_ready(client: httpx.AsyncClient, base: str, server: subprocess.Popen[bytes]) -> None:
    """Like ingest's, with more patience: a loaded machine takes longer to import the app."""
    for _ in range(1200):
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return
        await asyncio.sleep(0.05)
    raise SystemExit("server did not become ready within 60 s")


def _purge_in_child(url: str, workdir: str, pacing: Pacing, now: datetime) -> dict[str, float]:
    """One retention pass in a process of its own (as the worker of another node or a cron job
    runs it): its Python work must not delay the load generator's event loop, which would show
    as intake latency that the server never had."""

    holds: list[float] = []
    plain = Database.transaction

    @contextlib.asynccontextmanager
    async def timed_transaction(self: Database) -> AsyncIterator[AsyncSession]:
        """The pass's write transactions, timed from the first statement (the lock taken) to the end."""
        async with plain(self) as session:
            await session.connection()
            started = time.perf_counter()
            yield session
        holds.append(time.perf_counter() - started)

    Database.transaction = timed_transaction  # type: ignore[method-assign,assignment]

    async def _run() -> dict[str, float]:
        db = Database.connect(url, pool_size=2)
        try:
            settings = Settings(database_url=url, data_dir=Path(workdir))
            report = await service.run_pass(db, settings, now=now, pacing=pacing, give_back=False)
        finally:
            await db.dispose()
        return {
            "purged": report.total("raw_events") + report.total("duplicates"),
            "days": sum(c.days for c in report.compaction),
            "rollups": sum(c.rollups for c in report.compaction),
            "transactions": len(holds),
            "hold_p50": _percentile(holds, 0.5),
            "hold_p99": _percentile(holds, 0.99),
            "hold_max": max(holds, default=0.0),
            "hold_share": sum(holds),
        }

    return asyncio.run(_run())


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def _vacuum_in_child(url: str, seconds: float, pacing: Pacing) -> int | None:
    async def _run() -> int | None:
        db = Database.connect(url, pool_size=2)
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        try:
            return await service.give_space_back(db, stop, pacing)
        finally:
            await db.dispose()

    return asyncio.run(_run())


async def timed(seconds: float) -> asyncio.Event:
    done = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, done.set)
    return done


async def run(args: argparse.Namespace) -> None:
    print(f"{args.db}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {args.events} expired events")
    workdir = Path(tempfile.mkdtemp(prefix="awooop-retention-bench-"))
    url, pg_name = await prepare_database(args.db, workdir)
    port = free_port()
    server = start_server(
        url, workdir, port, argparse.Namespace(no_routing=False, app="awooop.app:create_app", workers=1, profile=None)
    )
    db = Database.connect(url, pool_size=2)
    # The pass and the vacuum run in a process of their own (_purge_in_child).
    child = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    base = f"http://127.0.0.1:{port}"
    hub = f"{base}/api/v1/hub/{PROJECT}/alertmanager"
    try:
        async with httpx.AsyncClient(
            transport=LoopbackTransport(), headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client:
            await wait_ready(client, base, server)
            bodies = Bodies(1)
            first = await client.post(hub, content=bodies.next())
            assert first.status_code == 202, first.text
            seconds, per_event = await seed(db, args.events)
            print(f"seeded {args.events} events in {seconds:.0f} s; {per_event:.0f} bytes per stored event")
            size_before = await file_bytes(db)

            await asyncio.get_running_loop().run_in_executor(child, os.getpid)  # started before the clock runs
            idle = Phase("idle")
            await sender(client, hub, args.rate, idle, await timed(args.seconds), bodies=bodies)
            during = Phase("during purge")
            until = asyncio.Event()
            settings = Settings(database_url=url, data_dir=workdir)
            pacing = service.default_pacing(db, settings)
            if args.batch:  # fixed batches of this size, for comparison
                pacing = Pacing(args.batch, pacing.pause_seconds)
            if args.pause is not None:
                pacing = dataclasses.replace(pacing, pause_seconds=args.pause)
            if args.hold_ms is not None:
                pacing = dataclasses.replace(pacing, hold_seconds=args.hold_ms / 1000)
            load = asyncio.create_task(sender(client, hub, args.rate, during, until, bodies=bodies))
            started = time.perf_counter()
            loop = asyncio.get_running_loop()
            try:
                report = await loop.run_in_executor(
                    child,
                    _purge_in_child,
                    url,
                    str(workdir),
                    pacing,
                    utcnow() + timedelta(seconds=1),
                )
            finally:
                purge_seconds = time.perf_counter() - started
                until.set()
                await load
            print(idle.report())
            print(during.report())
            print(f"p99 during purge / idle p99 = {during.percentile(0.99) / idle.percentile(0.99):.2f}")
            vacuuming = Phase("during vacuum")
            until = asyncio.Event()
            load = asyncio.create_task(sender(client, hub, args.rate, vacuuming, until, bodies=bodies))
            pages_before = await free_pages(db)
            vacuum_started = time.perf_counter()
            try:
                left = await loop.run_in_executor(child, _vacuum_in_child, url, args.vacuum_seconds, pacing)
            finally:
                vacuum_seconds = time.perf_counter() - vacuum_started
                until.set()
                await load
    finally:
        stop_server(server)
        child.shutdown()
    size_after = await file_bytes(db)
    await db.dispose()
    if pg_name:
        await drop_database(pg_name)
    shutil.rmtree(workdir, ignore_errors=True)
    purged = report["purged"]
    if left is not None:
        print(vacuuming.report())
        print(
            f"vacuum: {pages_before - left} of {pages_before} free pages given back in {vacuum_seconds:.0f} s "
            f"(capped at {args.vacuum_seconds:.0f} s)"
        )
    print(
        f"purged {purged} events in {purge_seconds:.0f} s ({purged / purge_seconds:.0f}/s, "
        f"batches of at most {pacing.batch_rows}, pause {pacing.pause_seconds * 1000:.0f} ms, "
        f"hold target {'none' if pacing.hold_seconds is None else f'{pacing.hold_seconds * 1000:.0f} ms'}); "
        f"compacted {report['days']} days into {report['rollups']} rollups"
    )
    print(
        f"the pass's {report['transactions']:.0f} write transactions held the database "
        f"p50 {report['hold_p50'] * 1000:.1f} ms, p99 {report['hold_p99'] * 1000:.1f} ms, "
        f"max {report['hold_max'] * 1000:.1f} ms; {report['hold_share'] / purge_seconds:.0%} of the pass"
    )
    print(f"database {size_before / 1e6:.0f} MB before the purge, {size_after / 1e6:.0f} MB after")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=100.0, help="deliveries per second, one alert each")
    parser.add_argument("--seconds", type=float, default=20.0, help="idle phase")
    parser.add_argument("--batch", type=int, help="fixed batches of this many rows (default: the engine's pacing)")
    parser.add_argument("--hold-ms", type=float, help="SQLite: the write-lock hold a batch aims at")
    parser.add_argument("--vacuum-seconds", type=float, default=60.0, help="cap of the SQLite vacuum phase")
    parser.add_argument("--pause", type=float, help="least pause after a batch (default: the setting)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
