"""/api/v1/platform/silences: create, list, get, expire, update, preview, and clear 422s."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from awooop.core.clock import utcnow
from tests.factories import Factory

PLATFORM = "/api/v1/platform"


def _body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project_id": "acme",
        "matchers": [{"name": "alertname", "value": "HighLatency", "isRegex": False, "isEqual": True}],
        "endsAt": (utcnow() + timedelta(hours=2)).isoformat(),
        "createdBy": "someone-else",
        "comment": "deploy 4.2",
    }
    body.update(extra)
    return body


async def _alert(client: httpx.AsyncClient, token: str, name: str, fingerprint: str, namespace: str) -> None:
    alert = {
        "status": "firing",
        "labels": {"alertname": name, "severity": "critical", "namespace": namespace},
        "annotations": {"summary": f"{name} fired"},
        "startsAt": "2026-08-20T09:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": fingerprint,
    }
    body = {"receiver": "awooop", "status": "firing", "alerts": [alert], "version": "4"}
    sent = await client.post("/api/v1/hub/acme/alertmanager", json=body, headers={"Authorization": f"Bearer {token}"})
    assert sent.status_code == 202, sent.text


async def test_create_list_get_expire(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    headers = await factory.operator_headers()
    created = await client.post(f"{PLATFORM}/silences", json=_body(), headers=headers)
    assert created.status_code == 201, created.text
    silence = created.json()
    assert silence["created_by"] == "alice"  # from the key, not from the body
    assert (silence["state"], silence["muting_now"], silence["matchers_text"]) == (
        "active",
        True,
        'alertname="HighLatency"',
    )
    pending = await client.post(
        f"{PLATFORM}/silences",
        json=_body(startsAt=(utcnow() + timedelta(hours=1)).isoformat()),
        headers=headers,
    )
    assert pending.json()["state"] == "pending"

    listed = await client.get(f"{PLATFORM}/silences", params={"project_id": "acme"}, headers=headers)
    assert sorted(s["state"] for s in listed.json()["items"]) == ["active", "pending"]
    only = await client.get(f"{PLATFORM}/silences", params={"state": "pending"}, headers=headers)
    assert [s["id"] for s in only.json()["items"]] == [pending.json()["id"]]

    got = await client.get(f"{PLATFORM}/silences/{silence['id']}", headers=headers)
    assert got.json()["comment"] == "deploy 4.2"
    expired = await client.post(f"{PLATFORM}/silences/{silence['id']}/expire", headers=headers)
    assert expired.json()["state"] == "expired"
    again = await client.post(f"{PLATFORM}/silences/{silence['id']}/expire", headers=headers)
    assert again.status_code == 409
    missing = await client.get(f"{PLATFORM}/silences/not-a-uuid", headers=headers)
    assert missing.status_code == 404


async def test_update_expires_and_recreates(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    headers = await factory.operator_headers()
    old = (await client.post(f"{PLATFORM}/silences", json=_body(), headers=headers)).json()
    updated = await client.put(
        f"{PLATFORM}/silences/{old['id']}",
        json={**_body(comment="longer deploy"), "endsAt": (utcnow() + timedelta(hours=5)).isoformat()},
        headers=headers,
    )
    assert updated.status_code == 200, updated.text
    new = updated.json()
    assert new["id"] != old["id"]
    assert (new["comment"], new["state"]) == ("longer deploy", "active")
    before = (await client.get(f"{PLATFORM}/silences/{old['id']}", headers=headers)).json()
    assert (before["state"], before["replaced_by"]) == ("expired", new["id"])


async def test_invalid_silences_answer_422_naming_the_problem(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    headers = await factory.operator_headers()
    cases = {
        "invalid regular expression": _body(matchers=[{"name": "job", "value": "(api", "isRegex": True}]),
        "endsAt must be after startsAt": _body(
            startsAt=(utcnow() + timedelta(hours=3)).isoformat(), endsAt=(utcnow() + timedelta(hours=1)).isoformat()
        ),
        "matchers must not be empty": _body(matchers=[]),
        "unknown time zone": _body(time_intervals=[{"weekdays": ["monday"]}], time_zone="Nowhere/City"),
        "not a weekday": _body(time_intervals=[{"weekdays": ["someday"]}]),
    }
    for message, body in cases.items():
        answer = await client.post(f"{PLATFORM}/silences", json=body, headers=headers)
        assert answer.status_code == 422, (message, answer.text)
        assert message in answer.json()["detail"], answer.text
    everything = await client.post(f"{PLATFORM}/silences", json=_body(matchers=[], match_all=True), headers=headers)
    assert everything.status_code == 201
    assert everything.json()["matchers_text"] == "(every alert)"


async def test_preview_names_the_open_incidents_and_groups_the_matchers_cover(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    token = (await factory.project("acme")).intake_token
    headers = await factory.operator_headers()
    await _alert(client, token, "HighLatency", "p1", "payments")
    await _alert(client, token, "HighLatency", "p2", "search")
    await _alert(client, token, "DiskFull", "p3", "payments")
    preview = await client.post(
        f"{PLATFORM}/silences/preview",
        json={"project_id": "acme", "matchers": [{"name": "namespace", "value": "payments"}]},
        headers=headers,
    )
    assert preview.status_code == 200, preview.text
    answer = preview.json()
    assert sorted(g["recurrence_key"] for g in answer["recurrence_groups"]) == ["fp:p1", "fp:p3"]
    assert sorted(i["recurrence_key"] for i in answer["incidents"]) == ["fp:p1", "fp:p3"]
    assert answer["events_examined"] == 3


async def test_a_silenced_event_shows_its_silence_and_sends_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    token = (await factory.project("acme")).intake_token
    headers = await factory.operator_headers()
    silence = (await client.post(f"{PLATFORM}/silences", json=_body(), headers=headers)).json()
    await _alert(client, token, "HighLatency", "s1", "payments")
    await _alert(client, token, "DiskFull", "s2", "payments")
    incidents = (await client.get(f"{PLATFORM}/incidents", params={"project_id": "acme"}, headers=headers)).json()
    assert len(incidents["items"]) == 2
    events = (await client.get(f"{PLATFORM}/silences/{silence['id']}/events", headers=headers)).json()
    assert [e["provider_event_id"].split(":")[0] for e in events["events"]] == ["s1"]


async def test_a_key_of_another_project_cannot_create_or_read(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    await factory.project("other")
    admin = await factory.operator_headers()
    scoped = await factory.operator_headers(projects_spec="other")
    created = (await client.post(f"{PLATFORM}/silences", json=_body(), headers=admin)).json()
    assert (await client.post(f"{PLATFORM}/silences", json=_body(), headers=scoped)).status_code == 403
    assert (await client.get(f"{PLATFORM}/silences/{created['id']}", headers=scoped)).status_code == 404
    assert (await client.post(f"{PLATFORM}/silences/{created['id']}/expire", headers=scoped)).status_code == 404
    assert (await client.get(f"{PLATFORM}/silences", headers=scoped)).json()["items"] == []


async def test_the_recurrence_group_and_its_work_item_say_they_are_silenced(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    token = (await factory.project("acme")).intake_token
    headers = await factory.operator_headers()
    silence = (await client.post(f"{PLATFORM}/silences", json=_body(), headers=headers)).json()
    for minute in ("00", "05"):  # recurrent: two originals of one key
        alert = {
            "status": "firing",
            "labels": {"alertname": "HighLatency", "severity": "critical", "namespace": "web"},
            "startsAt": f"2026-08-20T09:{minute}:00Z",
            "fingerprint": "g1",
        }
        body = {"receiver": "awooop", "status": "firing", "alerts": [alert], "version": "4"}
        sent = await client.post(
            "/api/v1/hub/acme/alertmanager", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert sent.status_code == 202
    await _alert(client, token, "DiskFull", "g2", "web")
    groups = (
        await client.get(f"{PLATFORM}/events/dossier/recurrence", params={"project_id": "acme"}, headers=headers)
    ).json()["items"]
    by_key = {g["recurrence_key"]: g for g in groups}
    assert by_key["fp:g1"]["work_item"]["silenced_by"] == silence["id"]
    assert "silenced_by" not in (by_key["fp:g2"]["work_item"] or {})
