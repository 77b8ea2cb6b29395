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
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
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

from awooop.config import Settings
from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.retention import service
from awooop.retention.service import Pacing

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
        return int(await session.scalar(text("PRAGMA freelist_count")) or 0)


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


async def sender(client: httpx.AsyncClient, url: str, rate: float, phase: Phase, until: asyncio.Event) -> None:
    bodies = Bodies(1)
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
    base = f"http://127.0.0.1:{port}"
    hub = f"{base}/api/v1/hub/{PROJECT}/alertmanager"
    try:
        async with httpx.AsyncClient(
            transport=LoopbackTransport(), headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client:
            await wait_ready(client, base, server)
            first = await client.post(hub, content=Bodies(1).next())
            assert first.status_code == 202, first.text
            seconds, per_event = await seed(db, args.events)
            print(f"seeded {args.events} events in {seconds:.0f} s; {per_event:.0f} bytes per stored event")
            size_before = await file_bytes(db)

            idle = Phase("idle")
            await sender(client, hub, args.rate, idle, await timed(args.seconds))
            during = Phase("during purge")
            until = asyncio.Event()
            settings = Settings(database_url=url, data_dir=workdir)
            batch = args.batch or (
                settings.retention_sqlite_batch_rows if db.is_sqlite else settings.retention_batch_rows
            )
            pacing = Pacing(batch, args.pause)
            load = asyncio.create_task(sender(client, hub, args.rate, during, until))
            started = time.perf_counter()
            try:
                report = await service.run_pass(
                    db, settings, now=utcnow() + timedelta(seconds=1), pacing=pacing, give_back=False
                )
            finally:
                purge_seconds = time.perf_counter() - started
                until.set()
                await load
            print(idle.report())
            print(during.report())
            print(f"p99 during purge / idle p99 = {during.percentile(0.99) / idle.percentile(0.99):.2f}")
            vacuuming = Phase("during vacuum")
            until, stop = asyncio.Event(), asyncio.Event()
            asyncio.get_running_loop().call_later(args.vacuum_seconds, stop.set)
            load = asyncio.create_task(sender(client, hub, args.rate, vacuuming, until))
            pages_before = await free_pages(db)
            vacuum_started = time.perf_counter()
            try:
                left = await service.give_space_back(db, stop)
            finally:
                vacuum_seconds = time.perf_counter() - vacuum_started
                until.set()
                await load
    finally:
        stop_server(server)
    size_after = await file_bytes(db)
    await db.dispose()
    if pg_name:
        await drop_database(pg_name)
    shutil.rmtree(workdir, ignore_errors=True)
    purged = report.total("raw_events") + report.total("duplicates")
    if left is not None:
        print(vacuuming.report())
        print(
            f"vacuum: {pages_before - left} of {pages_before} free pages given back in {vacuum_seconds:.0f} s "
            f"(capped at {args.vacuum_seconds:.0f} s)"
        )
    print(
        f"purged {purged} events in {purge_seconds:.0f} s ({purged / purge_seconds:.0f}/s, "
        f"batches of {pacing.batch_rows}, pause {args.pause * 1000:.0f} ms); "
        f"compacted {sum(c.days for c in report.compaction)} days "
        f"into {sum(c.rollups for c in report.compaction)} rollups"
    )
    print(f"database {size_before / 1e6:.0f} MB before the purge, {size_after / 1e6:.0f} MB after")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=100.0, help="deliveries per second, one alert each")
    parser.add_argument("--seconds", type=float, default=20.0, help="idle phase")
    parser.add_argument("--batch", type=int, help="rows per delete (default: the setting of the engine)")
    parser.add_argument("--vacuum-seconds", type=float, default=60.0, help="cap of the SQLite vacuum phase")
    parser.add_argument("--pause", type=float, default=Settings().retention_batch_pause_seconds)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
