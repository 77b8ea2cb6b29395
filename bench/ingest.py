"""Intake benchmark (not a test): the real service in a subprocess, driven over loopback.

    .venv/bin/python bench/ingest.py --db postgresql
    .venv/bin/python bench/ingest.py --db sqlite --sizes 1 --seconds 5

Creates a fresh database (a SQLite file in a temporary directory, or a new PostgreSQL database
that is dropped afterwards), migrates it, creates project ``bench``, starts uvicorn on
``awooop.app:create_app`` with ``AWOOOP_RUN_WORKER=false``, then for each delivery size:

1. peak: ``--concurrency`` closed-loop senders for ``--seconds`` (or ``--max-deliveries``);
2. half peak: an open-loop sender at half the measured peak delivery rate, for latency.

Every alert has a unique fingerprint and startsAt, so every event is an original. Prints
alerts/s, deliveries/s, p50/p99 latency, the server's peak RSS and checks the stored count.
``--profile FILE`` runs the server under cProfile and prints the top functions at the end.
``--silences N`` gives project ``bench`` N active silences that match none of its alerts (nine in
ten by alertname, one in ten by a regex on the pod label), to show intake pays nothing per silence.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import wrkload

from awooop.core import migrate
from awooop.core.db import Database
from awooop.operators import projects
from awooop.operators.principal import AwoooPOperatorPrincipal
from awooop.silences import service as silences_service
from awooop.silences.schemas import MatcherBody, SilenceBody

# httpcore tries `import sniffio` on every request when it is not installed (it looks it up at call
# time); a None entry in sys.modules makes that failed import instant (documented behaviour).
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

PROJECT = "bench"
TOKEN = "bench-intake-token"  # noqa: S105 - a throwaway token for a throwaway database
PG_ADMIN_DSN = os.environ.get("AWOOOP_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
HARD_MAX_SECONDS = 120.0  # per phase, whatever the arguments say


@dataclass
class Phase:
    name: str
    alerts: int = 0
    deliveries: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    fixed: dict[float, float] = field(default_factory=dict)  # percentile → ms, as wrk reports them

    def percentile(self, p: float) -> float:
        if p in self.fixed:
            return self.fixed[p]
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    def report(self) -> str:
        return (
            f"{self.name:<24} {self.alerts / self.elapsed:>9.0f} alerts/s {self.deliveries / self.elapsed:>8.0f} "
            f"deliveries/s  p50 {self.percentile(0.50):6.1f} ms  p99 {self.percentile(0.99):6.1f} ms"
            f"  errors {self.errors}"
        )


class LoopbackTransport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 over asyncio streams, for loopback load generation.

    httpx's default transport (httpcore + anyio) costs about a millisecond of CPU per request on
    a small machine, which would make the load generator, not the server, the bottleneck when
    both share two cores. This one keeps httpx's client API and does only what a benchmark needs
    (Content-Length bodies, no TLS, no proxies). ``--transport httpcore`` uses the stock one.
    """

    def __init__(self) -> None:
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        lines = [f"{request.method} {url.raw_path.decode()} HTTP/1.1", f"Host: {url.host}:{url.port}"]
        lines += [f"{name}: {value}" for name, value in request.headers.items() if name.lower() != "host"]
        if "content-length" not in request.headers:
            lines.append(f"Content-Length: {len(request.content)}")
        wire = ("\r\n".join(lines) + "\r\n\r\n").encode() + request.content
        reused = bool(self._idle)
        try:
            return await self._exchange(url, wire)
        except (OSError, asyncio.IncompleteReadError) as exc:
            if reused:  # the server closed an idle keep-alive connection: one try on a new one
                with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                    return await self._exchange(url, wire, fresh=True)
            raise httpx.ConnectError(str(exc), request=request) from exc

    async def _exchange(self, url: httpx.URL, wire: bytes, *, fresh: bool = False) -> httpx.Response:
        if self._idle and not fresh:
            reader, writer = self._idle.pop()
        else:
            reader, writer = await asyncio.open_connection(url.host, url.port)
        writer.write(wire)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = [(name, value) for name, _, value in (line.partition(": ") for line in header_lines) if value]
        length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
        content = await reader.readexactly(length)
        if any(k.lower() == "connection" and v.lower() == "close" for k, v in headers):
            writer.close()
        else:
            self._idle.append((reader, writer))
        return httpx.Response(int(status_line.split(" ", 2)[1]), headers=headers, content=content)

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


class Bodies:
    """Alertmanager v4 bodies whose alerts are all originals (unique fingerprint or startsAt).

    Default: every alert has a new fingerprint (a new incident each: the heaviest routing), made
    by byte substitution so the generator stays cheap. ``keys=N``: fingerprints cycle over N
    alerts that keep firing new episodes (unique startsAt), like a real alert storm.
    """

    def __init__(self, size: int, keys: int | None = None) -> None:
        self.size = size
        self.keys = keys
        self._seq = itertools.count()
        alerts = [
            self.alert(index, f"{size:03d}@SEQ@{index:03d}", "2026-08-20T09:41:07.318476211Z") for index in range(size)
        ]
        self.template = orjson.dumps(self.body(alerts))

    @staticmethod
    def alert(index: int, fingerprint: str, starts_at: str) -> dict[str, Any]:
        return {
            "status": "firing",
            "labels": {
                "alertname": "BenchHighLatency",
                "severity": "warning",
                "namespace": "bench",
                "pod": f"api-{fingerprint}",
                "instance": "10.0.0.1:9100",
            },
            "annotations": {"summary": f"p99 latency above 250ms on api-{index}", "runbook_url": "https://rb/x"},
            "startsAt": starts_at,
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
            "fingerprint": fingerprint,
        }

    @staticmethod
    def body(alerts: list[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {"receiver": "bench", "status": "firing", "alerts": alerts, "version": "4"}
        body.update(groupKey="{}:{}", externalURL="http://alertmanager:9093", truncatedAlerts=0)
        return body

    def wrk_template(self) -> str:
        """The body with the placeholders ``wrkload``'s Lua script fills per request."""
        if self.keys is None:
            return self.template.decode()
        alerts = [self.alert(index, f"@K{index}@", "2026-08-20T09:41:07.@T@Z") for index in range(self.size)]
        return orjson.dumps(self.body(alerts)).decode()

    def next(self) -> bytes:
        seq = next(self._seq)
        if self.keys is None:
            return self.template.replace(b"@SEQ@", b"%09d" % seq)
        starts_at = f"2026-08-20T09:41:07.{seq:09d}Z"
        alerts = [
            self.alert(index, f"key{(seq * self.size + index) % self.keys:06d}", starts_at)
            for index in range(self.size)
        ]
        return orjson.dumps(self.body(alerts))


async def closed_loop(
    client: httpx.AsyncClient, url: str, bodies: Bodies, *, concurrency: int, seconds: float, max_deliveries: int
) -> Phase:
    phase = Phase(f"peak {bodies.size:>3}/delivery")
    deadline = time.perf_counter() + seconds
    budget = itertools.count()

    async def sender() -> None:
        while time.perf_counter() < deadline and next(budget) < max_deliveries:
            await _send(client, url, bodies, phase)

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    phase.elapsed = time.perf_counter() - started
    return phase


async def open_loop(client: httpx.AsyncClient, url: str, bodies: Bodies, *, rate: float, seconds: float) -> Phase:
    """Send at a fixed rate regardless of answers (latency is measured, not throttled by it)."""
    phase = Phase(f"half peak {bodies.size:>3}/delivery")
    interval = 1.0 / rate
    tasks: set[asyncio.Task[None]] = set()
    started = time.perf_counter()
    for index in range(int(rate * seconds)):
        delay = started + index * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(tasks) >= 256:  # the server is not keeping up: stop queueing more
            phase.errors += 1
            continue
        task = asyncio.create_task(_send(client, url, bodies, phase))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    phase.elapsed = time.perf_counter() - started
    return phase


async def _send(client: httpx.AsyncClient, url: str, bodies: Bodies, phase: Phase) -> None:
    body = bodies.next()
    sent = time.perf_counter()
    try:
        response = await client.post(url, content=body)
    except httpx.HTTPError:
        phase.errors += 1
        return
    phase.latencies.append(time.perf_counter() - sent)
    if response.status_code == 202:
        phase.deliveries += 1
        phase.alerts += bodies.size
    else:
        phase.errors += 1


def rss_mb(pid: int) -> float:
    """RSS of the server process and its children (uvicorn --workers)."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for each in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


async def sample_rss(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def add_silences(db: Database, count: int) -> None:
    """``count`` active silences matching none of the bench's alerts."""
    principal = AwoooPOperatorPrincipal("bench", "operator_key", "admin", ("*",), "bench")
    ends = datetime.now(UTC) + timedelta(days=1)
    async with db.transaction() as session:
        for n in range(count):
            if n % 10 == 9:
                matchers = [MatcherBody(name="pod", value=f"web-{n}-.*", isRegex=True)]
            else:
                matchers = [
                    MatcherBody(name="alertname", value=f"Maintenance{n}"),
                    MatcherBody(name="namespace", value="bench"),
                ]
            body = SilenceBody(matchers=matchers, endsAt=ends, comment="bench")
            await silences_service.create_silence(session, principal, project_id=PROJECT, body=body)


async def prepare_database(kind: str, workdir: Path, silence_count: int = 0) -> tuple[str, str | None]:
    """A migrated database with project ``bench``; returns (url, PostgreSQL database name or None)."""
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
            await projects.create_project(session, PROJECT, intake_token=TOKEN)
        await add_silences(db, silence_count)
    finally:
        await db.dispose()
    return url, pg_name


async def settle_statistics(url: str) -> None:
    """PostgreSQL: ANALYZE after the warm-up, as autovacuum does within the first minute of a running
    installation. Without it every phase measures a fresh install's first seconds, whose tables have
    no statistics: the planner then reads all of a project's open incidents for every batch's
    incident lookup (docs/intake.md). SQLite: nothing (AwoooP runs no ANALYZE there)."""
    if not url.startswith("postgresql"):
        return
    db = Database.connect(url, pool_size=1)
    try:
        async with db.write_engine.begin() as conn:  # committed: statistics are transactional
            await conn.exec_driver_sql("ANALYZE")
    finally:
        await db.dispose()


async def drop_database(pg_name: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    finally:
        await admin.close()


async def count_events(url: str) -> int:
    from sqlalchemy import func, select  # noqa: PLC0415 - only needed for the final check

    from awooop.models import ChannelEvent  # noqa: PLC0415

    db = Database.connect(url, pool_size=1)
    try:
        async with db.reader() as session:
            return int((await session.scalar(select(func.count()).select_from(ChannelEvent))) or 0)
    finally:
        await db.dispose()


def hub_only_app() -> Any:
    """Diagnostic app factory (``--no-routing``): the real app with routing replaced by a no-op,
    to tell the hub's own cost from the router's. Never a production configuration."""
    from awooop.app import create_app  # noqa: PLC0415 - imported in the server process only
    from awooop.hub import service  # noqa: PLC0415

    async def no_routing(*_args: Any, **_kwargs: Any) -> None:
        return None

    service.route_originals = no_routing  # type: ignore[assignment]
    return create_app()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, workdir: Path, port: int, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AWOOOP_DATABASE_URL": url,
        "AWOOOP_DATA_DIR": str(workdir),
        "AWOOOP_RUN_WORKER": "false",
        "AWOOOP_DB_POOL_SIZE": "4",
    }
    app = "ingest:hub_only_app" if args.no_routing else args.app
    uvicorn = ["-m", "uvicorn", app, "--factory", "--app-dir", str(Path(__file__).parent)]
    uvicorn += ["--host", "127.0.0.1", "--port", str(port)]
    uvicorn += ["--workers", str(args.workers), "--log-level", "warning", "--no-access-log"]
    uvicorn += ["--loop", "uvloop", "--http", "httptools"]  # what "auto" picks when installed; made explicit
    prefix = [sys.executable]
    if args.profile and args.profile.suffix == ".prof":
        prefix += ["-m", "cProfile", "-o", str(args.profile)]
    elif args.profile:  # pyinstrument, sampling (pip install it into the venv; not a project dependency)
        prefix += ["-m", "pyinstrument", "-r", "pstats", "-o", str(args.profile)]
    return subprocess.Popen(prefix + uvicorn, env=env)


async def wait_ready(client: httpx.AsyncClient, base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(1200):  # up to a minute: a loaded machine imports slowly
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return
        await asyncio.sleep(0.05)
    raise SystemExit("server did not become ready within 60 s")


async def drive(args: argparse.Namespace, base: str, server: subprocess.Popen[bytes]) -> tuple[list[Phase], float]:
    limits = httpx.Limits(max_connections=args.concurrency * 4, max_keepalive_connections=args.concurrency * 4)
    url = f"{base}/api/v1/hub/{PROJECT}/alertmanager"
    phases: list[Phase] = []
    peak_rss = [0.0]
    stop = asyncio.Event()
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    transport = LoopbackTransport() if args.transport == "loopback" else None
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers, transport=transport) as client:
        await wait_ready(client, base, server)
        sampler = asyncio.create_task(sample_rss(server.pid, peak_rss, stop))
        for size in args.sizes:
            bodies = Bodies(size, args.keys)
            await closed_loop(client, url, bodies, concurrency=args.concurrency, seconds=1.0, max_deliveries=200)
            if args.analyze:
                await settle_statistics(args.database_url)
            seconds = min(args.seconds, HARD_MAX_SECONDS)
            peak = await closed_loop(
                client, url, bodies, concurrency=args.concurrency, seconds=seconds, max_deliveries=args.max_deliveries
            )
            phases.append(peak)
            print(peak.report(), flush=True)
            rate = max(1.0, peak.deliveries / peak.elapsed / 2)
            half = await open_loop(client, url, bodies, rate=rate, seconds=min(args.half_seconds, HARD_MAX_SECONDS))
            phases.append(half)
            print(half.report(), flush=True)
        stop.set()
        await sampler
    return phases, peak_rss[0]


async def wrk_phase(
    args: argparse.Namespace, workdir: Path, port: int, bodies: Bodies, name: str, *, seconds: float, **pacing: float
) -> Phase:
    """One wrk run: closed loop, or paced per connection (``rate`` deliveries/s) for the half-peak phase."""
    rate = pacing.get("rate", 0.0)
    budget = int(pacing.get("budget", args.max_deliveries))
    lua = wrkload.script(
        body=bodies.wrk_template(),
        size=bodies.size,
        keys=bodies.keys,
        budget=-(-budget // args.wrk_threads),
        delay_ms=args.wrk_threads * 1000 / rate if rate else 0.0,
        path=f"/api/v1/hub/{PROJECT}/alertmanager",
        token=TOKEN,
    )
    script_path = workdir / f"bench-{bodies.size}.lua"
    script_path.write_text(lua)
    result = await wrkload.run(
        port=port,
        script_path=script_path,
        threads=args.wrk_threads,
        connections=args.concurrency,
        seconds=min(seconds, HARD_MAX_SECONDS),
    )
    phase = Phase(name, alerts=result.deliveries * bodies.size, deliveries=result.deliveries, errors=result.errors)
    phase.elapsed = result.elapsed
    phase.fixed = {0.50: result.p50_ms, 0.99: result.p99_ms}
    return phase


async def drive_wrk(
    args: argparse.Namespace, workdir: Path, port: int, server: subprocess.Popen[bytes]
) -> tuple[list[Phase], float]:
    phases: list[Phase] = []
    peak_rss = [0.0]
    stop = asyncio.Event()
    async with httpx.AsyncClient(timeout=5, transport=LoopbackTransport()) as client:
        await wait_ready(client, f"http://127.0.0.1:{port}", server)
    sampler = asyncio.create_task(sample_rss(server.pid, peak_rss, stop))
    for size in args.sizes:
        bodies = Bodies(size, args.keys)
        await wrk_phase(args, workdir, port, bodies, "warm-up", seconds=1, budget=200)
        if args.analyze:
            await settle_statistics(args.database_url)
        peak = await wrk_phase(args, workdir, port, bodies, f"peak {size:>3}/delivery", seconds=args.seconds)
        phases.append(peak)
        print(peak.report(), flush=True)
        rate = max(1.0, peak.deliveries / peak.elapsed / 2)
        half_name = f"half peak {size:>3}/delivery"
        half = await wrk_phase(args, workdir, port, bodies, half_name, seconds=args.half_seconds, rate=rate)
        phases.append(half)
        print(half.report(), flush=True)
    stop.set()
    await sampler
    return phases, peak_rss[0]


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


async def main(args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    print(
        f"{args.db}, {os.cpu_count()} CPUs, load average {load:.2f} before start, driver {args.driver}, "
        f"concurrency {args.concurrency}, workers {args.workers}, active silences {args.silences}, "
        f"{'ANALYZE after warm-up' if args.analyze else 'no ANALYZE'}"
    )
    if load > 0.5:
        print("warning: the machine is busy; figures will be lower and noisier than on an idle machine")
    workdir = Path(tempfile.mkdtemp(prefix="awooop-bench-"))
    url, pg_name = await prepare_database(args.db, workdir, args.silences)
    args.database_url = url
    port = free_port()
    server = start_server(url, workdir, port, args)
    try:
        if args.driver == "wrk":
            phases, peak_rss = await drive_wrk(args, workdir, port, server)
        else:
            phases, peak_rss = await drive(args, f"http://127.0.0.1:{port}", server)
    finally:
        stop_server(server)
    try:
        stored = await count_events(url)
        accepted = sum(phase.alerts for phase in phases)
        print(f"server peak RSS {peak_rss:.0f} MB; events stored {stored} (accepted in measured phases {accepted})")
    finally:
        if pg_name:
            await drop_database(pg_name)
        shutil.rmtree(workdir, ignore_errors=True)
    if args.profile:
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(40)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1, 100])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each peak phase")
    parser.add_argument("--half-seconds", type=float, default=5.0, help="duration of each half-peak phase")
    parser.add_argument("--max-deliveries", type=int, default=200_000, help="cap per peak phase")
    parser.add_argument("--keys", type=int, help="cycle fingerprints over this many alerts (default: all new)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--driver",
        choices=("wrk", "httpx"),
        default="wrk" if wrkload.available() else "httpx",
        help="load generator: wrk (C, default when installed) or httpx (Python, in this process)",
    )
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (each one is a core's worth)")
    parser.add_argument("--transport", choices=("loopback", "httpcore"), default="loopback", help="httpx transport")
    parser.add_argument("--app", default="awooop.app:create_app", help="app factory to serve")
    parser.add_argument("--no-routing", action="store_true", help="diagnostic: stub out routing (hub cost only)")
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="keep a fresh install's missing statistics (no ANALYZE after the warm-up)",
    )
    parser.add_argument("--silences", type=int, default=0, help="active silences in the project (matching nothing)")
    parser.add_argument(
        "--profile",
        type=Path,
        help="profile the server into FILE: *.prof with cProfile, else pyinstrument (sampling, pstats format)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
