"""A replaced playbook set applies to the very next delivery of this process, though the hub
caches playbooks between batches."""

from __future__ import annotations

import httpx
import orjson
from sqlalchemy import select

from awooop.core.db import Database
from awooop.models import Run
from tests.factories import Factory
from tests.fakes.events import load_playbooks

RESTART_ALL = "playbooks:\n  - {id: restart-all, agent_id: k8s-remediator, action: rollout-restart}\n"
SCALE_ALL = "playbooks:\n  - {id: scale-all, agent_id: k8s-remediator, action: scale-out}\n"


def _firing(fingerprint: str) -> bytes:
    alert = {
        "status": "firing",
        "labels": {"alertname": "KubePodCrashLooping", "namespace": "payments", "pod": "checkout-api"},
        "annotations": {"summary": "crash looping"},
        "startsAt": "2026-08-20T12:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": fingerprint,
    }
    return orjson.dumps({"version": "4", "status": "firing", "receiver": "awooop", "alerts": [alert]})


async def _playbook_of_runs(db: Database) -> list[str | None]:
    async with db.reader() as session:
        return list((await session.scalars(select(Run.playbook_id).order_by(Run.created_at, Run.id))).all())


async def test_playbooks_put_through_the_api_or_loaded_directly_apply_to_the_next_delivery(
    client: httpx.AsyncClient, factory: Factory, clean_db: Database
) -> None:
    project = await factory.project("acme")
    operator = await factory.operator_headers()
    intake = {"Authorization": f"Bearer {project.intake_token}", "Content-Type": "application/json"}

    async def deliver(fingerprint: str) -> None:
        response = await client.post("/api/v1/hub/acme/alertmanager", content=_firing(fingerprint), headers=intake)
        assert response.status_code == 202, response.text

    await deliver("0000000000000001")  # no playbook yet: the hub now holds an empty set for acme
    assert await _playbook_of_runs(clean_db) == []
    put = await client.put(
        "/api/v1/platform/playbooks/acme", content=RESTART_ALL, headers=operator | {"Content-Type": "application/yaml"}
    )
    assert put.status_code == 200, put.text
    await deliver("0000000000000002")
    assert await _playbook_of_runs(clean_db) == ["restart-all"]
    await load_playbooks(clean_db, "acme", SCALE_ALL)  # another writer of this database (CLI-like)
    await deliver("0000000000000003")
    assert await _playbook_of_runs(clean_db) == ["restart-all", "scale-all"]
