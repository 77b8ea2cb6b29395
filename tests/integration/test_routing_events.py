"""Routing inside the intake transaction: heartbeats, firing, resolved and chat, batch by batch."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.models import RunTransition
from awooop.runs import playbooks
from tests.factories import Factory
from tests.fakes.events import alert, ingest, rows

RESTART = """
playbooks:
  - id: restart-crashloop
    match: {provider: alertmanager, alertname: KubePodCrashLooping}
    agent_id: k8s-remediator
    action: rollout-restart
  - id: scale-latency
    match: {alertname: "*latency*"}
    agent_id: k8s-remediator
    action: scale-deployment
    requires_approval: true
"""


async def _load(db: Database, project_id: str, text: str = RESTART) -> None:
    async with db.transaction() as session:
        await playbooks.replace_playbooks(session, project_id, playbooks.parse_playbooks(text))


async def _history(db: Database, run_id: Any) -> list[tuple[str | None, str, str]]:
    async with db.reader() as session:
        stmt = select(RunTransition).where(RunTransition.run_id == run_id).order_by(RunTransition.id)
        return [(t.from_state, t.to_state, t.actor) for t in (await session.scalars(stmt)).all()]


async def test_heartbeat_records_one_completed_shadow_run_and_nothing_else(clean_db: Database) -> None:
    (beat,) = await ingest(clean_db, "acme", [alert(stage="heartbeat", alertname="SourceProviderHeartbeat")])
    incidents, runs, outbox, events = await rows(clean_db)
    assert incidents == []
    assert outbox == []
    (run,) = runs
    assert (run.state, run.mode, run.agent_id, run.repair_outcome) == ("completed", "shadow", "awooop-heartbeat", None)
    assert run.trigger_event_id == beat.id
    assert run.started_at is not None
    assert run.finished_at is not None
    assert events[0].run_id == run.id
    assert [(f, t) for f, t, _ in await _history(clean_db, run.id)] == [
        (None, "queued"),
        ("queued", "running"),
        ("running", "completed"),
    ]


async def test_firing_without_playbook_opens_an_incident_and_announces_it(clean_db: Database) -> None:
    (firing,) = await ingest(clean_db, "acme", [alert(severity="critical")])
    incidents, runs, outbox, events = await rows(clean_db)
    (incident,) = incidents
    assert incident.id == f"INC-{incident.seq:06d}"
    assert incident.status == "open"
    assert incident.title == "KubePodCrashLooping on payments/checkout-api"
    assert incident.severity == "critical"
    assert incident.recurrence_key == "fp:b4b99d28110359b4"
    assert incident.firing_fingerprints == ["b4b99d28110359b4"]
    assert incident.opened_at == firing.received_at
    assert runs == []
    assert events[0].incident_id == incident.id
    assert events[0].run_id is None
    (message,) = outbox
    assert (message.kind, message.dedupe_key, message.status) == (
        "incident_opened",
        f"incident_opened:{incident.project_id}:{incident.id}",
        "pending",
    )
    assert message.payload["run"] is None
    assert message.payload["title"] == incident.title


async def test_firing_with_playbook_queues_a_run_linked_to_event_and_incident(
    clean_db: Database, factory: Factory
) -> None:
    await factory.project("acme")
    await _load(clean_db, "acme")
    (firing,) = await ingest(clean_db, "acme", [alert()])
    incidents, runs, outbox, events = await rows(clean_db)
    (run,) = runs
    assert (run.state, run.mode, run.agent_id, run.playbook_id, run.action) == (
        "queued",
        "live",
        "k8s-remediator",
        "restart-crashloop",
        "rollout-restart",
    )
    assert run.incident_id == incidents[0].id
    assert run.trigger_event_id == firing.id
    assert run.recurrence_key == "fp:b4b99d28110359b4"
    assert events[0].run_id == run.id
    assert [m.kind for m in outbox] == ["incident_opened"]
    assert outbox[0].payload["run"]["id"] == str(run.id)
    assert [(f, t) for f, t, _ in await _history(clean_db, run.id)] == [(None, "queued")]


async def test_approval_playbook_waits_and_asks_for_approval(clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    await _load(clean_db, "acme")
    await ingest(
        clean_db, "acme", [alert(alertname="Checkout p99 latency high", provider="signoz", fingerprint="b28a")]
    )
    _, runs, outbox, _ = await rows(clean_db)
    (run,) = runs
    assert run.state == "awaiting_approval"
    assert [(f, t) for f, t, _ in await _history(clean_db, run.id)] == [
        (None, "queued"),
        ("queued", "awaiting_approval"),
    ]
    assert sorted(m.kind for m in outbox) == ["approval_wait", "incident_opened"]
    wait = next(m for m in outbox if m.kind == "approval_wait")
    assert wait.dedupe_key == f"approval_wait:{run.project_id}:{run.id}"
    assert wait.payload["playbook_id"] == "scale-latency"


async def test_repeat_firing_joins_the_unfinished_run_and_open_incident(clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    await _load(clean_db, "acme")
    await ingest(clean_db, "acme", [alert()])
    await ingest(clean_db, "acme", [alert(severity="critical")])
    incidents, runs, outbox, events = await rows(clean_db)
    assert len(incidents) == 1
    assert len(runs) == 1
    assert {e.run_id for e in events} == {runs[0].id}
    assert {e.incident_id for e in events} == {incidents[0].id}
    assert incidents[0].severity == "critical"  # escalated by the repeat
    assert [m.kind for m in outbox] == ["incident_opened"]


async def test_resolved_closes_the_incident_and_links_to_the_unfinished_run(
    clean_db: Database, factory: Factory
) -> None:
    await factory.project("acme")
    await _load(clean_db, "acme")
    await ingest(clean_db, "acme", [alert()])
    later = utcnow() + timedelta(minutes=22)
    (resolved,) = await ingest(clean_db, "acme", [alert(stage="resolved", received_at=later)])
    incidents, runs, outbox, events = await rows(clean_db)
    (incident,) = incidents
    assert incident.status == "resolved"
    assert incident.resolved_at == later
    assert incident.firing_fingerprints == []
    assert runs[0].state == "queued"  # resolving an alert does not touch its run
    resolved_row = next(e for e in events if e.id == resolved.id)
    assert resolved_row.run_id == runs[0].id
    assert resolved_row.incident_id == incident.id
    assert [m.kind for m in outbox] == ["incident_opened", "incident_resolved"]
    assert outbox[1].dedupe_key == f"incident_resolved:{incident.project_id}:{incident.id}"


async def test_firing_resolved_firing_in_one_batch_opens_two_incidents(clean_db: Database) -> None:
    start = utcnow()
    await ingest(
        clean_db,
        "acme",
        [
            alert(received_at=start),
            alert(stage="resolved", received_at=start + timedelta(seconds=1)),
            alert(received_at=start + timedelta(seconds=2)),
        ],
    )
    incidents, _, outbox, events = await rows(clean_db)
    assert [i.status for i in incidents] == ["resolved", "open"]
    assert [e.incident_id for e in events] == [incidents[0].id, incidents[0].id, incidents[1].id]
    assert [m.kind for m in outbox] == ["incident_opened", "incident_resolved", "incident_opened"]


async def test_resolved_before_any_firing_changes_nothing(clean_db: Database) -> None:
    await ingest(clean_db, "acme", [alert(stage="resolved")])
    incidents, runs, outbox, events = await rows(clean_db)
    assert (incidents, runs, outbox) == ([], [], [])
    assert events[0].incident_id is None


async def test_chat_messages_are_stored_only(clean_db: Database) -> None:
    chat = alert(stage="message", provider="telegram", channel_type="chat", fingerprint=None)
    await ingest(clean_db, "acme", [chat, alert(stage="edited", provider="telegram", channel_type="chat")])
    incidents, runs, outbox, events = await rows(clean_db)
    assert (incidents, runs, outbox) == ([], [], [])
    assert all(e.run_id is None and e.incident_id is None for e in events)


async def test_a_finished_run_lets_the_next_firing_start_a_new_run(clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    await _load(clean_db, "acme")
    await ingest(clean_db, "acme", [alert()])
    _, (first,), _, _ = await rows(clean_db)
    async with clean_db.transaction() as session:
        from awooop.runs import service  # noqa: PLC0415

        await service.transition(session, first.id, "running", actor="k8s-remediator")
        await service.transition(session, first.id, "completed", actor="k8s-remediator", repair_outcome="unverified")
    await ingest(clean_db, "acme", [alert()])
    incidents, runs, _, _ = await rows(clean_db)
    assert len(incidents) == 1
    assert [r.state for r in runs] == ["completed", "queued"]


@contextmanager
def _count_statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def _before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.write_engine.sync_engine, "before_cursor_execute", _before)
    try:
        yield seen
    finally:
        event.remove(db.write_engine.sync_engine, "before_cursor_execute", _before)


async def test_a_batch_costs_the_same_round_trips_for_ten_or_a_hundred_alerts(
    clean_db: Database, factory: Factory
) -> None:
    await factory.project("acme")
    await _load(clean_db, "acme")
    counts = []
    for size, offset in ((10, 0), (100, 1000)):
        batch = [alert(fingerprint=f"{offset + n:016x}") for n in range(size)]
        async with clean_db.transaction() as session:
            with _count_statements(clean_db) as seen:
                from awooop.remediation import committed_event, route_originals  # noqa: PLC0415

                links = await route_originals(session, [committed_event(e) for e in batch])
            counts.append(len(seen))
            for e in batch:  # what the hub does with the links: store them in the rows it inserts
                e.run_id, e.incident_id = links[e.id].run_id, links[e.id].incident_id
            session.add_all(batch)
            await session.flush()
    incidents, runs, outbox, events = await rows(clean_db)
    assert len(incidents) == len(runs) == len(outbox) == 110
    assert len({i.id for i in incidents}) == 110
    assert all(e.run_id is not None and e.incident_id is not None for e in events)
    assert counts[0] == counts[1]
    assert counts[1] <= 12


async def test_concurrent_batches_of_one_new_key_open_one_incident(clean_db: Database) -> None:
    await asyncio.gather(*(ingest(clean_db, "acme", [alert()]) for _ in range(4)))
    incidents, _, outbox, events = await rows(clean_db)
    assert len(incidents) == 1
    assert {e.incident_id for e in events} == {incidents[0].id}
    assert [m.kind for m in outbox] == ["incident_opened"]
