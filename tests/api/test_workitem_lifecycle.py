"""Work items end to end: every classification status built through the real intake and agent APIs,
then preview, dry-run, handoff and history as an operator uses them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from awooop.hub import envelope
from tests.api.test_workitem_scenario import (
    AGENT,
    DRY_RUN,
    HANDOFF,
    HISTORY,
    LIVE_PLAYBOOK,
    NO_PLAYBOOKS,
    PREVIEW,
    Scenario,
)
from tests.factories import Factory

FP_GATE, FP_FAIL, FP_VERIFIED = "d00d000000000001", "d00d000000000002", "d00d000000000003"
FP_OPEN, FP_GAP, FP_RECUR = "d00d000000000004", "d00d000000000005", "d00d000000000006"
CHECK_IDS = [
    "work_item_found",
    "dossier_present",
    "recurrence_active",
    "no_run_in_flight",
    "playbook_available",
    "repair_budget",
    "incident_state",
]
PLAYBOOKS = f"""
playbooks:
  - id: gate-payments
    match: {{alertname: GatedAlert}}
    agent_id: {AGENT}
    action: scale-up
    requires_approval: true
  - id: flaky-restart
    match: {{alertname: FlakyAlert}}
    agent_id: {AGENT}
    action: rollout-restart
  - id: restart-crashlooping
    match: {{alertname: KubePodCrashLooping}}
    agent_id: {AGENT}
    action: rollout-restart
"""
PLAYBOOKS_WITHOUT_FLAKY = PLAYBOOKS.replace("FlakyAlert", "NoLongerMatched")


@pytest.fixture
async def scenario(client: httpx.AsyncClient, factory: Factory, fixtures_dir: Path) -> Scenario:
    return await Scenario(client, factory, fixtures_dir).setup()


async def build_every_status(s: Scenario) -> None:
    await s.playbooks(PLAYBOOKS)
    await s.fire(FP_FAIL, 1)
    await s.repair("failed", "failed")
    await s.fire(FP_VERIFIED, 1)
    await s.fire(FP_VERIFIED, 2)  # linked to the unfinished run
    await s.repair("completed", "verified")
    await s.fire(FP_RECUR, 1, alertname="FlakyAlert")
    await s.repair("completed", "verified")
    await s.playbooks(PLAYBOOKS_WITHOUT_FLAKY)
    await s.fire(FP_RECUR, 2, alertname="FlakyAlert")  # after the repair finished, and no new run
    await s.fire(FP_GATE, 1, alertname="GatedAlert", severity="critical")
    await s.fire(FP_OPEN, 1)
    await s.fire(FP_OPEN, 2)
    await s.fire(FP_GAP, 1, alertname="DiskFull")
    await s.fire(FP_GAP, 2, alertname="DiskFull")


async def preview(s: Scenario, work_item_id: str, expected: int = 200, **params: Any) -> dict[str, Any]:
    response = await s.client.get(PREVIEW, params={"work_item_id": work_item_id, **params}, headers=s.operator)
    assert response.status_code == expected, response.text
    body: dict[str, Any] = response.json()
    return body


async def post(s: Scenario, path: str, body: dict[str, Any], expected: int = 200) -> dict[str, Any]:
    response = await s.client.post(path, json=body, headers=s.operator)
    assert response.status_code == expected, response.text
    answer: dict[str, Any] = response.json()
    return answer


def checks_of(body: dict[str, Any]) -> dict[str, str]:
    return {check["id"]: check["status"] for check in body["checks"]}


async def test_every_status_end_to_end(scenario: Scenario) -> None:
    await build_every_status(scenario)
    body = await scenario.recurrence()
    by_key = {item["recurrence_key"].removeprefix("fp:"): item for item in body["items"]}
    statuses = {fp: (item["work_item"] or {}).get("status") for fp, item in by_key.items()}
    assert statuses == {
        FP_GATE: "manual_gate",  # one firing, but it needs a human: work item
        FP_FAIL: "failed_repair",  # one firing, failed repair: work item
        FP_VERIFIED: "verified_repair",
        FP_RECUR: "open",
        FP_OPEN: "open",
        FP_GAP: "automation_gap",
    }
    assert by_key[FP_RECUR]["work_item"]["status_reason"] == "the problem fired again after a verified repair"
    assert by_key[FP_RECUR]["repair_summary"]["recurred_after_verified_repair"] is True
    assert by_key[FP_VERIFIED]["repair_summary"]["verified"] == 1
    assert by_key[FP_FAIL]["repair_summary"]["failed"] == 1
    assert by_key[FP_GATE]["latest_run_state"] == "awaiting_approval"
    assert by_key[FP_GATE]["work_item"]["priority"] == "P1"  # critical and waiting for a human
    assert by_key[FP_GAP]["latest_run_id"] is None
    summary = body["summary"]
    assert (
        summary["manual_gate_group_total"],
        summary["failed_repair_group_total"],
        summary["verified_repair_group_total"],
        summary["open_work_item_group_total"],
        summary["automation_gap_group_total"],
    ) == (1, 1, 1, 2, 1)
    assert summary["recurrence_group_total"] == 6
    assert summary["recurrent_group_total"] == 4


async def test_preview_of_an_automation_gap_proposes_a_ticket(scenario: Scenario) -> None:
    await scenario.fire(FP_GAP, 1, alertname="DiskFull", trace_id="4bf92f3577b34da6a3ce929d0e0e4736")
    await scenario.fire(FP_GAP, 1, alertname="DiskFull")
    await scenario.fire(FP_GAP, 2, alertname="DiskFull")
    work_item_id = await scenario.work_item_id(FP_GAP)

    body = await preview(scenario, work_item_id)
    assert body["project_id"] == "acme"
    assert body["work_item"]["status"] == "automation_gap"
    assert (body["requested_mode"], body["resolved_mode"]) == ("auto", "ticket")
    assert body["next_step"] == body["work_item"]["next_step"]
    assert [check["id"] for check in body["checks"]] == CHECK_IDS
    assert checks_of(body) == {
        "work_item_found": "pass",
        "dossier_present": "pass",
        "recurrence_active": "pass",
        "no_run_in_flight": "pass",
        "playbook_available": "warn",
        "repair_budget": "pass",
        "incident_state": "pass",
    }
    assert body["outcome"] == "ready"
    dossier = next(check for check in body["checks"] if check["id"] == "dossier_present")
    assert dossier["data"]["ref_kinds"]["alert"] == 3
    assert [event["is_duplicate"] for event in body["evidence"]] == [False, True, False]
    oldest = body["evidence"][-1]
    assert oldest["log_correlation"]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert oldest["source_url"].startswith("http://prometheus-k8s-0:9090/graph")
    assert oldest["source_refs"]["alert"]["runbook_url"].startswith("https://runbooks.")
    assert body["group"]["occurrence_total"] == 3
    assert body["guarantees"] == {
        "read_only": True,
        "history_recorded": False,
        "incident_mutation": False,
        "run_mutation": False,
        "auto_repair_mutation": False,
        "ticket_mutation": False,
        "notification_queued": False,
    }

    forced = await preview(scenario, work_item_id, mode="auto_repair")
    assert forced["resolved_mode"] == "auto_repair"
    assert checks_of(forced)["playbook_available"] == "fail"
    assert forced["outcome"] == "blocked"


async def test_dry_run_plans_the_repair_a_new_playbook_would_queue(scenario: Scenario) -> None:
    await scenario.fire(FP_GAP, 1)
    await scenario.fire(FP_GAP, 2)
    await scenario.playbooks(LIVE_PLAYBOOK)  # after the firings: no run yet, but one would match now
    work_item_id = await scenario.work_item_id(FP_GAP)

    body = await post(scenario, DRY_RUN, {"work_item_id": work_item_id})
    assert body["work_item"]["status"] == "open"
    assert body["resolved_mode"] == "auto_repair"
    assert body["outcome"] == "ready"
    assert body["blocked_by"] == []
    assert body["playbook"] == {
        "playbook_id": "restart-crashlooping",
        "agent_id": AGENT,
        "action": "rollout-restart",
        "requires_approval": False,
        "mode": "live",
    }
    assert [action["action"] for action in body["would_do"]] == ["queue_run", "link_incident"]
    assert AGENT in body["would_do"][0]["detail"]
    assert "rollout-restart" in body["would_do"][0]["detail"]
    assert body["operator"] == {"operator_id": "alice", "auth_method": "operator_key"}
    assert body["guarantees"]["read_only"] is False
    assert body["guarantees"]["history_recorded"] is True
    assert body["guarantees"]["run_mutation"] is False

    history = (
        await scenario.client.get(HISTORY, params={"work_item_id": work_item_id}, headers=scenario.operator)
    ).json()
    [record] = history["records"]
    assert record["id"] == body["dry_run_id"]
    assert (record["kind"], record["mode"], record["resolved_mode"], record["outcome"]) == (
        "dry_run",
        "auto",
        "auto_repair",
        "ready",
    )
    assert (record["operator_id"], record["auth_method"]) == ("alice", "operator_key")
    assert [check["id"] for check in record["body"]["checks"]] == CHECK_IDS
    assert record["body"]["would_do"] == body["would_do"]


async def test_a_gated_item_resolves_to_manual_review_and_plans_the_decision(scenario: Scenario) -> None:
    await scenario.playbooks(PLAYBOOKS)
    await scenario.fire(FP_GATE, 1, alertname="GatedAlert")
    work_item_id = await scenario.work_item_id(FP_GATE)
    body = await post(scenario, DRY_RUN, {"work_item_id": work_item_id, "mode": "auto"})
    assert body["resolved_mode"] == "manual_review"
    assert checks_of(body)["no_run_in_flight"] == "warn"
    assert [action["action"] for action in body["would_do"]] == ["decide_approval", "assign_manual_review"]

    forced = await post(scenario, DRY_RUN, {"work_item_id": work_item_id, "mode": "auto_repair"})
    assert forced["outcome"] == "blocked"
    assert forced["blocked_by"] == ["no_run_in_flight"]
    assert [action["action"] for action in forced["would_do"]] == ["stop"]


async def test_an_exhausted_repair_budget_blocks_auto_repair(scenario: Scenario) -> None:
    await scenario.playbooks(LIVE_PLAYBOOK)
    for minute in (1, 2, 3):
        await scenario.fire(FP_FAIL, minute)
        await scenario.repair("failed", "failed")
    work_item_id = await scenario.work_item_id(FP_FAIL)

    auto = await preview(scenario, work_item_id)
    assert auto["work_item"]["status"] == "failed_repair"
    assert auto["resolved_mode"] == "manual_review"
    assert checks_of(auto)["repair_budget"] == "warn"
    budget = next(check for check in auto["checks"] if check["id"] == "repair_budget")
    assert budget["data"] == {"failed_repairs_24h": 3, "budget": 3}

    forced = await preview(scenario, work_item_id, mode="auto_repair")
    assert checks_of(forced)["repair_budget"] == "fail"
    assert forced["outcome"] == "blocked"


async def test_a_resolved_incident_and_quiet_alert_only_warn(scenario: Scenario) -> None:
    await scenario.fire(FP_GAP, 1)
    await scenario.fire(FP_GAP, 2)
    await scenario.resolve(FP_GAP, 2)
    work_item_id = await scenario.work_item_id(FP_GAP)
    body = await preview(scenario, work_item_id)
    checks = checks_of(body)
    assert (checks["recurrence_active"], checks["incident_state"]) == ("warn", "warn")
    incident = next(check for check in body["checks"] if check["id"] == "incident_state")
    assert "resolved" in incident["detail"]


async def test_ticket_handoff_records_a_proposal_built_on_the_latest_dry_run(scenario: Scenario) -> None:
    await scenario.fire(FP_GAP, 1, alertname="DiskFull", trace_id="4bf92f3577b34da6a3ce929d0e0e4736")
    await scenario.fire(FP_GAP, 2, alertname="DiskFull", severity="critical")
    work_item_id = await scenario.work_item_id(FP_GAP)

    blind = await post(scenario, HANDOFF, {"work_item_id": work_item_id})
    assert blind["handoff_kind"] == "ticket_proposal"
    assert blind["based_on_id"] is None
    assert "no dry-run" in blind["warning"]

    first = await post(scenario, DRY_RUN, {"work_item_id": work_item_id})
    latest = await post(scenario, DRY_RUN, {"work_item_id": work_item_id, "mode": "ticket"})
    handoff = await post(scenario, HANDOFF, {"work_item_id": work_item_id, "handoff_kind": "ticket_proposal"})
    assert handoff["based_on_id"] == latest["dry_run_id"] != first["dry_run_id"]
    assert handoff["warning"] is None
    assert handoff["manual_takeover"] is None
    ticket = handoff["ticket_proposal"]
    assert ticket["title"].startswith("[P1] DiskFull")
    assert ticket["severity"] == "critical"
    assert {"awooop", "status:automation_gap", "severity:critical", "alertname:DiskFull"} <= set(ticket["labels"])
    assert ticket["correlation"]["trace_id"] == ["4bf92f3577b34da6a3ce929d0e0e4736"]
    kinds = {link["kind"] for link in ticket["links"]}
    assert {"alertmanager:source_url", "alert:runbook_url"} <= kinds
    markdown = ticket["body_markdown"]
    assert work_item_id in markdown
    assert "4bf92f3577b34da6a3ce929d0e0e4736" in markdown
    assert "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping" in markdown
    assert latest["dry_run_id"] in markdown
    assert "no external ticket was created" in markdown
    # Ids are code, the table has a header, and every time reads the same way.
    assert f"| Work item | `{work_item_id}` |" in markdown
    assert f"`{latest['dry_run_id']}`" in markdown
    assert "| Field | Value |" in markdown
    assert "| | |" not in markdown
    assert "'" + work_item_id not in markdown
    assert not re.search(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?\+00:00", markdown)
    assert re.search(r"from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", markdown)

    history = (
        await scenario.client.get(HISTORY, params={"work_item_id": work_item_id}, headers=scenario.operator)
    ).json()
    assert [record["kind"] for record in history["records"]] == ["handoff", "dry_run", "dry_run", "handoff"]
    assert history["records"][0]["id"] == handoff["handoff_id"]
    assert history["records"][0]["based_on_id"] == latest["dry_run_id"]
    assert history["records"][0]["body"]["ticket_proposal"]["title"] == ticket["title"]
    assert history["total"] == 4
    two = (
        await scenario.client.get(HISTORY, params={"work_item_id": work_item_id, "limit": 2}, headers=scenario.operator)
    ).json()
    assert [record["id"] for record in two["records"]] == [handoff["handoff_id"], latest["dry_run_id"]]


async def test_manual_takeover_names_who_when_and_what(scenario: Scenario) -> None:
    await scenario.playbooks(LIVE_PLAYBOOK)
    await scenario.fire(FP_FAIL, 1)
    failed = await scenario.repair("failed", "failed")
    work_item_id = await scenario.work_item_id(FP_FAIL)
    await post(scenario, DRY_RUN, {"work_item_id": work_item_id})
    body = await post(scenario, HANDOFF, {"work_item_id": work_item_id, "handoff_kind": "manual_takeover"})
    takeover = body["manual_takeover"]
    assert body["ticket_proposal"] is None
    assert (takeover["taken_over_by"], takeover["auth_method"]) == ("alice", "operator_key")
    assert takeover["taken_over_at"] == body["recorded_at"]
    assert takeover["state"]["status"] == "failed_repair"
    assert takeover["state"]["latest_run_id"] == failed["id"]
    assert takeover["state"]["latest_run_state"] == "failed"
    assert takeover["state"]["latest_incident_id"].startswith("INC-")
    assert takeover["state"]["checks"]["work_item_found"] == "pass"


async def test_history_of_a_fresh_work_item_is_empty(scenario: Scenario) -> None:
    await scenario.fire(FP_GAP, 1)
    await scenario.fire(FP_GAP, 2)
    work_item_id = await scenario.work_item_id(FP_GAP)
    response = await scenario.client.get(HISTORY, params={"work_item_id": work_item_id}, headers=scenario.operator)
    assert response.status_code == 200
    body = response.json()
    lifetime = body.pop("lifetime")  # additive (retention): every occurrence the work item ever had
    assert body == {
        "project_id": "acme",
        "work_item_id": work_item_id,
        "limit": 50,
        "total": 0,
        "records": [],
        "recurrence_key": f"fp:{FP_GAP}",
    }
    assert lifetime["occurrence_total"] == 2


async def test_unknown_work_items_are_not_found_everywhere(scenario: Scenario) -> None:
    await scenario.fire(FP_GAP, 1)  # a group, but a single firing: no work item
    single = await scenario.group(FP_GAP)
    assert single["work_item"] is None
    for unknown in ("wi_0000000000000000", envelope.work_item_id("acme", f"fp:{FP_GAP}")):
        assert (await preview(scenario, unknown, expected=404))["detail"] == "recurrence_work_item_not_found"
        for path in (DRY_RUN, HANDOFF):
            body = await post(scenario, path, {"work_item_id": unknown}, expected=404)
            assert body["detail"] == "recurrence_work_item_not_found"
            assert body["work_item_id"] == unknown
        response = await scenario.client.get(HISTORY, params={"work_item_id": unknown}, headers=scenario.operator)
        assert response.status_code == 404
        assert response.json()["detail"] == "recurrence_work_item_not_found"


async def test_another_projects_work_item_is_not_found_or_forbidden(scenario: Scenario, factory: Factory) -> None:
    beta = await Scenario(scenario.client, factory, scenario.fixtures_dir, project_id="beta").setup()
    await beta.fire(FP_GAP, 1)
    await beta.fire(FP_GAP, 2)
    work_item_id = await beta.work_item_id(FP_GAP)
    await post(beta, DRY_RUN, {"work_item_id": work_item_id})

    # acme's key, project omitted: beta's item is simply not there (its existence is not revealed).
    assert (await preview(scenario, work_item_id, expected=404))["detail"] == "recurrence_work_item_not_found"
    await post(scenario, DRY_RUN, {"work_item_id": work_item_id}, expected=404)
    await post(scenario, HANDOFF, {"work_item_id": work_item_id}, expected=404)
    history = await scenario.client.get(HISTORY, params={"work_item_id": work_item_id}, headers=scenario.operator)
    assert history.status_code == 404
    # Naming beta explicitly is a scope violation.
    assert (await preview(scenario, work_item_id, expected=403, project_id="beta"))["code"] == "forbidden"
    await post(scenario, DRY_RUN, {"work_item_id": work_item_id, "project_id": "beta"}, expected=403)
    await post(scenario, HANDOFF, {"work_item_id": work_item_id, "project_id": "beta"}, expected=403)
    history = await scenario.client.get(
        HISTORY, params={"work_item_id": work_item_id, "project_id": "beta"}, headers=scenario.operator
    )
    assert history.status_code == 403
    # Beta's own key sees it, and its project.
    assert (await preview(beta, work_item_id))["project_id"] == "beta"


async def test_work_item_routes_validate_their_input(scenario: Scenario) -> None:
    response = await scenario.client.get(PREVIEW, headers=scenario.operator)
    assert response.status_code == 422
    assert "work_item_id" in response.json()["detail"]
    for body, field in (
        ({"work_item_id": "wi_x", "mode": "yolo"}, "mode"),
        ({"work_item_id": "wi_x", "limit": 301}, "limit"),
        ({"work_item_id": "wi_x", "handoff_kind": "email"}, "handoff_kind"),
        ({"work_item_id": "wi_x", "provider": "nagios"}, "provider"),
        ({"work_item_id": "wi_x", "project_id": "Not A Project"}, "project_id"),
        ({"work_item_id": ""}, "work_item_id"),
    ):
        answer = await scenario.client.post(HANDOFF, json=body, headers=scenario.operator)
        assert answer.status_code == 422, body
        assert field in answer.json()["detail"], answer.json()
    assert (await scenario.client.post(DRY_RUN, json={"work_item_id": "wi_x"})).status_code == 401
    assert (await scenario.client.get(HISTORY, params={"work_item_id": "wi_x"})).status_code == 401


async def test_no_playbooks_left_keeps_an_open_item_a_ticket(scenario: Scenario) -> None:
    await scenario.playbooks(NO_PLAYBOOKS)
    await scenario.fire(FP_OPEN, 1)
    await scenario.fire(FP_OPEN, 2)
    body = await preview(scenario, await scenario.work_item_id(FP_OPEN), mode="ticket")
    assert body["resolved_mode"] == "ticket"
    assert body["outcome"] == "ready"
