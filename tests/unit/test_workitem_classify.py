"""Work-item classification (SPEC §5), priority and mode resolution: every branch, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from awooop.workitems import classify
from awooop.workitems.classify import GroupFacts, RunFacts

T0 = datetime(2026, 8, 20, 9, 0, tzinfo=UTC)
BEFORE, AFTER = T0 - timedelta(minutes=5), T0 + timedelta(minutes=5)


def run(state: str, outcome: str | None = None, finished: datetime | None = T0, mode: str = "live") -> RunFacts:
    return RunFacts(state=state, mode=mode, repair_outcome=outcome, finished_at=finished)


CASES = [
    # (case, latest live run L, a playbook matches, newest original firing, expected status)
    ("awaiting approval is a manual gate", run("awaiting_approval", finished=None), True, AFTER, "manual_gate"),
    ("gate wins even without a playbook", run("awaiting_approval", finished=None), False, None, "manual_gate"),
    ("failed run", run("failed"), True, BEFORE, "failed_repair"),
    ("completed but repair outcome failed", run("completed", "failed"), True, BEFORE, "failed_repair"),
    ("failed run that recurred is still failed", run("failed", "failed"), True, AFTER, "failed_repair"),
    ("verified and quiet since", run("completed", "verified"), True, BEFORE, "verified_repair"),
    ("verified, nothing in the window at all", run("completed", "verified"), False, None, "verified_repair"),
    ("original at the finish instant is not after it", run("completed", "verified"), True, T0, "verified_repair"),
    ("recurred after a verified repair", run("completed", "verified"), True, AFTER, "open"),
    ("completed but unverified", run("completed", "unverified"), True, BEFORE, "open"),
    ("completed without outcome", run("completed"), True, BEFORE, "open"),
    ("queued", run("queued", finished=None), True, AFTER, "open"),
    ("running", run("running", finished=None), False, AFTER, "open"),
    ("cancelled (rejected approval)", run("cancelled"), True, BEFORE, "open"),
    ("no live run and no playbook", None, False, AFTER, "automation_gap"),
    ("no live run but a playbook matches", None, True, AFTER, "open"),
]


@pytest.mark.parametrize(("case", "latest", "playbook", "last_original", "expected"), CASES, ids=[c[0] for c in CASES])
def test_classification_follows_spec_order(
    case: str, latest: RunFacts | None, playbook: bool, last_original: datetime | None, expected: str
) -> None:
    result = classify.classify(
        GroupFacts(latest_live_run=latest, playbook_matches=playbook, last_original_at=last_original)
    )
    assert result.status == expected, case
    assert result.reason


@pytest.mark.parametrize(
    ("original_total", "status", "expected"),
    [
        (1, "open", False),
        (2, "open", True),
        (1, "manual_gate", True),
        (1, "failed_repair", True),
        (1, "verified_repair", False),
        (1, "automation_gap", False),
        (3, "verified_repair", True),
    ],
)
def test_work_item_exists_for_recurrent_groups_and_human_gates(
    original_total: int, status: str, expected: bool
) -> None:
    recurrent = classify.is_recurrent(original_total)
    assert classify.has_work_item(status, recurrent=recurrent) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("severity", "status", "originals", "expected"),
    [
        ("critical", "open", 2, "P1"),
        ("critical", "failed_repair", 9, "P1"),  # clamped
        ("error", "open", 2, "P2"),
        ("error", "manual_gate", 2, "P1"),
        ("warning", "open", 2, "P3"),
        ("warning", "open", 5, "P2"),  # chronic
        ("warning", "failed_repair", 5, "P1"),
        ("info", "open", 2, "P4"),
        (None, "automation_gap", 2, "P4"),
        ("critical", "verified_repair", 2, "P2"),
        ("info", "verified_repair", 2, "P4"),  # clamped
    ],
)
def test_priority(severity: str | None, status: str, originals: int, expected: str) -> None:
    assert classify.priority(severity, status, originals) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("requested", "status", "playbook", "in_flight", "expected"),
    [
        ("auto", "manual_gate", True, True, "manual_review"),
        ("auto", "failed_repair", True, False, "manual_review"),
        ("auto", "verified_repair", True, False, "manual_review"),
        ("auto", "automation_gap", False, False, "ticket"),
        ("auto", "open", True, False, "auto_repair"),
        ("auto", "open", False, False, "ticket"),
        ("auto", "open", True, True, "manual_review"),
        ("ticket", "open", True, False, "ticket"),
        ("auto_repair", "automation_gap", False, False, "auto_repair"),
        ("manual_review", "open", True, False, "manual_review"),
    ],
)
def test_mode_resolution(requested: str, status: str, playbook: bool, in_flight: bool, expected: str) -> None:
    resolved = classify.resolve_mode(
        requested,  # type: ignore[arg-type]
        status,  # type: ignore[arg-type]
        playbook_available=playbook,
        run_in_flight=in_flight,
    )
    assert resolved == expected


def test_every_status_has_a_next_step_and_an_auto_mode() -> None:
    for status in classify.STATUSES:
        assert classify.NEXT_STEPS[status]
        assert classify.AUTO_MODE[status] in ("auto_repair", "manual_review", "ticket")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {
                "alertname": "KubePodCrashLooping",
                "namespace": "payments",
                "target_resource": "api",
                "original_total": 3,
            },
            "KubePodCrashLooping on payments/api fired 3×",
        ),
        ({"alertname": None, "namespace": None, "target_resource": None, "original_total": 1}, "fp:abc fired once"),
    ],
)
def test_titles_name_the_alert_and_where(kwargs: dict[str, object], expected: str) -> None:
    assert classify.work_item_title(recurrence_key="fp:abc", **kwargs).english == expected  # type: ignore[arg-type]
