"""Channel events built by hand, routed and stored the way the hub does it (remediation's
``route_originals`` first, then the events inserted with the links it returned)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.core.ids import uuid7
from awooop.models import ChannelEvent, Incident, OutboxMessage, Run
from awooop.remediation import committed_event, route_originals


def alert(
    project_id: str = "acme",
    *,
    stage: str = "firing",
    alertname: str = "KubePodCrashLooping",
    fingerprint: str | None = "b4b99d28110359b4",
    severity: str | None = "warning",
    namespace: str | None = "payments",
    target_resource: str | None = "checkout-api",
    provider: str = "alertmanager",
    labels: dict[str, Any] | None = None,
    received_at: datetime | None = None,
    provider_event_id: str | None = None,
    channel_type: str = "alert",
) -> ChannelEvent:
    key = f"fp:{fingerprint}" if fingerprint else f"k:{provider}|{alertname}|{namespace or ''}|{target_resource or ''}"
    if stage in ("message", "edited"):
        key = None
    event_id = uuid7()
    return ChannelEvent(
        id=event_id,
        project_id=project_id,
        channel_type=channel_type,
        provider=provider,
        stage=stage,
        provider_event_id=provider_event_id or f"{fingerprint}:{event_id}:{stage}",
        content_preview=f"[{stage}] {alertname} {severity} {namespace}/{target_resource}: test",
        content_redacted="{}",
        has_redacted_content=False,
        redaction_version="r1",
        source_url="http://prometheus.example/graph?g0.expr=up",
        content_sha256="0" * 64,
        content_length=2,
        has_source_envelope=True,
        source_refs={"alert": {"generator_url": "http://prometheus.example/graph"}},
        source_ref_count=1,
        log_correlation={"pod": "checkout-api-7d9f8b6c5-x2kqz"},
        labels=labels if labels is not None else {"alertname": alertname, "namespace": namespace or ""},
        alertname=alertname,
        severity=severity,
        namespace=namespace,
        target_resource=target_resource,
        fingerprint=fingerprint,
        recurrence_key=key,
        is_duplicate=False,
        received_at=received_at or utcnow(),
    )


async def ingest(db: Database, project_id: str, events: Sequence[ChannelEvent]) -> list[ChannelEvent]:
    """Store ``events`` and route them in one transaction, as one intake batch."""
    async with db.transaction() as session:
        links = await route_originals(session, [committed_event(e) for e in events])
        for event in events:
            link = links.get(event.id)
            if link is not None:
                event.run_id, event.incident_id, event.silence_id = link.run_id, link.incident_id, link.silence_id
        session.add_all(events)
        await session.flush()
    return list(events)


async def rows(db: Database) -> tuple[list[Incident], list[Run], list[OutboxMessage], list[ChannelEvent]]:
    async with db.reader() as session:
        incidents = list((await session.scalars(select(Incident).order_by(Incident.seq))).all())
        runs = list((await session.scalars(select(Run).order_by(Run.created_at, Run.id))).all())
        outbox = list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))).all())
        events = list(
            (await session.scalars(select(ChannelEvent).order_by(ChannelEvent.received_at, ChannelEvent.id))).all()
        )
    return incidents, runs, outbox, events


PLAYBOOKS = """
playbooks:
  - {id: gated, match: {alertname: "Gated*"}, agent_id: k8s-remediator, action: scale, requires_approval: true}
  - {id: other-agent, match: {alertname: "Disk*"}, agent_id: node-janitor, action: prune-images}
  - {id: restart, match: {alertname: "*"}, agent_id: k8s-remediator, action: rollout-restart}
"""


async def load_playbooks(db: Database, project_id: str, text: str = PLAYBOOKS) -> None:
    from awooop.runs import playbooks  # noqa: PLC0415 - keeps this module importable without routing deps

    async with db.transaction() as session:
        await playbooks.replace_playbooks(session, project_id, playbooks.parse_playbooks(text))


async def seed_runs(
    db: Database, project_id: str, count: int, *, alertname: str = "KubePodCrashLooping", start: int = 0
) -> list[Run]:
    """``count`` runs, one per new recurrence key, each from its own firing (playbooks must be loaded)."""
    keys = []
    for n in range(start, start + count):
        event = alert(project_id, alertname=alertname, fingerprint=f"{project_id}-{n:04d}")
        keys.append(event.recurrence_key)
        await ingest(db, project_id, [event])
    async with db.reader() as session:
        stmt = select(Run).where(Run.project_id == project_id, Run.recurrence_key.in_(keys))
        return list((await session.scalars(stmt.order_by(Run.created_at, Run.id))).all())
