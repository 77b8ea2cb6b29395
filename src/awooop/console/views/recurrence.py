"""Recurrence groups and the work-item panel (pure view building over the work-item services' results)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from awooop.console.views.charts import BarChart, bar_chart, bucket_times
from awooop.console.views.dossier import SourceRef, correlation_pairs, flatten_refs

WORK_ITEM_STATUSES: tuple[str, ...] = ("manual_gate", "failed_repair", "automation_gap", "open", "verified_repair")
MODES: tuple[str, ...] = ("auto", "auto_repair", "manual_review", "ticket")
SPARK_BUCKETS = 28
INCIDENTS_SHOWN = 3  # a noisy group may have dozens of incidents: the newest few, then a count
CHECK_MARK = {"pass": "✓", "warn": "!", "fail": "✗"}


@dataclass(frozen=True, slots=True)
class GroupRow:
    item: Mapping[str, Any]
    spark: BarChart

    @property
    def work_item(self) -> Mapping[str, Any] | None:
        work_item = self.item.get("work_item")
        return work_item if isinstance(work_item, Mapping) else None

    @property
    def title(self) -> str:
        return str(self.item.get("alertname") or self.item.get("recurrence_key") or "")

    @property
    def where(self) -> str:
        parts = [self.item.get("namespace"), self.item.get("target_resource")]
        return "/".join(str(p) for p in parts if p)

    @property
    def incidents(self) -> list[str]:
        return [str(i) for i in self.item.get("incident_ids") or []][:INCIDENTS_SHOWN]

    @property
    def silence_matchers(self) -> str:
        """The group's labels as silence matchers, one per line (the Silences form's pre-fill)."""
        names = ("alertname", "namespace", "target_resource")
        return "\n".join(f'{n}="{self.item[n]}"' for n in names if self.item.get(n))

    @property
    def incidents_more(self) -> int:
        return max(0, len(self.item.get("incident_ids") or []) - INCIDENTS_SHOWN)


@dataclass(frozen=True, slots=True)
class RecurrenceView:
    summary: Mapping[str, Any]
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
    summary: Mapping[str, Any],
    groups: Sequence[tuple[Mapping[str, Any], Sequence[object]]],
    *,
    window_start: datetime | None,
    now: datetime,
    status: str | None,
    provider: str | None,
) -> RecurrenceView:
    """``groups`` pairs each recurrence item with the times of its original firings in the window."""
    spark_start, bucket = spark_window(window_start, now)
    rows = [GroupRow(item, group_spark(firings, now=now, bucket=bucket)) for item, firings in groups]
    shown = [r for r in rows if status is None or (r.work_item is not None and r.work_item.get("status") == status)]
    # A chip counts the groups it opens: those with a work item of that status (the summary's
    # *_group_total figures also count single firings, which have no work item to open).
    counts = [
        (s, sum(1 for r in rows if r.work_item is not None and r.work_item.get("status") == s))
        for s in WORK_ITEM_STATUSES
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
    raw: Mapping[str, Any]
    refs: list[SourceRef]
    correlation: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class HistoryRow:
    record: Mapping[str, Any]
    proposal_markdown: str | None
    proposal_title: str | None
    warning: str | None


@dataclass(frozen=True, slots=True)
class WorkItemPanel:
    preview: Mapping[str, Any]
    work_item: Mapping[str, Any]
    checks: list[Mapping[str, Any]]
    check_counts: dict[str, int]
    evidence: list[EvidenceRow]
    history: list[HistoryRow]
    modes: tuple[str, ...] = MODES
    marks: Mapping[str, str] = field(default_factory=lambda: dict(CHECK_MARK))


def evidence_rows(evidence: Sequence[Mapping[str, Any]]) -> list[EvidenceRow]:
    return [
        EvidenceRow(
            raw=ev, refs=flatten_refs(ev.get("source_refs")), correlation=correlation_pairs(ev.get("log_correlation"))
        )
        for ev in evidence
    ]


def history_rows(history: Mapping[str, Any]) -> list[HistoryRow]:
    rows = []
    for record in history.get("records", []):
        body = record.get("body") or {}
        proposal = body.get("ticket_proposal") if isinstance(body, Mapping) else None
        rows.append(
            HistoryRow(
                record=record,
                proposal_markdown=proposal.get("body_markdown") if isinstance(proposal, Mapping) else None,
                proposal_title=proposal.get("title") if isinstance(proposal, Mapping) else None,
                warning=body.get("warning") if isinstance(body, Mapping) else None,
            )
        )
    return rows


def build_work_item_panel(preview: Mapping[str, Any], history: Mapping[str, Any]) -> WorkItemPanel:
    checks = list(preview.get("checks", []))
    counts = {status: sum(1 for c in checks if c.get("status") == status) for status in ("pass", "warn", "fail")}
    return WorkItemPanel(
        preview=preview,
        work_item=preview.get("work_item", {}),
        checks=checks,
        check_counts=counts,
        evidence=evidence_rows(preview.get("evidence", [])),
        history=history_rows(history),
    )


def firing_times(events: Sequence[Any]) -> list[object]:
    """Received times of the original firings among a group's events (duplicates are re-deliveries)."""
    return [
        e.received_at for e in events if getattr(e, "stage", None) == "firing" and not getattr(e, "is_duplicate", False)
    ]
