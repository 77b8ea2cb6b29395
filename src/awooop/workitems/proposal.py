"""Handoff documents: a ticket proposal (markdown with the evidence, links, correlation ids) and a manual
takeover note. Pure rendering from what the preview computed; nothing here talks to a ticket system."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from awooop.core.clock import format_utc
from awooop.workitems.schemas import (
    ChannelEventRecurrenceItem,
    EvidenceEvent,
    ManualTakeover,
    PreflightCheck,
    RecurrenceWorkItemRead,
    TicketLink,
    TicketProposal,
)

_CHECK_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}
_URL_PREFIXES = ("http://", "https://")


def _cell(value: object) -> str:
    """A value safe inside a markdown table cell or inline code."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("\n", " ")


def _code(value: object) -> str:
    """An id as inline code, safe inside a table cell."""
    return f"`{_cell(value)}`"


def _when(value: datetime | None) -> str:
    return format_utc(value) if value is not None else "unknown"


def collect_links(evidence: Sequence[EvidenceEvent]) -> list[TicketLink]:
    """Source URLs and every URL-valued source ref, once each, newest event first."""
    links: dict[str, str] = {}
    for event in evidence:
        if event.source_url:
            links.setdefault(event.source_url, f"{event.provider or 'source'}:source_url")
        for kind, refs in event.source_refs.items():
            if not isinstance(refs, Mapping):
                continue
            for name, value in refs.items():
                if isinstance(value, str) and value.startswith(_URL_PREFIXES):
                    links.setdefault(value, f"{kind}:{name}")
    return [TicketLink(kind=kind, url=url) for url, kind in links.items()]


def collect_ref_ids(evidence: Sequence[EvidenceEvent]) -> dict[str, list[str]]:
    """Non-URL source refs (Sentry issue and event ids, SigNoz rule ids…) as ``kind.name`` → values."""
    ids: dict[str, dict[str, None]] = {}
    for event in evidence:
        for kind, refs in event.source_refs.items():
            if not isinstance(refs, Mapping):
                continue
            for name, value in refs.items():
                if value and not (isinstance(value, str) and value.startswith(_URL_PREFIXES)):
                    ids.setdefault(f"{kind}.{name}", {}).setdefault(str(value), None)
    return {name: list(values) for name, values in ids.items()}


def collect_correlation(evidence: Sequence[EvidenceEvent]) -> dict[str, list[str]]:
    """trace_id, request_id, pod… → distinct values across the evidence, newest first."""
    found: dict[str, dict[str, None]] = {}
    for event in evidence:
        for name, value in event.log_correlation.items():
            if value:
                found.setdefault(name, {}).setdefault(str(value), None)
    return {name: list(values) for name, values in found.items()}


def ticket_labels(work_item: RecurrenceWorkItemRead, group: ChannelEventRecurrenceItem) -> list[str]:
    labels = ["awooop", f"status:{work_item.status}", f"priority:{work_item.priority}"]
    for name, value in (
        ("provider", group.provider),
        ("severity", group.severity),
        ("alertname", group.alertname),
        ("namespace", group.namespace),
    ):
        if value:
            labels.append(f"{name}:{value}")
    return labels


def _overview(work_item: RecurrenceWorkItemRead, group: ChannelEventRecurrenceItem) -> list[str]:
    summary = group.repair_summary or {}
    run = (
        f"{_code(group.latest_run_id)} {_cell(group.latest_run_state)} (agent {_code(group.latest_agent_id)})"
        if group.latest_run_id
        else "none"
    )
    # Values are table-safe already: ids as code, free text through _cell.
    rows: list[tuple[str, Any]] = [
        ("Work item", _code(work_item.work_item_id)),
        ("Project", _code(work_item.project_id)),
        ("Recurrence key", _code(work_item.recurrence_key)),
        ("Status", f"{_code(work_item.status)}: {_cell(work_item.status_reason)}"),
        ("Priority", work_item.priority),
        ("Severity", _cell(group.severity or "unknown")),
        (
            "Occurrences",
            f"{group.occurrence_total} events ({summary.get('original_occurrence_total', 0)} original firings, "
            f"{group.duplicate_total} duplicates) from {_when(group.first_received_at)} "
            f"to {_when(group.latest_received_at)}",
        ),
        ("Latest run", run),
        ("Repairs", f"{summary.get('verified', 0)} verified, {summary.get('failed', 0)} failed"),
        ("Incidents", ", ".join(_code(i) for i in group.incident_ids) or "none"),
    ]
    return ["| Field | Value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]


def _evidence_lines(evidence: Sequence[EvidenceEvent]) -> list[str]:
    lines: list[str] = []
    for event in evidence:
        duplicate = " (duplicate)" if event.is_duplicate else ""
        lines.append(f"- {_when(event.received_at)} {_code(event.preview or event.provider_event_id)}{duplicate}")
        if event.source_url:
            lines.append(f"  - source: <{event.source_url}>")
        if event.log_correlation:
            ids = ", ".join(f"{name}=`{_cell(value)}`" for name, value in event.log_correlation.items())
            lines.append(f"  - correlation: {ids}")
    return lines or ["- no events in the window"]


def render_ticket_proposal(
    *,
    work_item: RecurrenceWorkItemRead,
    group: ChannelEventRecurrenceItem,
    checks: Sequence[PreflightCheck],
    evidence: Sequence[EvidenceEvent],
    based_on_id: str | None,
) -> TicketProposal:
    links = collect_links(evidence)
    correlation = collect_correlation(evidence)
    body = [
        f"## {work_item.title}",
        "",
        *_overview(work_item, group),
        "",
        "### Next step",
        work_item.next_step,
        "",
        "### Pre-flight checks",
        *(f"- **{_CHECK_MARK[check.status]}** {_code(check.id)}: {check.detail}" for check in checks),
        "",
        f"### Evidence (newest {len(evidence)} events)",
        *_evidence_lines(evidence),
        "",
        "### Links",
        *([f"- {link.kind}: <{link.url}>" for link in links] or ["- none"]),
        "",
        "### Correlation ids",
        *(
            [f"- {name}: {', '.join(f'`{_cell(v)}`' for v in values)}" for name, values in correlation.items()]
            or ["- none"]
        ),
        "",
        f"_Proposed by AwoooP (dry-run {_code(based_on_id) if based_on_id else 'none'}); "
        "no external ticket was created._",
    ]
    return TicketProposal(
        title=f"[{work_item.priority}] {work_item.title}",
        body_markdown="\n".join(body),
        severity=group.severity or "unknown",
        priority=work_item.priority,
        labels=ticket_labels(work_item, group),
        links=links,
        correlation=correlation,
        source_refs=collect_ref_ids(evidence),
    )


def render_manual_takeover(
    *,
    work_item: RecurrenceWorkItemRead,
    group: ChannelEventRecurrenceItem,
    checks: Sequence[PreflightCheck],
    operator_id: str,
    auth_method: str,
    at: datetime,
) -> ManualTakeover:
    """Who takes over, when, and the state they inherit (so a later reader knows what they saw)."""
    state: dict[str, Any] = {
        "status": work_item.status,
        "status_reason": work_item.status_reason,
        "priority": work_item.priority,
        "latest_run_id": str(group.latest_run_id) if group.latest_run_id else None,
        "latest_run_state": group.latest_run_state,
        "latest_agent_id": group.latest_agent_id,
        "latest_incident_id": group.latest_incident_id,
        "incident_ids": list(group.incident_ids),
        "occurrence_total": group.occurrence_total,
        "duplicate_total": group.duplicate_total,
        "run_state_counts": dict(group.run_state_counts),
        "repair_summary": dict(group.repair_summary or {}),
        "latest_event_id": str(group.latest_event_id) if group.latest_event_id else None,
        "latest_received_at": group.latest_received_at.isoformat() if group.latest_received_at else None,
        "checks": {check.id: check.status for check in checks},
    }
    return ManualTakeover(
        taken_over_by=operator_id,
        auth_method=auth_method,
        taken_over_at=at,
        state=state,
        next_step=work_item.next_step,
    )
