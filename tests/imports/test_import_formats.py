"""`awooop import` of each legacy format from the samples in tests/fixtures/legacy."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from awooop.core.db import Database
from tests.factories import Factory
from tests.imports.helpers import LEGACY, cli, events, import_files, routed_counts


@pytest.fixture
async def env(database_url: str, tmp_path: Path, factory: Factory) -> dict[str, str]:
    await factory.project("acme")
    return {"AWOOOP_DATABASE_URL": database_url, "AWOOOP_DATA_DIR": str(tmp_path / "data")}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_alerta_history_becomes_events_at_their_original_times(env: dict[str, str], clean_db: Database) -> None:
    result = await import_files(env, "alerta", "acme", "alerta_alerts_history.json")
    assert result.exit_code == 0, result.output
    assert "read 10 record(s): 10 event(s) imported, 0 skipped as already imported" in result.output

    history = json.loads((LEGACY / "alerta_alerts_history.json").read_text())["history"]
    stored = await events(clean_db, "acme")
    assert sorted(e.received_at for e in stored) == sorted(_at(h["updateTime"]) for h in history)
    assert {e.origin_system for e in stored} == {"alerta"}
    assert all(e.provider_event_id == f"alerta:{e.origin_id}" for e in stored)
    # No original webhook body in history answers: imported without a source envelope.
    assert not any(e.has_source_envelope for e in stored)
    assert all(e.content_redacted is None and e.content_sha256 is None for e in stored)

    crash = [e for e in stored if e.alertname == "KubePodCrashLooping"]
    assert [e.stage for e in crash] == ["firing", "resolved"]
    assert (crash[0].namespace, crash[0].target_resource) == ("payments", "checkout-api-7d9f8b6c5-x2kqz")
    assert crash[1].severity == "warning"  # a closed alert keeps its severity tag
    assert crash[0].recurrence_key == "k:alerta|KubePodCrashLooping|payments|checkout-api-7d9f8b6c5-x2kqz"
    assert crash[0].source_refs["alert"]["runbook_url"].endswith("kubepodcrashlooping")

    checkout = next(e for e in stored if e.alertname == "CheckoutHighErrorRate")
    assert checkout.log_correlation["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert checkout.content_preview.startswith("[firing] CheckoutHighErrorRate critical payments/checkout-api")
    assert await routed_counts(clean_db) == {"incidents": 0, "runs": 0, "outbox": 0, "linked": 0}


async def test_alerta_raw_data_is_parsed_as_the_alertmanager_alert_it_was(
    env: dict[str, str], clean_db: Database
) -> None:
    result = await import_files(env, "alerta", "acme", "alerta_alert_detail.json")
    assert result.exit_code == 0, result.output
    [event] = await events(clean_db, "acme")
    assert event.has_source_envelope is True
    assert event.provider == "alertmanager"
    assert event.fingerprint == "e4f09956d1a08ce6"
    assert event.recurrence_key == "fp:e4f09956d1a08ce6"
    assert event.received_at == _at("2026-12-01T21:01:50.996Z")
    assert event.origin_system == "alerta"
    assert event.content_sha256 is not None
    assert "TargetDown" in (event.content_redacted or "")
    assert event.source_refs["alert"]["generator_url"].startswith("http://prometheus-k8s-0:9090/graph")
    assert event.source_url == event.source_refs["alert"]["generator_url"]


async def test_alerta_list_keeps_the_duplicate_count_as_occurrences(env: dict[str, str], clean_db: Database) -> None:
    result = await import_files(env, "alerta", "acme", "alerta_alerts.json")
    assert result.exit_code == 0, result.output
    stored = await events(clean_db, "acme")
    assert len(stored) == 8
    assert {e.origin_occurrences for e in stored} == {1}  # duplicateCount 0 in the samples
    closed = [e for e in stored if e.stage == "resolved"]
    assert len(closed) == 3


async def test_importing_the_same_files_again_changes_nothing(env: dict[str, str], clean_db: Database) -> None:
    files = ("alerta_alerts_history.json", "alerta_alert_detail.json")
    first = await import_files(env, "alerta", "acme", *files)
    assert "10 event(s) imported, 1 skipped" in first.output  # the detail's entry is in the history too
    before = [(e.id, e.origin_id, e.received_at) for e in await events(clean_db, "acme")]

    again = await import_files(env, "alerta", "acme", *files)
    assert again.exit_code == 0, again.output
    assert "read 11 record(s): 0 event(s) imported, 11 skipped as already imported" in again.output
    assert [(e.id, e.origin_id, e.received_at) for e in await events(clean_db, "acme")] == before


async def test_opsgenie_alerts_fire_and_resolve_and_bad_records_are_named(
    env: dict[str, str], clean_db: Database
) -> None:
    result = await import_files(env, "opsgenie", "acme", "opsgenie_list_alerts.json")
    assert result.exit_code == 0, result.output
    assert "read 3 record(s): 3 event(s) imported" in result.output
    assert "1 refused" in result.output
    assert "opsgenie_list_alerts.json record 3: status missing" in result.output

    stored = await events(clean_db, "acme")
    checkout = [e for e in stored if e.origin_id.startswith("70413a06")]
    assert [e.stage for e in checkout] == ["firing", "resolved"]
    created = _at("2026-09-02T10:15:52.702Z")
    assert checkout[0].received_at == created
    assert checkout[1].received_at == created + timedelta(milliseconds=2778352)
    assert checkout[0].origin_occurrences == 7
    assert checkout[0].severity == "critical"  # P1
    assert checkout[0].recurrence_key == "fp:checkout-high-error-rate"  # the alias
    assert checkout[0].labels["owner"] == "[REDACTED:email]"
    disk = next(e for e in stored if e.origin_id.startswith("c6a1e1b2"))
    assert disk.fingerprint is None  # an alias Opsgenie made up from the id identifies nothing
    assert disk.recurrence_key == "k:opsgenie|Disk almost full on db-primary||db-primary"
    assert disk.severity == "warning"


@pytest.mark.parametrize("converters", [[], ["--converters", "2"]])
async def test_oncall_groups_from_stdin_with_their_alert_payloads(
    env: dict[str, str], clean_db: Database, converters: list[str]
) -> None:
    body = (LEGACY / "oncall_alert_groups.json").read_bytes()
    result = await cli(["import", "--from", "oncall", "--project", "acme", *converters, "-"], env, stdin=body)
    assert result.exit_code == 0, result.output
    assert "read 2 record(s): 3 event(s) imported" in result.output

    stored = await events(clean_db, "acme")
    crash = [e for e in stored if e.origin_id.startswith("I68T24C13IFW1")]
    assert [e.stage for e in crash] == ["firing", "resolved"]
    assert crash[0].has_source_envelope is True  # the alert's Alertmanager payload
    assert crash[0].fingerprint == "c0ffee00000000aa"
    assert "hunter2hunter2" not in (crash[0].content_redacted or "")
    assert crash[0].has_redacted_content is True
    assert crash[0].origin_occurrences == 3
    assert crash[1].has_source_envelope is False  # the payload is of the firing, not the resolve
    assert crash[1].recurrence_key == crash[0].recurrence_key
    acked = [e for e in stored if e.origin_id.startswith("IZMRNNY8RFS94")]
    assert [e.stage for e in acked] == ["firing"]
    assert acked[0].source_url == "https://grafana.example.org/a/grafana-oncall-app/alert-groups/IZMRNNY8RFS94"


async def test_an_interrupted_import_reruns_without_duplicates(
    env: dict[str, str], clean_db: Database, tmp_path: Path
) -> None:
    whole = (LEGACY / "alerta_alerts_history.json").read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(whole[: len(whole) * 2 // 3])  # the export broke off mid-record

    broken = await import_files(env, "alerta", "acme", str(cut), extra=["--batch-size", "1"])
    assert broken.exit_code == 1
    assert "invalid JSON" in broken.output
    kept = await events(clean_db, "acme")
    assert 0 < len(kept) < 10  # the batches before the break were committed

    rerun = await import_files(env, "alerta", "acme", "alerta_alerts_history.json")
    assert rerun.exit_code == 0, rerun.output
    assert f"{10 - len(kept)} event(s) imported, {len(kept)} skipped as already imported" in rerun.output
    stored = await events(clean_db, "acme")
    assert len(stored) == len({e.origin_id for e in stored}) == 10


async def test_an_unknown_project_and_a_wrong_format_are_refused(env: dict[str, str], clean_db: Database) -> None:
    missing = await import_files(env, "alerta", "nope", "alerta_alerts.json")
    assert missing.exit_code == 1
    assert "project nope not found" in missing.output
    wrong = await import_files(env, "opsgenie", "acme", "alerta_alerts.json")
    assert wrong.exit_code == 1
    assert "no records found" in wrong.output
    assert await events(clean_db, "acme") == []
