"""The Alertmanager v2 silences API of one project, as amtool and other tooling call it."""

from __future__ import annotations

from datetime import timedelta

import httpx

from awooop.core.clock import utcnow
from tests.factories import Factory

AM = "/api/v1/alertmanager/acme/api/v2"


def _postable(**extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "matchers": [{"name": "alertname", "value": "HighLatency", "isRegex": False, "isEqual": True}],
        "startsAt": utcnow().isoformat(),
        "endsAt": (utcnow() + timedelta(hours=1)).isoformat(),
        "createdBy": "ignored",
        "comment": "deploy",
    }
    body.update(extra)
    return body


async def test_status_post_get_update_filter_delete(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    headers = {"Authorization": f"Bearer {await factory.key(projects_spec='acme', operator_id='dora')}"}
    status = await client.get(f"{AM}/status", headers=headers)
    assert status.status_code == 200
    assert status.json()["cluster"]["status"] == "disabled"

    posted = await client.post(f"{AM}/silences", json=_postable(), headers=headers)
    assert posted.status_code == 200, posted.text
    silence_id = posted.json()["silenceID"]
    got = (await client.get(f"{AM}/silence/{silence_id}", headers=headers)).json()
    assert (got["createdBy"], got["status"], got["comment"]) == ("dora", {"state": "active"}, "deploy")
    assert got["endsAt"].endswith("Z")

    updated = await client.post(f"{AM}/silences", json=_postable(id=silence_id, comment="longer"), headers=headers)
    new_id = updated.json()["silenceID"]
    assert new_id != silence_id
    assert (await client.get(f"{AM}/silence/{silence_id}", headers=headers)).json()["status"]["state"] == "expired"

    matching = await client.get(f"{AM}/silences", params={"filter": 'alertname="HighLatency"'}, headers=headers)
    assert sorted(s["id"] for s in matching.json()) == sorted([silence_id, new_id])
    other = await client.get(f"{AM}/silences", params={"filter": "alertname=~Disk.*"}, headers=headers)
    assert other.json() == []

    deleted = await client.delete(f"{AM}/silence/{new_id}", headers=headers)
    assert deleted.status_code == 200
    assert (await client.get(f"{AM}/silence/{new_id}", headers=headers)).json()["status"]["state"] == "expired"
    assert (await client.delete(f"{AM}/silence/{new_id}", headers=headers)).status_code == 409


async def test_another_projects_silence_is_not_found_here(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    await factory.project("other")
    admin = {"Authorization": f"Bearer {await factory.key()}"}
    theirs = (await client.post("/api/v1/alertmanager/other/api/v2/silences", json=_postable(), headers=admin)).json()
    assert (await client.get(f"{AM}/silence/{theirs['silenceID']}", headers=admin)).status_code == 404
    assert (await client.delete(f"{AM}/silence/{theirs['silenceID']}", headers=admin)).status_code == 404
    assert (await client.get(f"{AM}/silences", headers=admin)).json() == []
    missing = await client.get("/api/v1/alertmanager/nope/api/v2/silences", headers=admin)
    assert missing.status_code == 404
    bad = await client.post(f"{AM}/silences", json=_postable(matchers=[]), headers=admin)
    assert bad.status_code == 422
