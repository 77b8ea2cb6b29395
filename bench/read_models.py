"""Read-model benchmark (not a test): every read model at its maximum ``limit`` over a large table.

    .venv/bin/python bench/read_models.py --db postgresql
    .venv/bin/python bench/read_models.py --db sqlite --events 100000 --checkpoints 20000,100000

Creates a fresh database (a SQLite file in a temporary directory, or a new PostgreSQL database that
is dropped afterwards), migrates it, then loads a synthetic month of traffic in time order — 5
projects, 5,000 fingerprints (skewed: a few fire all the time), duplicates, resolves, flaps,
heartbeats with their shadow runs, chat, incidents, and remediation runs with outcomes — by COPY on
PostgreSQL and multi-row inserts on SQLite. At each checkpoint (default 100,000 and 1,000,000
events) it runs ANALYZE and times each read model through its service function, in a fresh read
transaction per call as a request would: p50/p95 over ``--repeat`` calls after warm-up.
SPEC §7: every read model ≤ 50 ms p50 at its maximum limit with 1,000,000 events, flat as the table
grows. Figures are reported in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.core import migrate
from awooop.core.db import Database
from awooop.dossier import service as dossier
from awooop.models import ChannelEvent, Incident, Project, Run
from awooop.operators.principal import AwoooPOperatorPrincipal
from awooop.workitems import service as workitems

PG_ADMIN_DSN = os.environ.get("AWOOOP_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
CHUNK_EVENTS = 50_000
ALERT_PROVIDERS = ("alertmanager",) * 12 + ("signoz",) * 3 + ("grafana",) * 2 + ("sentry",) * 2 + ("generic",)
SEVERITIES = ("critical", "error", "warning", "info")
REDACTED_FILLER = "x" * 520  # a redacted provider payload is ~1 KB: rows are as wide as real ones
BENCH_OPERATOR = AwoooPOperatorPrincipal("bench", "operator_key", "admin", ("*",), "bench")
JSON_COLUMNS = {"source_refs", "log_correlation", "labels", "firing_fingerprints"}


def uuid7_at(at: datetime, rng: random.Random) -> uuid.UUID:
    """Time-ordered ids like the service's, but for a past instant."""
    value = (int(at.timestamp() * 1000) & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76 | rng.getrandbits(12) << 64 | 0b10 << 62 | rng.getrandbits(62)
    return uuid.UUID(int=value)


@dataclass
class KeyState:
    """One fingerprint's life: its current firing episode, open incident and unfinished run."""

    firing: bool = False
    episode: int = 0
    original_id: uuid.UUID | None = None
    original_peid: str = ""
    incident_seq: int | None = None
    run_id: uuid.UUID | None = None
    run_busy_until: datetime | None = None


@dataclass
class Chunk:
    events: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    resolved_incidents: list[dict[str, Any]] = field(default_factory=list)


class Workload:
    """Deterministic synthetic traffic, generated in time order, one chunk at a time."""

    def __init__(self, *, total: int, projects: int, fingerprints: int, days: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.projects = [f"p{index}" for index in range(projects)]
        self.per_project = max(1, fingerprints // projects)
        self.end = datetime.now(UTC).replace(microsecond=0)
        self.start = self.end - timedelta(days=days)
        self.step = timedelta(days=days) / total
        self.states: dict[tuple[int, int], KeyState] = {}
        self.incident_seq = 0
        self.open_incidents: dict[int, dict[str, Any]] = {}
        self.produced = 0
        self.busy_runs: list[tuple[str, uuid.UUID]] = []  # (project, run id) of runs with many events

    def chunk(self, upto: int) -> Chunk:
        chunk = Chunk()
        while self.produced < upto:
            at = self.start + self.step * self.produced + timedelta(microseconds=self.rng.randrange(1000))
            self._event(chunk, at)
            self.produced += 1
        return chunk

    def _event(self, chunk: Chunk, at: datetime) -> None:
        roll = self.rng.random()
        project = self.rng.randrange(len(self.projects))
        if roll < 0.01:
            self._heartbeat(chunk, project, at)
        elif roll < 0.03:
            self._chat(chunk, project, at)
        else:
            fingerprint = int(self.per_project * self.rng.random() ** 2.5)  # skewed: a few keys fire a lot
            self._alert(chunk, project, fingerprint, at)

    def _base(self, project: int, at: datetime, **values: Any) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": uuid7_at(at, self.rng),
            "project_id": self.projects[project],
            "channel_type": "alert",
            "channel_chat_id": None,
            "content_redacted": REDACTED_FILLER,
            "has_redacted_content": self.rng.random() < 0.2,
            "redaction_version": "r1",
            "source_url": None,
            "content_sha256": f"{self.rng.getrandbits(256):064x}",
            "content_length": 1200,
            "has_source_envelope": True,
            "source_refs": {},
            "source_ref_count": 0,
            "log_correlation": {},
            "labels": {},
            "alertname": None,
            "severity": None,
            "namespace": None,
            "target_resource": None,
            "fingerprint": None,
            "recurrence_key": None,
            "is_duplicate": False,
            "duplicate_of": None,
            "run_id": None,
            "incident_id": None,
            "provider_ts": at,
            "received_at": at,
        }
        row.update(values)
        return row

    def _heartbeat(self, chunk: Chunk, project: int, at: datetime) -> None:
        provider = "sentry" if self.rng.random() < 0.5 else "signoz"
        row = self._base(
            project,
            at,
            provider=provider,
            stage="heartbeat",
            provider_event_id=f"heartbeat-{at:%Y%m%dT%H%M%S.%f}",
            content_preview=f"[heartbeat] SourceProviderHeartbeat info source-provider-ingestion ({provider})",
            alertname="SourceProviderHeartbeat",
            severity="info",
            fingerprint=f"source-provider-heartbeat:{provider}",
            recurrence_key=f"fp:source-provider-heartbeat:{provider}",
        )
        run = self._run(row, at, agent="awooop-heartbeat", mode="shadow", state="completed", outcome=None)
        row["run_id"] = run["id"]
        chunk.runs.append(run)
        chunk.events.append(row)

    def _chat(self, chunk: Chunk, project: int, at: datetime) -> None:
        update_id = self.rng.getrandbits(40)
        chunk.events.append(
            self._base(
                project,
                at,
                channel_type="chat",
                provider="telegram",
                stage="message",
                provider_event_id=f"update:{update_id}",
                channel_chat_id="-100123456",
                content_preview="[message] ops-chat: deploy is done",
            )
        )

    def _alert_fields(self, project: int, fingerprint: int) -> dict[str, Any]:
        provider = ALERT_PROVIDERS[fingerprint % len(ALERT_PROVIDERS)]
        hex_fp = f"{project:02x}{fingerprint:014x}"
        alertname, namespace = f"Alert{fingerprint % 150:03d}", f"ns-{fingerprint % 25}"
        refs: dict[str, dict[str, str]] = {
            "alert": {
                "generator_url": f"http://prometheus:9090/graph?g0.expr=alert{fingerprint}",
                "runbook_url": f"https://runbooks.example/{alertname}",
            }
        }
        if provider == "sentry":
            refs = {
                "sentry": {
                    "issue_id": str(4_000_000 + fingerprint),
                    "issue_url": f"https://sentry.example/{fingerprint}",
                }
            }
        elif provider == "signoz":
            refs["signoz"] = {"rule_id": str(fingerprint), "rule_url": f"https://signoz.example/alerts/{fingerprint}"}
        return {
            "provider": provider,
            "alertname": alertname,
            "severity": SEVERITIES[fingerprint % 4],
            "namespace": namespace,
            "target_resource": f"svc-{fingerprint}",
            "fingerprint": hex_fp,
            "recurrence_key": f"fp:{hex_fp}",
            "labels": {"alertname": alertname, "namespace": namespace, "severity": SEVERITIES[fingerprint % 4]},
            "source_refs": refs,
            "source_ref_count": sum(len(values) for values in refs.values()),
            "source_url": refs.get("alert", {}).get("generator_url"),
            "log_correlation": {"trace_id": f"{self.rng.getrandbits(128):032x}", "pod": f"svc-{fingerprint}-0"},
        }

    def _alert(self, chunk: Chunk, project: int, fingerprint: int, at: datetime) -> None:
        state = self.states.setdefault((project, fingerprint), KeyState())
        fields = self._alert_fields(project, fingerprint)
        roll = self.rng.random()
        if state.firing and roll < 0.6:  # the sender repeats the same episode
            row = self._base(
                project,
                at,
                stage="firing",
                provider_event_id=state.original_peid,
                is_duplicate=True,
                duplicate_of=state.original_id,
                **fields,
            )
            row["content_preview"] = f"[firing] {fields['alertname']} {fields['severity']} {fields['namespace']}"
            chunk.events.append(row)
            return
        stage = "resolved" if state.firing and roll < 0.85 else "firing"
        if stage == "firing":
            state.episode += 1
        peid = f"{fields['fingerprint']}:{state.episode}:{stage}"
        row = self._base(project, at, stage=stage, provider_event_id=peid, **fields)
        row["content_preview"] = f"[{stage}] {fields['alertname']} {fields['severity']} {fields['namespace']}"
        self._route(chunk, state, row, fingerprint, at)
        chunk.events.append(row)

    def _route(self, chunk: Chunk, state: KeyState, row: dict[str, Any], fingerprint: int, at: datetime) -> None:
        """What the router does for an original: incident, run, links (SPEC §3)."""
        busy = state.run_id is not None and (state.run_busy_until is None or state.run_busy_until > at)
        if row["stage"] == "resolved":
            state.firing = False
            if state.incident_seq is not None:
                incident = self.open_incidents.pop(state.incident_seq)
                incident.update(status="resolved", resolved_at=at)
                chunk.resolved_incidents.append({"b_seq": state.incident_seq, "b_resolved_at": at})
                row["incident_id"] = incident["id"]
                state.incident_seq = None
            row["run_id"] = state.run_id if busy else None
            return
        state.firing, state.original_id, state.original_peid = True, row["id"], row["provider_event_id"]
        if state.incident_seq is None:
            self.incident_seq += 1
            state.incident_seq = self.incident_seq
            incident = {
                "seq": self.incident_seq,
                "id": f"INC-{self.incident_seq:06d}",
                "project_id": row["project_id"],
                "status": "open",
                "title": f"{row['alertname']} on {row['namespace']}/{row['target_resource']}",
                "severity": row["severity"],
                "recurrence_key": row["recurrence_key"],
                "firing_fingerprints": [row["fingerprint"]],
                "opened_at": at,
                "resolved_at": None,
            }
            self.open_incidents[self.incident_seq] = incident
            chunk.incidents.append(incident)
        row["incident_id"] = f"INC-{state.incident_seq:06d}"
        if busy:
            row["run_id"] = state.run_id
        elif fingerprint % 5 != 0:  # 80 % of fingerprints have a playbook
            run = self._repair(row, fingerprint, at)
            state.run_id, row["run_id"] = run["id"], run["id"]
            state.run_busy_until = run["finished_at"]
            if len(self.busy_runs) < 50 and fingerprint < 3:
                self.busy_runs.append((row["project_id"], run["id"]))
            chunk.runs.append(run)

    def _repair(self, row: dict[str, Any], fingerprint: int, at: datetime) -> dict[str, Any]:
        gated = fingerprint % 17 == 0
        finished = at + timedelta(minutes=30 if gated else 3)
        roll = self.rng.random()
        outcome: str | None
        state, outcome = (
            ("failed", "failed") if roll < 0.15 else ("completed", "verified" if roll < 0.85 else "unverified")
        )
        finished_at: datetime | None
        if finished > self.end:  # still in flight when the month ends
            state, outcome, finished_at = ("awaiting_approval" if gated else "running"), None, None
        else:
            finished_at = finished
        run = self._run(row, at, agent=f"agent-{fingerprint % 7}", mode="live", state=state, outcome=outcome)
        run.update(finished_at=finished_at, playbook_id=f"pb-{fingerprint % 30}", incident_id=row["incident_id"])
        return run

    def _run(
        self, row: dict[str, Any], at: datetime, *, agent: str, mode: str, state: str, outcome: str | None
    ) -> dict[str, Any]:
        created = at + timedelta(milliseconds=5)
        return {
            "id": uuid7_at(created, self.rng),
            "project_id": row["project_id"],
            "state": state,
            "mode": mode,
            "agent_id": agent,
            "playbook_id": None,
            "action": "restart" if mode == "live" else None,
            "recurrence_key": row["recurrence_key"],
            "incident_id": None,
            "trigger_event_id": row["id"],
            "repair_outcome": outcome,
            "created_at": created,
            "updated_at": created,
            "started_at": created,
            "finished_at": created if mode == "shadow" else None,
        }


async def _copy(db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    records = [tuple(orjson.dumps(row[c]).decode() if c in JSON_COLUMNS else row[c] for c in columns) for row in rows]
    async with db.write_engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg's own connection: COPY and VACUUM need it
        await driver.copy_records_to_table(table, records=records, columns=columns)
        await conn.commit()


async def _resolve_incidents(db: Database, resolved: list[dict[str, Any]]) -> None:
    """Before this chunk's inserts: a key's next incident may open only once its last one resolved."""
    if not resolved:
        return
    stmt = (
        update(Incident)
        .where(Incident.seq == bindparam("b_seq"))
        .values(status="resolved", resolved_at=bindparam("b_resolved_at"))
    )
    async with db.transaction() as session:
        connection = await session.connection()
        await connection.execute(stmt, resolved)


async def load_chunk(db: Database, chunk: Chunk) -> None:
    await _resolve_incidents(db, chunk.resolved_incidents)
    # Referenced tables first: events point at runs and incidents, runs at incidents (foreign keys).
    if not db.is_sqlite:
        await _copy(db, "incidents", chunk.incidents)
        await _copy(db, "runs", chunk.runs)
        await _copy(db, "channel_events", chunk.events)
        return
    async with db.transaction() as session:
        connection = await session.connection()
        for model, rows in ((Incident, chunk.incidents), (Run, chunk.runs), (ChannelEvent, chunk.events)):
            for start in range(0, len(rows), 5000):
                await connection.execute(insert(model), rows[start : start + 5000])


async def analyze(db: Database) -> None:
    if db.is_sqlite:
        async with db.write_engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        return
    async with db.write_engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg's own connection: COPY and VACUUM need it
        await driver.execute("VACUUM ANALYZE")  # what autovacuum does to a table this size


Call = Callable[[AsyncSession], Awaitable[Any]]


@dataclass
class Timing:
    name: str
    limit: int
    samples: list[float]
    rows: int

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def fastest(self) -> float:
        """The least disturbed call: what the work costs when nothing else competes for the CPU."""
        return min(self.samples) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000


def _size(result: Any) -> int:
    """Rows in a read model's answer (a service's response model)."""
    for key in ("items", "events", "providers", "checks"):
        rows = getattr(result, key, None)
        if isinstance(rows, list):
            return len(rows)
    return 0


async def time_call(db: Database, name: str, limit: int, call: Call, repeat: int, *, write: bool = False) -> Timing:
    samples: list[float] = []
    rows = 0
    for attempt in range(repeat + 3):
        started = time.perf_counter()
        maker = db.writer if write else db.reader
        async with maker() as session:
            await session.begin()
            result = await call(session)
            await session.rollback()  # the dry-run's history record is not kept: every call sees the same data
        elapsed = time.perf_counter() - started
        if attempt >= 3:
            samples.append(elapsed)
            rows = _size(result)
    return Timing(name, limit, samples, rows)


async def pick_work_item(db: Database) -> str:
    async with db.reader() as session:
        body = await workitems.fetch_channel_event_dossier_recurrence(
            session, projects=None, project_label="*", limit=300
        )
    for item in body.items:
        if item.work_item:
            work_item_id: str = item.work_item["work_item_id"]
            return work_item_id
    raise SystemExit("no work item in the newest 300 events: the workload should always produce some")


async def run_suite(db: Database, workload: Workload, repeat: int) -> list[Timing]:
    # The loader's heap is not a server's: move what lives now out of the collector's view (as a server
    # would after start-up), so the tail measures the read models, not gen-2 passes over the generator.
    gc.collect()
    gc.freeze()
    work_item_id = await pick_work_item(db)
    busy_run = workload.busy_runs[0][1] if workload.busy_runs else None
    three = tuple(workload.projects[:3])
    recurrence = workitems.fetch_channel_event_dossier_recurrence
    coverage = dossier.fetch_channel_event_dossier_coverage
    cases: list[tuple[str, int, Call, bool]] = [
        ("recurrence, all projects", 300, partial(recurrence, projects=None, project_label="*", limit=300), False),
        ("recurrence, one project", 300, partial(recurrence, projects=("p1",), project_label="p1", limit=300), False),
        (
            "recurrence, 3 projects, signoz",
            300,
            partial(recurrence, projects=three, project_label="*", provider="signoz", limit=300),
            False,
        ),
        (
            "work-item preview",
            300,
            partial(workitems.fetch_recurrence_work_item_preview, projects=None, work_item_id=work_item_id),
            False,
        ),
        (
            "work-item dry-run (rolled back)",
            300,
            partial(
                workitems.record_recurrence_work_item_dry_run,
                projects=None,
                work_item_id=work_item_id,
                mode="auto",
                provider=None,
                limit=300,
                operator=BENCH_OPERATOR,
            ),
            True,
        ),
        ("coverage, all projects", 200, partial(coverage, projects=None, project_label="*", limit=200), False),
        (
            "coverage, 3 projects, sentry",
            200,
            partial(coverage, projects=three, project_label="*", provider="sentry", limit=200),
            False,
        ),
        ("dossier, newest", 50, partial(dossier.fetch_channel_event_dossier, projects=None, limit=50), False),
        (
            "dossier, run_id",
            50,
            partial(dossier.fetch_channel_event_dossier, projects=None, run_id=busy_run, limit=50),
            False,
        ),
        ("recent, all projects", 100, partial(dossier.list_recent_channel_events, projects=None, limit=100), False),
        (
            "recent, one project, chat",
            100,
            partial(dossier.list_recent_channel_events, projects=("p2",), channel_type="chat", limit=100),
            False,
        ),
    ]
    return [await time_call(db, name, limit, call, repeat, write=write) for name, limit, call, write in cases]


def report(events: int, timings: list[Timing], db_kind: str) -> None:
    print(f"\n{db_kind}, {events:,} events stored")
    print(f"{'read model':<34} {'limit':>5} {'rows':>5} {'min ms':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for t in timings:
        flag = "" if t.p50 <= 50 else "   <-- over 50 ms"
        print(f"{t.name:<34} {t.limit:>5} {t.rows:>5} {t.fastest:>8.1f} {t.p50:>8.1f} {t.p95:>8.1f}{flag}")
    sys.stdout.flush()


async def fresh_database(kind: str, keep: bool) -> tuple[str, Callable[[], Awaitable[None]]]:
    if kind == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="awooop-bench-"))
        url = f"sqlite+aiosqlite:///{directory / 'bench.db'}"

        async def drop_sqlite() -> None:
            if keep:
                print(f"kept {directory / 'bench.db'}")
            else:
                shutil.rmtree(directory, ignore_errors=True)

        return url, drop_sqlite
    name = f"awooop_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"

    async def drop_pg() -> None:
        if keep:
            print(f"kept database {name}")
            return
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    return url, drop_pg


def checkpoints(spec: str, total: int) -> list[int]:
    points = sorted({min(total, int(float(part))) for part in spec.split(",") if part.strip()} | {total})
    return [point for point in points if point > 0]


async def main(args: argparse.Namespace) -> None:
    url, drop = await fresh_database(args.db, args.keep)
    try:
        await migrate.upgrade_async(url)
        db = Database.connect(url, pool_size=4)
        async with db.transaction() as session:
            for project in [f"p{index}" for index in range(args.projects)]:
                session.add(Project(id=project, intake_token_hash="0" * 64, created_at=datetime.now(UTC)))
        workload = Workload(total=args.events, projects=args.projects, fingerprints=args.fingerprints, days=args.days)
        loaded_seconds = 0.0
        for point in checkpoints(args.checkpoints, args.events):
            started = time.perf_counter()
            while workload.produced < point:
                await load_chunk(db, workload.chunk(min(point, workload.produced + CHUNK_EVENTS)))
            await analyze(db)
            loaded_seconds += time.perf_counter() - started
            print(f"loaded {point:,} events in {loaded_seconds:.0f} s (incl. ANALYZE)")
            report(point, await run_suite(db, workload, args.repeat), args.db)
        await db.dispose()
    finally:
        await drop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--events", type=int, default=1_000_000, help="events stored at the end")
    parser.add_argument("--checkpoints", default="100000", help="comma-separated event counts to time at as well")
    parser.add_argument("--projects", type=int, default=5)
    parser.add_argument("--fingerprints", type=int, default=5000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=50, help="timed calls per read model (after 3 warm-ups)")
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    return parser


def _run(argv: list[str] | None = None) -> None:
    asyncio.run(main(_parser().parse_args(argv)))


if __name__ == "__main__":
    _run()
