"""Recurrence groups and the work-item panel (pure view building over the work-item services' results)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from awooop.console.views.charts import BarChart, bar_chart, bucket_times
from awooop.console.views.dossier import SourceRef, correlation_pairs, flatten_refs
from awooop.workitems.classify import WorkItem
from awooop.workitems.schemas import (
    ChannelEventRecurrenceItem,
    ChannelEventRecurrenceSummary,
    EvidenceEvent,
    PreflightCheck,
    RecurrenceWorkItemHistoryResponse,
    RecurrenceWorkItemPreviewResponse,
    RecurrenceWorkItemRead,
    WorkItemHistoryRecord,
)

WORK_ITEM_STATUSES: tuple[str, ...] = ("manual_gate", "failed_repair", "automation_gap", "open", "verified_repair")
MODES: tuple[str, ...] = ("auto", "auto_repair", "manual_review", "ticket")
SPARK_BUCKETS = 28
INCIDENTS_SHOWN = 3  # a noisy group may have dozens of incidents: the newest few, then a count
CHECK_MARK = {"pass": "✓", "warn": "!", "fail": "✗"}


@dataclass(frozen=True, slots=True)
class GroupRow:
    item: ChannelEventRecurrenceItem
    spark: BarChart
    work_item: WorkItem | None = None
    silenced_by: uuid.UUID | None = None  # the silence that covered the work item's latest event

    @property
    def title(self) -> str:
        return self.item.alertname or self.item.recurrence_key

    @property
    def where(self) -> str:
        return "/".join(part for part in (self.item.namespace, self.item.target_resource) if part)

    @property
    def incidents(self) -> list[str]:
        return self.item.incident_ids[:INCIDENTS_SHOWN]

    @property
    def silence_matchers(self) -> str:
        """The group's labels as silence matchers, one per line (the Silences form's pre-fill)."""
        labels = (
            ("alertname", self.item.alertname),
            ("namespace", self.item.namespace),
            ("target_resource", self.item.target_resource),
        )
        return "\n".join(f'{name}="{value}"' for name, value in labels if value)

    @property
    def incidents_more(self) -> int:
        return max(0, len(self.item.incident_ids) - INCIDENTS_SHOWN)


@dataclass(frozen=True, slots=True)
class RecurrenceGroupRow:
    """What the page shows of one group: its item, its typed work item, and its original firings' times."""

    item: ChannelEventRecurrenceItem
    work_item: WorkItem | None
    silenced_by: uuid.UUID | None
    firings: Sequence[object]


@dataclass(frozen=True, slots=True)
class RecurrenceView:
    summary: ChannelEventRecurrenceSummary
    rows: list[GroupRow]
    status: str | None
    status_counts: list[tuple[str, int]]
    provider: str | None
    window_start: datetime | None
    spark_start: datetime
    hidden_total: int
    statuses: tuple[str, ...] = WORK_ITEM_STATUSES


def spark_window(window_start: datetime | None, now: datetime) -> tuple[datetime, timedelta]:
    """One time axis shared by every group's sparkline: from the oldest event of the window to now."""
    start = window_start or now - timedelta(hours=1)
    span = max(now - start, timedelta(minutes=SPARK_BUCKETS))
    return now - span, span / SPARK_BUCKETS


def group_spark(firings: Sequence[object], *, now: datetime, bucket: timedelta) -> BarChart:
    counts, starts = bucket_times(firings, end=now, buckets=SPARK_BUCKETS, bucket=bucket)
    return bar_chart(counts, starts, width=120, height=24, axis_height=0, tick_every=0)


def build_recurrence_view(
    summary: ChannelEventRecurrenceSummary,
    groups: Sequence[RecurrenceGroupRow],
    *,
    window_start: datetime | None,
    now: datetime,
    status: str | None,
    provider: str | None,
) -> RecurrenceView:
    spark_start, bucket = spark_window(window_start, now)
    rows = [
        GroupRow(g.item, group_spark(g.firings, now=now, bucket=bucket), g.work_item, g.silenced_by) for g in groups
    ]
    shown = [r for r in rows if status is None or (r.work_item is not None and r.work_item.status == status)]
    # A chip counts the groups it opens: those with a work item of that status (the summary's
    # *_group_total figures also count single firings, which have no work item to open).
    counts = [
        (s, sum(1 for r in rows if r.work_item is not None and r.work_item.status == s)) for s in WORK_ITEM_STATUSES
    ]
    return RecurrenceView(
        summary=summary,
        rows=shown,
        status=status,
        status_counts=counts,
        provider=provider,
        window_start=window_start,
        spark_start=spark_start,
        hidden_total=len(rows) - len(shown),
    )


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    event: EvidenceEvent
    refs: list[SourceRef]
    correlation: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class HistoryRow:
    record: WorkItemHistoryRecord
    proposal_markdown: str | None
    proposal_title: str | None
    warning: str | None


@dataclass(frozen=True, slots=True)
class WorkItemPanel:
    preview: RecurrenceWorkItemPreviewResponse  # or a dry-run or handoff answer, which extend it
    work_item: RecurrenceWorkItemRead
    checks: list[PreflightCheck]
    check_counts: dict[str, int]
    evidence: list[EvidenceRow]
    history: list[HistoryRow]
    modes: tuple[str, ...] = MODES
    marks: Mapping[str, str] = field(default_factory=lambda: dict(CHECK_MARK))


def evidence_rows(evidence: Sequence[EvidenceEvent]) -> list[EvidenceRow]:
    return [
        EvidenceRow(event=ev, refs=flatten_refs(ev.source_refs), correlation=correlation_pairs(ev.log_correlation))
        for ev in evidence
    ]


def history_rows(history: RecurrenceWorkItemHistoryResponse) -> list[HistoryRow]:
    rows = []
    for record in history.records:
        body = record.body  # the stored JSON of the record (its shape is the dry-run's or handoff's)
        proposal = body.get("ticket_proposal")
        rows.append(
            HistoryRow(
                record=record,
                proposal_markdown=proposal.get("body_markdown") if isinstance(proposal, Mapping) else None,
                proposal_title=proposal.get("title") if isinstance(proposal, Mapping) else None,
                warning=body.get("warning"),
            )
        )
    return rows


def build_work_item_panel(
    preview: RecurrenceWorkItemPreviewResponse, history: RecurrenceWorkItemHistoryResponse
) -> WorkItemPanel:
    checks = list(preview.checks)
    counts = {status: sum(1 for c in checks if c.status == status) for status in ("pass", "warn", "fail")}
    return WorkItemPanel(
        preview=preview,
        work_item=preview.work_item,
        checks=checks,
        check_counts=counts,
        evidence=evidence_rows(preview.evidence),
        history=history_rows(history),
    )


def firing_times(events: Sequence[Any]) -> list[object]:
    """Received times of the original firings among a group's events (duplicates are re-deliveries)."""
    return [
        e.received_at for e in events if getattr(e, "stage", None) == "firing" and not getattr(e, "is_duplicate", False)
    ]
