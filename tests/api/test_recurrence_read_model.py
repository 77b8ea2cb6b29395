"""GET /events/dossier/recurrence over data built through the hub, playbook and agent APIs."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from awooop.core.db import Database
from awooop.hub.envelope import work_item_id
from awooop.operators import projects
from tests.api.test_workitem_scenario import LIVE_PLAYBOOK, NO_PLAYBOOKS, RECURRENCE, Scenario
from tests.factories import Factory

FP_CRASH = "c0ffee0000000001"
FP_OTHER = "c0ffee0000000002"


@pytest.fixture
async def scenario(client: httpx.AsyncClient, factory: Factory, fixtures_dir: Path) -> Scenario:
    return await Scenario(client, factory, fixtures_dir).setup()


async def test_a_group_carries_its_events_runs_incident_and_work_item(scenario: Scenario) -> None:
    await scenario.playbooks(LIVE_PLAYBOOK)
    first = await scenario.fire(FP_CRASH, 1)
    await scenario.fire(FP_CRASH, 1)  # Alertmanager's repeat: a duplicate of the first
    latest = await scenario.fire(FP_CRASH, 2, trace_id="4bf92f3577b34da6a3ce929d0e0e4736")

    body = await scenario.recurrence()
    assert body["project_id"] == "*"
    assert body["limit"] == 100
    [group] = body["items"]
    assert group["recurrence_key"] == f"fp:{FP_CRASH}"
    assert (group["provider"], group["alertname"], group["severity"]) == (
        "alertmanager",
        "KubePodCrashLooping",
        "warning",
    )
    assert (group["namespace"], group["fingerprint"]) == ("payments", FP_CRASH)
    assert group["latest_event_id"] == latest["event_id"]
    assert group["latest_provider_event_id"] == latest["provider_event_id"]
    assert "KubePodCrashLooping" in group["latest_content_preview"]
    assert (group["occurrence_total"], group["duplicate_total"]) == (3, 1)
    # One run: the first firing queued it, the second was linked to it while unfinished.
    assert group["linked_run_total"] == 1
    assert group["run_state_counts"] == {"queued": 1}
    assert group["latest_run_state"] == "queued"
    assert group["latest_agent_id"] == "k8s-remediator"
    assert group["latest_incident_id"].startswith("INC-")
    assert group["incident_ids"] == [group["latest_incident_id"]]
    assert group["alert_ref_total"] == 3
    assert group["source_ref_total"] >= 3
    assert (group["missing_source_refs_total"], group["sentry_ref_total"], group["signoz_ref_total"]) == (0, 0, 0)
    assert datetime.fromisoformat(group["first_received_at"]) < datetime.fromisoformat(group["latest_received_at"])
    assert group["repair_summary"]["live_runs"] == 1
    assert group["repair_summary"]["original_occurrence_total"] == 2
    assert group["work_item"] == {
        "work_item_id": work_item_id("acme", f"fp:{FP_CRASH}"),
        "project_id": "acme",
        "recurrence_key": f"fp:{FP_CRASH}",
        "status": "open",
        "status_reason": "the latest run is queued, repair outcome none",
        "title": "KubePodCrashLooping on payments/checkout-api-7d9f8b6c5-x2kqz fired 2×",
        "next_step": group["work_item"]["next_step"],
        "priority": "P3",
    }
    assert first["event_id"] != latest["event_id"]

    summary = body["summary"]
    assert summary == {
        "source_event_total": 3,
        "recurrence_group_total": 1,
        "recurrent_group_total": 1,
        "duplicate_event_total": 1,
        "linked_run_total": 1,
        "unlinked_event_total": 0,  # the duplicate counts as linked through its original
        "auto_repair_linked_total": 1,
        "verified_repair_group_total": 0,
        "open_work_item_group_total": 1,
        "manual_gate_group_total": 0,
        "automation_gap_group_total": 0,
        "failed_repair_group_total": 0,
        "latest_received_at": group["latest_received_at"],
    }


async def test_groups_order_by_occurrences_then_newest(scenario: Scenario) -> None:
    await scenario.fire(FP_CRASH, 1)
    await scenario.fire(FP_CRASH, 2)
    await scenario.fire("c0ffee00000000a1", 1, alertname="TargetDown")
    await scenario.fire("c0ffee00000000a2", 1, alertname="NodeDiskFull")
    keys = [item["recurrence_key"] for item in (await scenario.recurrence())["items"]]
    assert keys == [f"fp:{FP_CRASH}", "fp:c0ffee00000000a2", "fp:c0ffee00000000a1"]


async def test_a_single_firing_without_playbook_is_an_automation_gap_without_work_item(scenario: Scenario) -> None:
    await scenario.fire(FP_OTHER, 1)
    body = await scenario.recurrence()
    [group] = body["items"]
    assert group["work_item"] is None
    assert group["linked_run_total"] == 0
    assert group["latest_run_id"] is None
    assert body["summary"]["automation_gap_group_total"] == 1
    assert body["summary"]["recurrent_group_total"] == 0
    assert body["summary"]["unlinked_event_total"] == 1


async def test_a_resolve_is_an_occurrence_but_not_a_recurrence(scenario: Scenario) -> None:
    await scenario.fire(FP_OTHER, 1)
    await scenario.resolve(FP_OTHER, 1)
    body = await scenario.recurrence()
    [group] = body["items"]
    assert group["occurrence_total"] == 2
    assert group["duplicate_total"] == 0
    assert group["work_item"] is None  # one firing episode that ended is not a recurring problem
    assert body["summary"]["recurrent_group_total"] == 0


async def test_limit_takes_the_newest_events_only(scenario: Scenario) -> None:
    await scenario.fire(FP_CRASH, 1)
    await scenario.fire(FP_CRASH, 2)
    await scenario.fire(FP_OTHER, 3, alertname="TargetDown")
    body = await scenario.recurrence(limit=2)
    assert body["limit"] == 2
    assert body["summary"]["source_event_total"] == 2
    occurrences = {item["recurrence_key"]: item["occurrence_total"] for item in body["items"]}
    assert occurrences == {f"fp:{FP_CRASH}": 1, f"fp:{FP_OTHER}": 1}


async def test_heartbeats_never_form_a_group(scenario: Scenario) -> None:
    await scenario.fire(FP_CRASH, 1)
    response = await scenario.client.post(
        "/api/v1/platform/events/dossier/provider-heartbeat",
        json={"project_id": "acme", "providers": ["sentry", "signoz"]},
        headers=scenario.operator,
    )
    assert response.status_code == 200, response.text
    body = await scenario.recurrence()
    assert [item["recurrence_key"] for item in body["items"]] == [f"fp:{FP_CRASH}"]
    assert body["summary"]["source_event_total"] == 1
    assert body["summary"]["linked_run_total"] == 0  # the heartbeats' shadow runs are not repairs


async def test_provider_filter_and_ref_kinds(scenario: Scenario, clean_db: Database) -> None:
    sentry_headers = json.loads((scenario.fixtures_dir / "sentry_event_alert.headers.json").read_text())
    async with clean_db.transaction() as session:
        secret = sentry_headers["_signature"]["secret"]
        await projects.set_secrets(session, "acme", projects.ProjectSecrets(sentry_client_secret=secret))
    await scenario.fire(FP_CRASH, 1)
    await scenario.post("signoz", (scenario.fixtures_dir / "signoz_firing.json").read_bytes())
    await scenario.post(
        "sentry",
        (scenario.fixtures_dir / "sentry_event_alert.json").read_bytes(),
        headers={k: v for k, v in sentry_headers["headers"].items() if k.startswith("Sentry-")},
    )

    everything = await scenario.recurrence()
    assert {item["provider"] for item in everything["items"]} == {"alertmanager", "signoz", "sentry"}
    by_provider = {item["provider"]: item for item in everything["items"]}
    assert by_provider["sentry"]["sentry_ref_total"] == 1
    assert by_provider["signoz"]["signoz_ref_total"] == 1
    assert by_provider["alertmanager"]["sentry_ref_total"] == 0

    only_signoz = await scenario.recurrence(provider="signoz")
    assert [item["provider"] for item in only_signoz["items"]] == ["signoz"]
    assert only_signoz["summary"]["source_event_total"] == 1


async def test_another_projects_groups_never_leak(scenario: Scenario, factory: Factory) -> None:
    await scenario.fire(FP_CRASH, 1)
    beta = await Scenario(scenario.client, factory, scenario.fixtures_dir, project_id="beta").setup()
    await beta.fire(FP_OTHER, 1)

    mine = await scenario.recurrence()  # a key scoped to acme, project_id omitted
    assert [item["recurrence_key"] for item in mine["items"]] == [f"fp:{FP_CRASH}"]
    assert (await scenario.recurrence(project_id="acme"))["project_id"] == "acme"

    forbidden = await scenario.client.get(RECURRENCE, params={"project_id": "beta"}, headers=scenario.operator)
    assert forbidden.status_code == 403
    assert "beta" in forbidden.json()["detail"]

    everyone = await scenario.recurrence(headers=scenario.admin)
    assert {item["recurrence_key"] for item in everyone["items"]} == {f"fp:{FP_CRASH}", f"fp:{FP_OTHER}"}
    # The same fingerprint in two projects is two problems, with two work items.
    await beta.fire(FP_CRASH, 2)
    await beta.fire(FP_CRASH, 3)
    crash_groups = [
        item for item in (await scenario.recurrence(headers=scenario.admin))["items"] if item["fingerprint"] == FP_CRASH
    ]
    assert len(crash_groups) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 301}, "limit"),
        ({"provider": "nagios"}, "provider"),
        ({"project_id": "A B"}, "project_id"),
    ],
)
async def test_bad_queries_are_refused_naming_the_field(
    scenario: Scenario, params: dict[str, object], field: str
) -> None:
    response = await scenario.client.get(RECURRENCE, params=params, headers=scenario.operator)
    assert response.status_code == 422
    assert field in response.json()["detail"]


async def test_needs_an_operator(client: httpx.AsyncClient, factory: Factory) -> None:
    assert (await client.get(RECURRENCE)).status_code == 401
    agent = await factory.key(role="agent")
    assert (await client.get(RECURRENCE, headers={"X-AwoooP-Operator-Key": agent})).status_code == 403


async def test_a_firing_just_before_the_window_still_reopens_a_verified_repair(scenario: Scenario) -> None:
    await scenario.playbooks(LIVE_PLAYBOOK)
    await scenario.fire(FP_CRASH, 1)
    await scenario.repair("completed", "verified")
    await scenario.fire(FP_OTHER, 1, alertname="TargetDown")
    await scenario.fire(FP_CRASH, 1)  # Alertmanager repeats the old episode: a duplicate, not a recurrence
    quiet_body = await scenario.recurrence(limit=2)
    assert quiet_body["summary"]["verified_repair_group_total"] == 1
    quiet = {item["recurrence_key"]: item for item in quiet_body["items"]}
    assert quiet[f"fp:{FP_CRASH}"]["occurrence_total"] == 1
    assert quiet[f"fp:{FP_CRASH}"]["repair_summary"]["recurred_after_verified_repair"] is False
    assert quiet[f"fp:{FP_CRASH}"]["work_item"] is None  # verified, single firing: nothing to do

    await scenario.playbooks(NO_PLAYBOOKS)
    await scenario.fire(FP_CRASH, 5, severity="critical")  # a new episode after the repair, no new run
    await scenario.fire(FP_OTHER, 2, alertname="TargetDown")
    await scenario.fire(FP_CRASH, 5, severity="critical")  # its repeat: the only FP_CRASH event in the window
    body = await scenario.recurrence(limit=2)
    assert body["summary"]["verified_repair_group_total"] == 0  # reopened: counted as open
    assert body["summary"]["open_work_item_group_total"] == 1
    window = {item["recurrence_key"]: item for item in body["items"]}
    crash = window[f"fp:{FP_CRASH}"]
    assert crash["duplicate_total"] == crash["occurrence_total"] == 1
    assert crash["repair_summary"]["recurred_after_verified_repair"] is True
    assert crash["latest_run_state"] == "completed"
