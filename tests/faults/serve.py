"""Real ``awooop serve`` processes for fault tests, and a load generator for the intake.

Each server binds 127.0.0.1 on a free port; ``kill()`` is a ``kill -9``. The load generator posts
generic-schema events with unique ids and keeps what every answer said, so a test can check
that each 202-acknowledged event is in the database afterwards."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.faults.pgcluster import free_port

GENERIC = "/api/v1/hub/{project}/generic"


class Server:
    def __init__(self, database_url: str, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / f"serve-{self.port}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWOOOP_")}
        environment |= {
            "AWOOOP_DATA_DIR": str(data_dir),
            "AWOOOP_DATABASE_URL": database_url,
            "AWOOOP_RUN_WORKER": "false",
            **{f"AWOOOP_{name.upper()}": value for name, value in env.items()},
        }
        command = [sys.executable, "-m", "awooop.cli.main", "serve", "--port", str(self.port)]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"serve did not become ready:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flush, nothing."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Load:
    """Concurrent senders of unique events; what each answer was, per phase."""

    token: str
    project: str = "default"
    acknowledged: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    phase: str = "before"
    by_phase: dict[str, Counter[str]] = field(default_factory=dict)
    missing_retry_after: int = 0
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def note(self, outcome: str) -> None:
        self.statuses[outcome] += 1
        self.by_phase.setdefault(self.phase, Counter())[outcome] += 1

    async def sender(self, servers: list[str], name: str) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            for turn in itertools.count():
                if self._stop.is_set():
                    return
                event_id = f"{name}-{next(self._ids)}"
                body = {"title": "LoadTest", "event_id": event_id, "fingerprint": f"load-{turn % 7}"}
                url = servers[turn % len(servers)] + GENERIC.format(project=self.project)
                try:
                    response = await client.post(url, json=body, headers={"Authorization": f"Bearer {self.token}"})
                except httpx.TransportError:
                    self.note("connection error")
                    await asyncio.sleep(0.05)
                    continue
                self.note(str(response.status_code))
                if response.status_code == 202:
                    self.acknowledged.add(event_id)
                elif response.status_code == 503:
                    if "retry-after" not in response.headers:
                        self.missing_retry_after += 1
                    await asyncio.sleep(0.05)

    def start(self, servers: list[str], concurrency: int = 8) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(self.sender(servers, f"s{n}")) for n in range(concurrency)]

    async def finish(self, tasks: list[asyncio.Task[None]]) -> None:
        self._stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
