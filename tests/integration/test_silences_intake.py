"""Silences at intake: each original is judged alone; what a silence holds back is released once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from prometheus_client import REGISTRY
from sqlalchemy import select

from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.models import SilenceSuppression
from awooop.operators.principal import AwoooPOperatorPrincipal
from awooop.remediation import release
from awooop.silences import service
from awooop.silences.schemas import MatcherBody, SilenceBody
from tests.factories import Factory
from tests.fakes.events import alert, ingest, load_playbooks, rows

ALICE = AwoooPOperatorPrincipal("alice", "operator_key", "operator", ("*",), "k1")


async def _silence(db: Database, matchers: list[dict[str, Any]], *, minutes: int = 60, **extra: Any) -> uuid.UUID:
    body = SilenceBody(
        matchers=[MatcherBody.model_validate(m) for m in matchers],
        endsAt=utcnow() + timedelta(minutes=minutes),
        comment="deploy",
    )
    async with db.transaction() as session:
        silence = await service.create_silence(session, ALICE, project_id="acme", body=body, **extra)
    return silence.id


async def _expire(db: Database, silence_id: uuid.UUID) -> None:
    async with db.transaction() as session:
        await service.expire_silence(session, silence_id, None)


async def _release(db: Database, **kwargs: Any) -> dict[str, int]:
    async with db.transaction() as session:
        return await release.release_due(session, **kwargs)


async def _held(db: Database) -> list[SilenceSuppression]:
    async with db.reader() as session:
        return list((await session.scalars(select(SilenceSuppression))).all())


async def test_one_delivery_with_mixed_matches_silences_only_the_matching_events(
    clean_db: Database, factory: Factory
) -> None:
    await factory.project("acme")
    await load_playbooks(clean_db, "acme")
    silence_id = await _silence(clean_db, [{"name": "namespace", "value": "pay.*", "isRegex": True}])
    # The first alert of the delivery matches; the ones after it must not be swallowed with it.
    events = [
        alert(fingerprint="a1", namespace="payments", alertname="KubePodCrashLooping"),
        alert(fingerprint="b1", namespace="search", alertname="KubePodCrashLooping"),
        alert(fingerprint="c1", namespace="payroll", alertname="DiskFull"),
        alert(fingerprint="d1", namespace="web", alertname="HighLatency"),
    ]
    await ingest(clean_db, "acme", events)
    incidents, runs, outbox, stored = await rows(clean_db)
    marks = {e.fingerprint: e.silence_id for e in stored}
    assert marks == {"a1": silence_id, "b1": None, "c1": silence_id, "d1": None}
    assert len(incidents) == 4  # every incident opens as usual
    assert sorted(r.recurrence_key for r in runs) == ["fp:b1", "fp:d1"]  # no run for silenced events
    announced = sorted(m.payload["recurrence_key"] for m in outbox if m.kind == "incident_opened")
    assert announced == ["fp:b1", "fp:d1"]
    assert sorted(h.recurrence_key for h in await _held(clean_db)) == ["fp:a1", "fp:c1"]


async def test_a_negated_matcher_silences_everything_else(clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    silence_id = await _silence(
        clean_db, [{"name": "alertname", "value": "Watchdog"}, {"name": "team", "value": "sre", "isEqual": False}]
    )
    await ingest(
        clean_db,
        "acme",
        [
            alert(fingerprint="w1", alertname="Watchdog", labels={"alertname": "Watchdog", "team": "web"}),
            alert(fingerprint="w2", alertname="Watchdog", labels={"alertname": "Watchdog", "team": "sre"}),
        ],
    )
    _, _, outbox, stored = await rows(clean_db)
    assert {e.fingerprint: e.silence_id for e in stored} == {"w1": silence_id, "w2": None}
    assert [m.payload["recurrence_key"] for m in outbox] == ["fp:w2"]


async def test_silenced_incident_resolves_silently_and_nothing_is_released(
    clean_db: Database, factory: Factory
) -> None:
    await factory.project("acme")
    await load_playbooks(clean_db, "acme")
    silence_id = await _silence(clean_db, [{"name": "alertname", "value": "KubePodCrashLooping"}])
    await ingest(clean_db, "acme", [alert(fingerprint="r1")])
    await ingest(clean_db, "acme", [alert(fingerprint="r1", stage="resolved")])
    incidents, runs, outbox, stored = await rows(clean_db)
    assert [i.status for i in incidents] == ["resolved"]
    assert runs == []
    assert outbox == []
    assert [e.silence_id for e in stored] == [silence_id, silence_id]
    await _expire(clean_db, silence_id)
    assert await _release(clean_db) == {"dropped": 1}
    assert (await rows(clean_db))[2] == []


async def test_expiry_while_still_firing_sends_the_held_notification_and_queues_the_run_once(
    clean_db: Database, factory: Factory
) -> None:
    await factory.project("acme")
    await load_playbooks(clean_db, "acme")
    silence_id = await _silence(clean_db, [{"name": "alertname", "value": "KubePodCrashLooping"}])
    await ingest(clean_db, "acme", [alert(fingerprint="e1")])
    await ingest(clean_db, "acme", [alert(fingerprint="e1", provider_event_id="e1:again")])  # still firing
    assert await _release(clean_db) == {}  # the silence still covers it: nothing happens
    incidents, runs, outbox, _ = await rows(clean_db)
    assert (len(incidents), runs, outbox) == (1, [], [])

    await _expire(clean_db, silence_id)
    assert await _release(clean_db) == {"released": 1}
    assert await _release(clean_db) == {}  # once: a second pass (or node) finds it settled
    incidents, runs, outbox, stored = await rows(clean_db)
    (run,) = runs
    assert (run.state, run.playbook_id, run.incident_id) == ("queued", "restart", incidents[0].id)
    assert run.trigger_event_id == stored[0].id
    (message,) = outbox
    assert message.kind == "incident_opened"
    assert message.payload["incident_id"] == incidents[0].id
    assert message.payload["run"]["id"] == str(run.id)
    assert message.payload["released_from_silence"] == str(silence_id)
    assert [h.state for h in await _held(clean_db)] == ["released"]


async def test_a_silence_running_out_by_time_releases_too(clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    await _silence(clean_db, [{"name": "alertname", "value": "KubePodCrashLooping"}], minutes=30)
    await ingest(clean_db, "acme", [alert(fingerprint="t1")])
    assert await _release(clean_db, now=utcnow() + timedelta(minutes=10)) == {}
    assert await _release(clean_db, now=utcnow() + timedelta(minutes=31)) == {"released": 1}
    (message,) = (await rows(clean_db))[2]
    assert message.kind == "incident_opened"


async def test_an_overlapping_silence_keeps_holding_after_the_first_ends(clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    first = await _silence(clean_db, [{"name": "alertname", "value": "KubePodCrashLooping"}])
    await _silence(clean_db, [{"name": "namespace", "value": "payments"}], minutes=120)
    await ingest(clean_db, "acme", [alert(fingerprint="o1")])
    await _expire(clean_db, first)
    assert await _release(clean_db) == {}
    assert (await rows(clean_db))[2] == []


async def test_a_recurring_window_silences_only_inside_it(clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    muting = await _silence(
        clean_db,
        [{"name": "alertname", "value": "Nightly"}],
        time_intervals=[{"years": ["2000:9999"], "weekdays": ["monday:sunday"]}],
        time_zone="Europe/Berlin",
    )
    await _silence(clean_db, [{"name": "alertname", "value": "Daily"}], time_intervals=[{"years": ["2000"]}])
    await ingest(
        clean_db, "acme", [alert(fingerprint="n1", alertname="Nightly"), alert(fingerprint="d1", alertname="Daily")]
    )
    stored = (await rows(clean_db))[3]
    assert {e.fingerprint: e.silence_id for e in stored} == {"n1": muting, "d1": None}


async def test_two_nodes_releasing_at_once_release_exactly_once(clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    await load_playbooks(clean_db, "acme")
    silence_id = await _silence(clean_db, [{"name": "alertname", "value": "KubePodCrashLooping"}])
    await ingest(clean_db, "acme", [alert(fingerprint=f"x{n}") for n in range(3)])
    await _expire(clean_db, silence_id)
    results = await asyncio.gather(_release(clean_db), _release(clean_db))
    assert sum(r.get("released", 0) for r in results) == 3
    _, runs, outbox, _ = await rows(clean_db)
    assert sorted(r.recurrence_key for r in runs) == ["fp:x0", "fp:x1", "fp:x2"]
    assert sorted(m.dedupe_key for m in outbox) == sorted({m.dedupe_key for m in outbox})
    assert len(outbox) == 3


async def test_metrics_count_silenced_events_and_active_silences(clean_db: Database, factory: Factory) -> None:
    await factory.project("acme")
    before = REGISTRY.get_sample_value("awooop_events_silenced_total", {"project_id": "acme"}) or 0.0
    await _silence(clean_db, [{"name": "alertname", "value": "KubePodCrashLooping"}])
    await _silence(clean_db, [{"name": "alertname", "value": "Other"}])
    await ingest(clean_db, "acme", [alert(fingerprint="m1"), alert(fingerprint="m2", alertname="Quiet")])
    assert REGISTRY.get_sample_value("awooop_events_silenced_total", {"project_id": "acme"}) == before + 1
    async with clean_db.transaction() as session:
        await release.refresh_gauge(session)
    assert REGISTRY.get_sample_value("awooop_silences_active", {"project_id": "acme"}) == 2


async def test_incidents_with_the_same_number_in_two_projects_are_held_and_released_apart(
    clean_db: Database, factory: Factory
) -> None:
    """Incident ids are numbered per project: both projects' INC-000001 are held, and each release
    announces its own project's incident."""
    silences = {}
    for project in ("acme", "beta"):
        await factory.project(project)
        body = SilenceBody(
            matchers=[MatcherBody.model_validate({"name": "alertname", "value": "KubePodCrashLooping"})],
            endsAt=utcnow() + timedelta(minutes=60),
            comment="deploy",
        )
        async with clean_db.transaction() as session:
            silences[project] = (await service.create_silence(session, ALICE, project_id=project, body=body)).id
        await ingest(clean_db, project, [alert(project, fingerprint=f"{project}-1")])
    held = await _held(clean_db)
    assert sorted((h.project_id, h.incident_id) for h in held) == [("acme", "INC-000001"), ("beta", "INC-000001")]
    for silence_id in silences.values():
        await _expire(clean_db, silence_id)
    assert await _release(clean_db) == {"released": 2}
    _, _, outbox, _ = await rows(clean_db)
    announced = sorted((m.project_id, m.payload["incident_id"], m.payload["recurrence_key"]) for m in outbox)
    assert announced == [("acme", "INC-000001", "fp:acme-1"), ("beta", "INC-000001", "fp:beta-1")]
