"""What changed when the console met the real services: run rows built from the run alone plus one
``runs_with_dossier`` set, ids that differ, the week chart, capped incident lists (pure, no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from awooop.console.i18n import catalog, translator
from awooop.console.views.charts import bar_chart
from awooop.console.views.common import short_uuid
from awooop.console.views.overview import RATE_RANGES, build_overview, rate_range
from awooop.console.views.recurrence import GroupRow
from awooop.console.views.runs import RunDetailView, build_runs_view
from awooop.dossier.schemas import ChannelEventDossierSummary
from awooop.runs.schemas import RunAlertLabel, RunDetailRead, RunPage, RunRead
from tests.console.view_data import coverage_of, freshness_of, recurrence_item

NOW = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)


def _run(**overrides: object) -> RunRead:
    fields: dict[str, object] = {
        "id": uuid.uuid4(),
        "project_id": "demo",
        "state": "completed",
        "mode": "live",
        "agent_id": "k8s-remediator",
        "playbook_id": "restart-crashlooping-pod",
        "action": "rollout-restart",
        "recurrence_key": "fp:7f3c9a2e5d1b4c60",
        "incident_id": "INC-000047",
        "trigger_event_id": None,
        "repair_outcome": None,
        "created_at": NOW - timedelta(minutes=5),
        "updated_at": NOW,
        "started_at": NOW - timedelta(minutes=5),
        "finished_at": NOW,
    }
    return RunRead.model_validate(fields | overrides)


def test_runs_view_badges_exactly_the_runs_the_dossier_service_returned() -> None:
    with_envelope, without = _run(), _run(playbook_id=None, action="record-heartbeat")
    page = RunPage(items=[with_envelope, without], limit=25, next_cursor=None)
    view = build_runs_view(page, {with_envelope.id}, state=None, now=NOW)
    assert [row.in_dossier for row in view.rows] == [True, False]
    first, second = view.rows
    assert first.subject == "restart-crashlooping-pod"
    assert first.detail == "rollout-restart · 7f3c9a2e5d1b4c60"  # the fingerprint without its prefix
    assert second.subject == "7f3c9a2e5d1b4c60"  # no playbook: the group names the run
    assert second.detail == "record-heartbeat"
    assert first.duration_seconds == 300


def test_spelled_out_recurrence_keys_name_the_alert() -> None:
    run = _run(playbook_id=None, recurrence_key="k:grafana|HighErrorRate|payments|refund-api")
    row = build_runs_view(RunPage(items=[run], limit=25, next_cursor=None), set(), state=None, now=NOW).rows[0]
    assert row.subject == "HighErrorRate · payments · refund-api"


def test_run_rows_name_the_alert_then_the_playbook() -> None:
    named, titled, bare = _run(), _run(playbook_id=None, action=None), _run()
    alerts = {
        named.id: RunAlertLabel(
            alertname="HighErrorRate",
            severity="critical",
            namespace="checkout",
            target_resource="api",
            incident_title="HighErrorRate checkout/api",
        ),
        titled.id: RunAlertLabel(
            alertname=None, severity="warning", namespace=None, target_resource=None, incident_title="Disk full on db-1"
        ),
    }
    page = RunPage(items=[named, titled, bare], limit=25, next_cursor=None)
    first, second, third = build_runs_view(page, set(), state=None, now=NOW, alerts=alerts).rows
    assert (first.severity, first.alert_name, first.alert_where) == ("critical", "HighErrorRate", "checkout/api")
    assert first.detail == "restart-crashlooping-pod · rollout-restart · 7f3c9a2e5d1b4c60"
    assert (second.severity, second.alert_name, second.alert_where) == ("warning", "Disk full on db-1", "")
    assert second.detail == "7f3c9a2e5d1b4c60"  # no playbook or action: the group alone
    assert (third.alert_name, third.subject, third.detail) == (
        "",
        "restart-crashlooping-pod",
        "rollout-restart · 7f3c9a2e5d1b4c60",
    )


@pytest.mark.parametrize(
    ("summary", "english"),
    [
        (
            {"source_count": 1, "duplicate_total": 1, "redacted_total": 1, "source_ref_total": 1},
            "1 linked event · 1 duplicate · 1 redacted · 1 ref",
        ),
        (
            {"source_count": 2, "duplicate_total": 0, "redacted_total": 3, "source_ref_total": 4},
            "2 linked events · 0 duplicates · 3 redacted · 4 refs",
        ),
    ],
)
def test_dossier_header_counts_agree_with_their_numbers(summary: dict[str, int], english: str) -> None:
    run = RunDetailRead(**_run().model_dump(), transitions=[], events=[], events_truncated=False, incident=None)
    counts = ChannelEventDossierSummary(**summary)
    view = RunDetailView(run=run, timeline=[], dossier=[], dossier_summary=counts, awaiting_approval=False)
    t = translator("en")
    assert " · ".join(t(key, n=n) for key, n in view.dossier_counts) == english
    assert all(key in catalog("zh-Hant") for key, _ in view.dossier_counts)


def test_short_ids_of_runs_created_in_the_same_second_differ() -> None:
    # Time-ordered ids share their leading digits; the console shows their random tail.
    same_second = [uuid.UUID(f"01a21a6f-5517-7478-af7a-{n:012x}") for n in (0x7E3C885AE4F9, 0x3A2F910B11C2)]
    shown = [short_uuid(value) for value in same_second]
    assert shown == ["885ae4f9", "910b11c2"]
    assert short_uuid(None) == ""


def test_week_range_buckets_four_hours_and_labels_days() -> None:
    week = rate_range("7d")
    assert (week.hours, week.bucket_minutes) == (168, 240)
    assert rate_range("1y") == rate_range(None) == RATE_RANGES["24h"]  # unknown: the default
    starts = [NOW - timedelta(hours=4 * (41 - i)) for i in range(42)]
    rate = {"buckets": starts, "total": 3, "providers": [{"provider": "sentry", "counts": [1] * 3 + [0] * 39}]}
    view = build_overview(freshness_of([]), coverage_of([]), rate, week)
    chart = view.rate_rows[0].chart
    assert len(chart.bars) == 42
    assert len(chart.ticks) == 7  # one a day
    assert chart.ticks[0].label == "Thu 08-13"
    assert view.rate_range.code == "7d"


@pytest.mark.parametrize("language", ["en", "zh-Hant"])
def test_every_rate_range_has_its_labels(language: str) -> None:
    messages = catalog(language)
    for code in RATE_RANGES:
        for prefix in ("overview.range.", "overview.rate_meta.", "overview.rate_aria.", "overview.rate_empty."):
            assert prefix + code in messages


def test_a_noisy_group_lists_its_newest_incidents_and_counts_the_rest() -> None:
    incidents = [f"INC-{n:06d}" for n in range(51, 31, -1)]
    row = GroupRow(recurrence_item(incident_ids=incidents), spark=bar_chart([], []))
    assert row.incidents == ["INC-000051", "INC-000050", "INC-000049"]
    assert row.incidents_more == 17
    assert GroupRow(recurrence_item(incident_ids=[]), spark=bar_chart([], [])).incidents_more == 0
