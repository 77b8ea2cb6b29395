"""Service answers for the console's view tests: every field the models require, zero or empty unless given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from awooop.dossier.schemas import ChannelEventDossierCoverageResponse, ProviderFreshnessResponse
from awooop.workitems.classify import WorkItem, WorkItemStatus
from awooop.workitems.schemas import ChannelEventRecurrenceItem, ChannelEventRecurrenceSummary
from awooop.workitems.texts import phrase

NOW = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)


def tile(
    project_id: str, provider: str, channel_type: str, status: str, last_event_at: datetime | None = None
) -> dict[str, Any]:
    return {"project_id": project_id, "provider": provider, "channel_type": channel_type, "status": status,
            "pipeline_status": status, "last_event_at": last_event_at, "last_event_age_seconds": None,
            "last_heartbeat_at": None, "last_heartbeat_age_seconds": None}  # fmt: skip


def freshness_of(items: list[dict[str, Any]], **summary: int) -> ProviderFreshnessResponse:
    totals = {f"{prefix}{status}_total": 0 for prefix in ("", "pipeline_") for status in ("fresh", "stale", "never")}
    return ProviderFreshnessResponse.model_validate(
        {"project_id": "*", "limit_seconds": 900, "checked_at": NOW, "items": items,
         "summary": {"project_total": 1, "provider_total": len(items), **totals, **summary}}
    )  # fmt: skip


def coverage_of(providers: list[dict[str, Any]], **summary: int) -> ChannelEventDossierCoverageResponse:
    names = ("source_count", "source_envelope_total", "missing_source_envelope_total", "with_source_refs_total",
             "missing_source_refs_total", "duplicate_total", "redacted_total", "source_ref_total", "sentry_ref_total",
             "signoz_ref_total", "alert_ref_total")  # fmt: skip
    provider_names = ("total", "duplicate_total", "redacted_total", "source_ref_total", "missing_source_refs_total",
                      "sentry_ref_total", "signoz_ref_total", "alert_ref_total")  # fmt: skip
    return ChannelEventDossierCoverageResponse.model_validate(
        {"project_id": "*", "limit": 200,
         "summary": {**dict.fromkeys(names, 0), "latest_received_at": None, **summary},
         "providers": [{**dict.fromkeys(provider_names, 0), "latest_received_at": None, **p} for p in providers]}
    )  # fmt: skip


def recurrence_item(**fields: Any) -> ChannelEventRecurrenceItem:
    counts = ("occurrence_total", "duplicate_total", "linked_run_total", "source_ref_total",
              "missing_source_refs_total", "sentry_ref_total", "signoz_ref_total", "alert_ref_total")  # fmt: skip
    nothing = ("provider", "alertname", "severity", "namespace", "target_resource", "fingerprint", "latest_event_id",
               "latest_provider_event_id", "latest_content_preview", "latest_run_id", "latest_run_state",
               "latest_agent_id", "first_received_at", "latest_received_at")  # fmt: skip
    return ChannelEventRecurrenceItem.model_validate(
        {"recurrence_key": "k:test", **dict.fromkeys(nothing), **dict.fromkeys(counts, 0), "run_state_counts": {},
         **fields}
    )  # fmt: skip


def recurrence_summary(**fields: int) -> ChannelEventRecurrenceSummary:
    names = ("source_event_total", "recurrence_group_total", "recurrent_group_total", "duplicate_event_total",
             "linked_run_total", "unlinked_event_total")  # fmt: skip
    return ChannelEventRecurrenceSummary.model_validate(
        {**dict.fromkeys(names, 0), "latest_received_at": None, **fields}
    )


def work_item(status: WorkItemStatus, work_item_id: str) -> WorkItem:
    return WorkItem(
        work_item_id=work_item_id,
        project_id="acme",
        recurrence_key="k:test",
        status=status,
        why=phrase("wi.reason.awaiting_approval"),
        title=phrase("wi.title.once", what="A", n=1),
        next_step="",
        priority="P3",
    )
