"""Faults on real processes (``make test-faults``): ``kill -9`` of ``awooop serve`` under load, the
database taken away mid-load (a private PostgreSQL cluster stopped and started; SQLite locked
past its busy timeout), and two API processes sharing one database."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from awooop.core.db import Database
from awooop.models import ChannelEvent, OutboxMessage
from awooop.operators import keys, projects
from awooop.operators.projects import ProjectSecrets
from tests.fakes.events import load_playbooks
from tests.fakes.telegram import FakeTelegram
from tests.faults.conftest import Fragile
from tests.faults.serve import GENERIC, Load, Server

pytestmark = pytest.mark.faults

TOKEN = "ait_faults-load-token-0001"
AGENT = "k8s-remediator"
PLAYBOOKS = f"""
playbooks:
  - {{id: restart, match: {{alertname: "*"}}, agent_id: {AGENT}, action: rollout-restart}}
"""


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


async def until(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    """Bounded wait: a hang fails the test with ``what``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def prepare(url: str, *, telegram: FakeTelegram | None = None) -> str:
    """Project ``default`` with a known token (serve then skips its bootstrap); returns an agent key."""
    db = Database.connect(url, pool_size=1)
    try:
        async with db.transaction() as session:
            await projects.create_project(session, "default", intake_token=TOKEN)
            if telegram is not None:
                secrets = ProjectSecrets(telegram_bot_token="123:fault-bot", telegram_chat_id="-100")
                await projects.set_secrets(session, "default", secrets)
            _, agent_key = await keys.create_key(session, operator_id=AGENT, role="agent", projects="*")
        await load_playbooks(db, "default", PLAYBOOKS)
    finally:
        await db.dispose()
    return agent_key


async def stored_event_ids(url: str) -> Counter[tuple[str, bool]]:
    db = Database.connect(url, pool_size=1)
    try:
        async with db.reader() as session:
            rows = (await session.execute(select(ChannelEvent.provider_event_id, ChannelEvent.is_duplicate))).all()
    finally:
        await db.dispose()
    return Counter((event_id, duplicate) for event_id, duplicate in rows)


async def start_server(url: str, data_dir: Path, **env: str) -> Server:
    return await asyncio.to_thread(Server, url, data_dir, **env)


async def test_kill_9_under_load_loses_no_acknowledged_event(fragile: Fragile, tmp_path: Path) -> None:
    await prepare(fragile.url)
    server = await start_server(fragile.url, tmp_path / "data")
    load = Load(TOKEN)
    try:
        senders = load.start([server.base], concurrency=16)
        await until(lambda: len(load.acknowledged) >= 300, "300 acknowledged events")
        await asyncio.to_thread(server.kill)
        load.phase = "after the kill"
        await until(lambda: load.by_phase.get("after the kill", Counter())["connection error"] > 0, "refusals")
        await load.finish(senders)
    finally:
        server.stop()
    stored = {event_id for event_id, _ in await stored_event_ids(fragile.url)}
    assert load.acknowledged - stored == set()  # every 202 survived the kill -9
    assert set(load.statuses) <= {"202", "connection error"}, load.statuses


async def test_database_outage_mid_load_answers_503_then_recovers(
    fragile: Fragile, tmp_path: Path, backend: str
) -> None:
    await prepare(fragile.url)
    server = await start_server(fragile.url, tmp_path / "data")
    load = Load(TOKEN)
    try:
        senders = load.start([server.base], concurrency=8)
        await until(lambda: len(load.acknowledged) >= 100, "100 acknowledged events before the outage")
        load.phase = "during"
        # PostgreSQL: the private cluster stops. SQLite: another process holds the write lock for
        # longer than the server's 5 s busy timeout.
        async with fragile.unavailable(reads=False):
            await until(lambda: load.by_phase.get("during", Counter())["503"] >= 5, "503s during the outage")
            if backend == "sqlite":
                await asyncio.sleep(1)
        load.phase = "after"
        await until(lambda: load.by_phase.get("after", Counter())["202"] >= 100, "recovery after the outage")
        await load.finish(senders)
        assert server.process.poll() is None  # the same process recovered, no restart
    finally:
        server.stop()
    assert set(load.statuses) <= {"202", "503"}, load.statuses  # never a 500 or a dropped connection
    assert load.missing_retry_after == 0
    stored = {event_id for event_id, _ in await stored_event_ids(fragile.url)}
    assert load.acknowledged - stored == set()


async def test_two_processes_on_one_database_stay_exact(
    fragile: Fragile, tmp_path: Path, telegram: FakeTelegram
) -> None:
    agent_key = await prepare(fragile.url, telegram=telegram)
    env = {"run_worker": "true", "telegram_api_base": telegram.base_url, "worker_poll_seconds": "0.05"}
    first, second = await asyncio.gather(*(start_server(fragile.url, tmp_path / f"data{n}", **env) for n in range(2)))
    bases = [first.base, second.base]
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            intake = {"Authorization": f"Bearer {TOKEN}"}

            async def deliver(n: int, copy: int) -> httpx.Response:
                body = {"title": f"Dup{n}", "event_id": f"same-{n}", "fingerprint": f"dup-{n:02d}"}
                return await client.post(bases[copy % 2] + GENERIC.format(project="default"), json=body, headers=intake)

            # 20 events, each delivered 10 times at once through both processes.
            answers = await asyncio.gather(*(deliver(n, copy) for n in range(20) for copy in range(10)))
            assert {a.status_code for a in answers} == {202}
            events = [e for a in answers for e in a.json()["events"]]
            originals = Counter(e["provider_event_id"] for e in events if not e["is_duplicate"])
            assert originals == {f"same-{n}": 1 for n in range(20)}

            # Each new incident queued one notification; both processes' workers drain them.
            db = Database.connect(fragile.url, pool_size=1)
            try:
                for _ in range(1200):
                    async with db.reader() as session:
                        outbox = Counter((await session.scalars(select(OutboxMessage.status))).all())
                    if outbox == {"delivered": 20}:
                        break
                    await asyncio.sleep(0.05)
            finally:
                await db.dispose()
            assert outbox == {"delivered": 20}
            sends = Counter(m.text for m in telegram.all_requests())
            assert len(sends) == 20
            assert set(sends.values()) == {1}

            # Each incident started a run for the agent; 40 concurrent claims through both processes.
            claim = f"/api/v1/agents/{AGENT}/claim"
            claims = await asyncio.gather(
                *(client.post(bases[n % 2] + claim, headers={"X-AwoooP-Agent-Key": agent_key}) for n in range(40))
            )
    finally:
        first.stop()
        second.stop()
    assert Counter(c.status_code for c in claims) == {200: 20, 204: 20}
    claimed = [c.json()["run"]["id"] for c in claims if c.status_code == 200]
    assert len(set(claimed)) == 20  # no run claimed twice
    stored = await stored_event_ids(fragile.url)
    assert stored == Counter(
        {**{(f"same-{n}", False): 1 for n in range(20)}, **{(f"same-{n}", True): 9 for n in range(20)}}
    )
