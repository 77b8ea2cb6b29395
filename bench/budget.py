"""Per-delivery CPU budget of intake (not a test): where one Alertmanager delivery's CPU goes.

    .venv/bin/pip install '.[bench]'                  # py-spy, the sampling profiler
    .venv/bin/python bench/budget.py --size 1 --seconds 10
    .venv/bin/python bench/budget.py --size 100 --seconds 10

One closed-loop peak phase of ``bench/ingest.py``'s load (wrk when installed, else the Python
sender; every alert a new fingerprint, so every event is an original that opens an incident)
against the real service on a **private PostgreSQL cluster** (initdb in a temporary directory, a
free port, durable settings, ``pg_stat_statements`` preloaded; the shared server is never
touched). During the phase it reads, from the operating system's own accounting:

- the CPU seconds of the server process, of every PostgreSQL process of the private cluster and of
  the load generator, so the sum per delivery can be checked against the measured rate
  (``cores / CPU per delivery`` is the rate the machine could reach if nothing waited);
- py-spy samples of the server (non-blocking, so the server is not paused), attributed to a stage
  by the innermost AwoooP frame of each sample (or the library, outside AwoooP code); each stage's
  share of the samples × the server's CPU per delivery is its microseconds per delivery;
- ``pg_stat_statements``: executions and server-side execution time per statement, per delivery.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the private-cluster helper of the fault tests
from tests.faults.pgcluster import PrivateCluster  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# (stage, path fragment of the innermost AwoooP frame); first match wins.
AWOOOP_STAGES = (
    ("authentication", ("hub/sources.py", "awooop/operators/", "core/security.py", "guard/credentials.py")),
    ("provider parse", ("hub/providers/",)),
    ("redaction", ("hub/redaction/",)),
    ("envelope (serialise, hash)", ("hub/envelope.py", "core/ids.py")),
    ("throttle, client address", ("awooop/guard/",)),
    ("intake route (body read, JSON, checks, answer)", ("hub/api.py", "hub/intake.py", "awooop/errors.py")),
    ("work-item keys", ("hub/workitem_keys.py",)),
    ("routing", ("awooop/runs/", "awooop/incidents/", "awooop/notify/", "awooop/remediation/", "awooop/silences/")),
    ("watchdog divert", ("awooop/monitors/",)),
    ("hub transaction (queue, batch, insert, commit)", ("hub/service.py", "hub/committer.py", "hub/repository.py")),
    ("session and transaction", ("core/db.py",)),
)
SQL_LIBRARIES = ("sqlalchemy/", "asyncpg/")
LIBRARY_STAGES = (
    ("SQL client outside AwoooP frames (pool, commit)", SQL_LIBRARIES),
    ("HTTP server and framework", ("uvicorn/", "httptools/", "starlette/", "fastapi/", "h11/", "anyio/")),
    # uvloop and asyncpg's protocol are compiled: their work shows as the loop's own frame.
    ("event loop, C-level I/O (uvloop, asyncpg protocol)", ("asyncio/", "uvloop/", "selectors.py", "contextvars")),
)
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")


@dataclass
class CpuReading:
    server: float
    postgres: float
    load: float


def process_cpu(pid: int) -> float:
    """User + system seconds of one live process (``/proc/PID/stat`` fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cluster_pids(postmaster: int) -> list[int]:
    pids = [postmaster]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            if ppid == postmaster:
                pids.append(int(entry.name))
    return pids


def read_cpu(server: int, postmaster: int) -> CpuReading:
    # Backends of the server's pool live through the run; one that ended mid-phase would drop out,
    # which only understates PostgreSQL.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once reaped
    own = resource.getrusage(resource.RUSAGE_SELF)  # the Python sender, when wrk is absent
    load = children.ru_utime + children.ru_stime + own.ru_utime + own.ru_stime
    return CpuReading(process_cpu(server), sum(process_cpu(pid) for pid in cluster_pids(postmaster)), load)


def stage_of(stack: list[str]) -> str:
    files = []
    for frame in stack:
        match = FRAME.match(frame)
        files.append(match["file"] if match else frame)
    for path in reversed(files):
        if "awooop/" in path:
            leaf = files[-1]
            for stage, fragments in AWOOOP_STAGES:
                if any(fragment in path for fragment in fragments):
                    if stage == "routing" and any(lib in leaf for lib in SQL_LIBRARIES):
                        return "routing: SQL client (SQLAlchemy, asyncpg)"
                    if stage.startswith("hub transaction") and any(lib in leaf for lib in SQL_LIBRARIES):
                        return "hub transaction: SQL client (SQLAlchemy, asyncpg)"
                    return stage
            return "other AwoooP code"
    leaf = files[-1] if files else ""
    for stage, fragments in LIBRARY_STAGES:
        if any(fragment in leaf for fragment in fragments):
            return stage
    return "other (interpreter, libraries)"


def read_samples(path: Path) -> Counter[str]:
    """py-spy's raw format: one line per distinct stack, ``frame;frame;… count`` (root first)."""
    stages: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack_text, _, count = line.rpartition(" ")
        if not stack_text:
            continue
        frames = [frame for frame in stack_text.split(";") if not frame.startswith(("process ", "thread "))]
        stages[stage_of(frames)] += int(count)
    return stages


class BudgetCluster(PrivateCluster):
    """Durable settings (fsync on, as in production), statement statistics preloaded; with
    ``waits``, lock waits over 10 ms and statements over 20 ms (with their plans) go to its log."""

    def __init__(self, *, waits: bool = False) -> None:
        super().__init__()
        self.waits = waits

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=50 "
            "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all "
            "-c pg_stat_statements.track_planning=on -c shared_buffers=256MB"
        )
        if self.waits:
            options = options.replace("=pg_stat_statements ", "=pg_stat_statements,auto_explain ") + (
                " -c log_lock_waits=on -c deadlock_timeout=10ms -c auto_explain.log_min_duration=20ms"
                " -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on"
            )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])


STATEMENTS_SQL = """
SELECT calls, total_exec_time, total_plan_time, rows, regexp_replace(query, '\\s+', ' ', 'g') AS query
FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY total_exec_time + total_plan_time DESC
"""


def statement_label(query: str) -> str:
    query = query.strip()
    words = query.split(" ")
    head = " ".join(words[:4]) if words[0].upper() in {"INSERT", "UPDATE", "DELETE"} else " ".join(words[:2])
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", query, re.IGNORECASE)
    if words[0].upper() == "SELECT" and table:
        head = "SELECT … FROM " + table.group(1)  # noqa: S608 - a label for the report, never executed
    if words[0].upper() == "WITH":
        head = f"WITH … {table.group(1) if table else ''}".strip()
    return head[:60]


async def run(args: argparse.Namespace) -> None:
    cluster = BudgetCluster(waits=args.pg_log is not None)
    cluster.start()
    os.environ["AWOOOP_BENCH_PG_DSN"] = cluster.admin_dsn
    import asyncpg  # noqa: PLC0415 - after the cluster exists
    import httpx  # noqa: PLC0415

    sys.path.insert(0, str(Path(__file__).parent))
    import ingest  # noqa: PLC0415 - reads AWOOOP_BENCH_PG_DSN at import
    import wrkload  # noqa: PLC0415

    workdir = Path(tempfile.mkdtemp(prefix="awooop-budget-"))
    url, pg_name = await ingest.prepare_database("postgresql", workdir)
    assert pg_name is not None
    dsn = f"postgresql://postgres@127.0.0.1:{cluster.port}/{pg_name}"
    admin = await asyncpg.connect(dsn)
    await admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    port = ingest.free_port()
    server_args = SimpleNamespace(no_routing=False, app="awooop.app:create_app", workers=1, profile=None)
    server = ingest.start_server(url, workdir, port, server_args)  # type: ignore[arg-type]
    use_wrk = wrkload.available() and not args.python_sender
    phase_args = SimpleNamespace(max_deliveries=args.max_deliveries, wrk_threads=1, concurrency=args.concurrency)
    bodies = ingest.Bodies(args.size)
    samples = workdir / "samples.txt"
    try:
        async with httpx.AsyncClient(timeout=5, transport=ingest.LoopbackTransport()) as client:
            await ingest.wait_ready(client, f"http://127.0.0.1:{port}", server)
        target = f"http://127.0.0.1:{port}/api/v1/hub/{ingest.PROJECT}/alertmanager"
        headers = {"Authorization": f"Bearer {ingest.TOKEN}", "Content-Type": "application/json"}

        async def phase(seconds: float, budget: int) -> ingest.Phase:
            if use_wrk:
                return await ingest.wrk_phase(
                    phase_args,
                    workdir,
                    port,
                    bodies,
                    "peak",
                    seconds=seconds,
                    budget=budget,  # type: ignore[arg-type]
                )
            limits = httpx.Limits(max_connections=args.concurrency * 4)
            transport = ingest.LoopbackTransport()
            async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers, transport=transport) as sender:
                return await ingest.closed_loop(
                    sender, target, bodies, concurrency=args.concurrency, seconds=seconds, max_deliveries=budget
                )

        await phase(2.0, 300)  # warm-up: caches, prepared statements, pool
        if args.analyze:
            await ingest.settle_statistics(url)
        await admin.execute("SELECT pg_stat_statements_reset()")
        postmaster = cluster.postmaster_pid()
        spy_options = ["--nonblocking", "--rate", str(args.rate), "--format", "raw", "--full-filenames"]
        spy_target = ["--output", str(samples), "--pid", str(server.pid)]
        spy = subprocess.Popen(
            [str(Path(sys.executable).parent / "py-spy"), "record", *spy_options, *spy_target],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await asyncio.sleep(1.0)  # py-spy attaches
        before = read_cpu(server.pid, postmaster)
        measured = await phase(args.seconds, args.max_deliveries)
        after = read_cpu(server.pid, postmaster)
        spy.send_signal(2)  # SIGINT: py-spy writes its file and exits
        spy.wait(timeout=60)
        statements = await admin.fetch(STATEMENTS_SQL)
        if args.pg_log is not None:
            shutil.copy(cluster.log, args.pg_log)
    finally:
        ingest.stop_server(server)
        await admin.close()
        cluster.destroy()
        os.environ.pop("AWOOOP_BENCH_PG_DSN", None)
    report(args, measured, before, after, read_samples(samples), statements, os.getloadavg()[0], use_wrk)
    if args.keep_samples:
        shutil.copy(samples, args.keep_samples)
    shutil.rmtree(workdir, ignore_errors=True)


def report(  # noqa: PLR0917 - one call site, every figure of the run
    args: argparse.Namespace,
    measured: object,
    before: CpuReading,
    after: CpuReading,
    stages: Counter[str],
    statements: list[object],
    load: float,
    use_wrk: bool,
) -> None:
    deliveries = int(getattr(measured, "deliveries", 0))
    elapsed = float(getattr(measured, "elapsed", 0.0))
    if not deliveries:
        raise SystemExit("no delivery was accepted")
    per = 1e6 / deliveries  # seconds → µs per delivery
    server_us = (after.server - before.server) * per
    pg_us = (after.postgres - before.postgres) * per
    load_us = (after.load - before.load) * per
    total_us = server_us + pg_us + load_us
    cores = os.cpu_count() or 1
    print(
        f"{args.size} alert(s)/delivery, {deliveries} deliveries in {elapsed:.1f} s = {deliveries / elapsed:,.0f} "
        f"deliveries/s ({deliveries * args.size / elapsed:,.0f} alerts/s); load generator "
        f"{'wrk' if use_wrk else 'Python'}; load average {load:.2f} after the run"
    )
    print(f"\nCPU per delivery (µs): server {server_us:,.0f} · PostgreSQL {pg_us:,.0f} · load generator {load_us:,.0f}")
    bound = cores * 1e6 / total_us
    busy = total_us * deliveries / elapsed / 1e6
    print(
        f"sum {total_us:,.0f} µs → {cores} cores could serve {bound:,.0f} deliveries/s if nothing waited; "
        f"measured {deliveries / elapsed:,.0f} (the three kept {busy:.2f} of {cores} cores busy)"
    )
    total_samples = sum(stages.values()) or 1
    print(f"\nserver, by stage ({total_samples} py-spy samples; share × server CPU per delivery):")
    print(f"{'stage':<52} {'share':>6} {'µs':>8}")
    for stage, count in stages.most_common():
        print(f"{stage:<52} {count / total_samples:>6.1%} {count / total_samples * server_us:>8,.0f}")
    print("\nPostgreSQL, by statement (server-side plan + execution time; COMMIT includes the WAL flush wait):")
    print(f"{'statement':<62} {'calls/delivery':>14} {'µs/delivery':>12}")
    grouped: dict[str, list[float]] = {}
    for row in statements:
        label = statement_label(row["query"])  # type: ignore[index]
        entry = grouped.setdefault(label, [0.0, 0.0])
        entry[0] += row["calls"]  # type: ignore[index]
        entry[1] += (row["total_exec_time"] + row["total_plan_time"]) * 1000  # type: ignore[index]
    listed = 0.0
    for label, (calls, micros) in sorted(grouped.items(), key=lambda item: -item[1][1])[: args.statements]:
        listed += micros / deliveries
        print(f"{label:<62} {calls / deliveries:>14.2f} {micros / deliveries:>12,.0f}")
    print(f"{'(statements listed, total)':<62} {'':>14} {listed:>12,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1, help="alerts per delivery")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-deliveries", type=int, default=200_000)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--statements", type=int, default=25, help="statements listed")
    parser.add_argument(
        "--no-analyze", dest="analyze", action="store_false", help="no ANALYZE after the warm-up (a fresh install)"
    )
    parser.add_argument("--pg-log", type=Path, help="log lock waits and slow plans; copy the cluster's log here")
    parser.add_argument("--keep-samples", type=Path, help="copy py-spy's raw stacks to this file")
    parser.add_argument("--python-sender", action="store_true", help="the Python sender even when wrk is installed")
    args = parser.parse_args()
    if shutil.which("py-spy", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("py-spy is not installed in this venv: .venv/bin/pip install '.[bench]'")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
