"""Import benchmark (not a test): `awooop import --from alerta` of Alerta-shaped history records.

    .venv/bin/python bench/import.py --db postgresql --records 200000
    .venv/bin/python bench/import.py --db sqlite --records 200000
    .venv/bin/python bench/import.py --stages --records 50000     # CPU budget of the conversion

Writes a synthetic ``GET /alerts/history`` answer (Prometheus-origin entries as Alerta 9 stores
them: tags, attributes with links and trace ids, text; ~1 KB each; 2,000 distinct alerts firing
and closing), creates a fresh migrated database, and times the import job in-process (streaming
read, parse, envelope and redaction, batched inserts, one commit per batch), then a second run of
the same file (every record skipped); with the wall time of the inserts and the CPU per record of
this process and of the converting process (``--in-process``: convert in a thread instead).
Target (issue 19): ≥ 20,000 records/s on PostgreSQL and ≥ 10,000 on SQLite. Figures are reported in docs/import.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from awooop.core import migrate
from awooop.core.db import Database
from awooop.imports import service
from awooop.imports.convert import record_row
from awooop.imports.encode import SqliteEncoder, pg_records, sqlite_dialect
from awooop.imports.formats import FORMATS
from awooop.imports.job import BATCH_SIZE, Source, records_of, run_import
from awooop.imports.reader import CountingReader
from awooop.imports.records import ImportedRecord
from awooop.operators import projects

PG_ADMIN_DSN = os.environ.get("AWOOOP_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PROJECT = "bench"
ALERTS = 2000
GRAPH = "http://prometheus-k8s-0:9090/graph?g0.expr=up%7Bjob%3D%22node%22%7D"


def entry(index: int, rng: random.Random, start: datetime) -> dict[str, object]:
    alert = rng.randrange(ALERTS)
    node = f"10.42.{alert // 250}.{alert % 250}:9100"
    closed = rng.random() < 0.45
    at = start + timedelta(seconds=index * 3)
    return {
        "attributes": {
            "externalUrl": "http://alertmanager.monitoring.svc:9093",
            "moreInfo": f'<a href="{GRAPH}" target="_blank">Prometheus Graph</a>',
            "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/general/targetdown",
            "startsAt": at.isoformat().replace("+00:00", "Z"),
            "trace_id": f"{rng.getrandbits(128):032x}",
        },
        "customer": None,
        "environment": "Production",
        "event": ("TargetDown", "KubePodCrashLooping", "HighErrorRate", "DiskPressure")[alert % 4],
        "group": "node-exporter",
        "href": f"http://alerta.example.org:8080/alert/{uuid.UUID(int=rng.getrandbits(128))}",
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "origin": "prometheus/-",
        "resource": node,
        "service": ["node"],
        "severity": "normal" if closed else ("critical", "major", "warning")[alert % 3],
        "status": "closed" if closed else "open",
        "tags": ["cluster=prod-eu-1", f"namespace=ns-{alert % 40}", f"pod=app-{alert}-7d9f8b6c5-x2kqz"],
        "text": f"node-exporter target {node} has been down for more than 10 minutes (user ops@example.com).",
        "timeout": 86400,
        "type": "status" if closed else "new",
        "updateTime": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user": "admin@alerta.local",
    }


def write_answer(path: Path, records: int) -> None:
    rng = random.Random(19)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("wb") as out:
        out.write(b'{"status": "ok", "total": %d, "history": [' % records)
        for index in range(records):
            if index:
                out.write(b",")
            out.write(orjson.dumps(entry(index, rng, start)))
        out.write(b"]}")


async def prepare(kind: str, workdir: Path) -> tuple[str, str | None]:
    pg_name = None
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    else:
        pg_name = f"awooop_bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        try:
            await admin.execute(f'CREATE DATABASE "{pg_name}"')
        finally:
            await admin.close()
        url = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{pg_name}"
    await migrate.upgrade_async(url)
    db = Database.connect(url, pool_size=1)
    try:
        async with db.transaction() as session:
            await projects.create_project(session, PROJECT)
    finally:
        await db.dispose()
    return url, pg_name


class StoreClock:
    """Wall time spent in the job's batch inserts (the rest of the run is waiting for batches)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.original = service.store_rows

    async def __call__(self, session: Any, records: Any) -> int:
        started = time.perf_counter()
        try:
            return await self.original(session, records)
        finally:
            self.seconds += time.perf_counter() - started


async def timed_import(
    url: str, path: Path, batch: int, in_process: bool | None, converters: int | None
) -> tuple[float, str]:
    db = Database.connect(url, pool_size=2)
    clock = StoreClock()
    setattr(service, "store_rows", clock)  # noqa: B010 - timing the inserts from outside
    cpu = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        with path.open("rb") as raw:
            source = Source(path.name, CountingReader(raw), path.stat().st_size)
            started = time.perf_counter()
            summary = await run_import(
                db,
                project_id=PROJECT,
                fmt=FORMATS["alerta"],
                sources=[source],
                batch_size=batch,
                in_process=in_process,
                converters=converters,
            )
            elapsed = time.perf_counter() - started
    finally:
        setattr(service, "store_rows", clock.original)  # noqa: B010
        await db.dispose()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu[0].ru_utime
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu[1].ru_utime
    per = 1e6 / max(summary.read, 1)
    line = (
        f"{summary.read:,} records in {elapsed:.2f} s = {summary.read / elapsed:,.0f} records/s "
        f"(imported {summary.imported:,}, skipped {summary.skipped:,}, refused {summary.refused})\n"
        f"    inserts {clock.seconds:.2f} s wall = {summary.events / max(clock.seconds, 1e-9):,.0f} rows/s; "
        f"CPU µs/record: this process {own * per:.0f}, converting processes {child * per:.0f}"
    )
    return elapsed, line


def stage_budget(path: Path, records: int) -> None:
    """CPU per record of each conversion stage, streaming as the job does (no database): each
    stage is timed with the ones before it, the differences are the stages' own costs."""
    fmt = FORMATS["alerta"]
    dialect = sqlite_dialect()

    def read() -> Iterator[Any]:
        with path.open("rb") as raw:
            for _, record in records_of(fmt, CountingReader(raw)):
                yield record

    def parse() -> Iterator[Any]:
        for record in read():
            yield from (p for p in fmt.parse(record) if isinstance(p, ImportedRecord))

    def convert() -> Iterator[Any]:
        for parsed in parse():
            yield record_row(PROJECT, parsed)

    def encode(encoder: Any) -> Callable[[], Iterator[Any]]:
        def run() -> Iterator[Any]:
            pending = []
            for row in convert():
                pending.append(row)
                if len(pending) == BATCH_SIZE:
                    yield from encoder(pending)
                    pending = []
            yield from encoder(pending)

        return run

    stages: list[tuple[str, Callable[[], Iterator[Any]]]] = [
        ("read + decode JSON (ijson)", read),
        ("format parse (alerta.parse)", parse),
        ("convert: envelope, redaction, ids", convert),
        ("encode for PostgreSQL COPY", encode(pg_records)),
        ("encode for SQLite (instead)", encode(SqliteEncoder(dialect))),
    ]
    print(f"CPU µs per record, {records:,} records, best of 3 (own cost = difference to the stage it extends):")
    costs: list[float] = []
    for label, stage in stages:
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            for _ in stage():
                pass
            best = min(best, time.process_time() - started)
        costs.append(best / records * 1e6)
        extends = costs[min(len(costs) - 2, 2)] if len(costs) > 1 else 0.0  # both encoders extend convert
        print(f"  {label:36s} {costs[-1] - extends:6.1f}  (cumulative {costs[-1]:6.1f})")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    parser.add_argument(
        "--in-process", action="store_true", help="convert in a thread of this process instead of a process"
    )
    parser.add_argument(
        "--converters", type=int, default=None, help="converting processes (default: the job's CONVERTERS)"
    )
    parser.add_argument("--stages", action="store_true", help="only the CPU budget of the conversion stages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="awooop-import-bench-") as tmp:
        workdir = Path(tmp)
        answer = workdir / "history.json"
        write_answer(answer, args.records)
        if args.stages:
            stage_budget(answer, args.records)
            return
        print(f"{args.db}: {answer.stat().st_size / 1e6:,.0f} MB answer, {args.records:,} records, batch {args.batch}")
        url, pg_name = await prepare(args.db, workdir)
        try:
            _, first = await timed_import(url, answer, args.batch, args.in_process or None, args.converters)
            print(f"  first import:  {first}")
            _, second = await timed_import(url, answer, args.batch, args.in_process or None, args.converters)
            print(f"  second import: {second}")
        finally:
            if pg_name is not None:
                admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
                try:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
                finally:
                    await admin.close()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS of the process: {peak:,.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
