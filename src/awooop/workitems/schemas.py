"""Response and request models. The ``ChannelEventRecurrence*`` and ``RecurrenceWorkItem*Request`` models
reproduce the seed field for field; the preview, dry-run, handoff and history models are ours (a superset of
what the seed's untyped dicts carried)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from awooop.workitems.classify import (
    Priority,
    RecurrenceWorkItemHandoffKind,
    RecurrenceWorkItemMode,
    ResolvedWorkItemMode,
    WorkItemStatus,
)

CheckStatus = Literal["pass", "warn", "fail"]
DryRunOutcome = Literal["ready", "blocked"]
RecordKind = Literal["dry_run", "handoff"]


class ChannelEventRecurrenceSummary(BaseModel):
    source_event_total: int
    recurrence_group_total: int
    recurrent_group_total: int
    duplicate_event_total: int
    linked_run_total: int
    unlinked_event_total: int
    auto_repair_linked_total: int = 0
    verified_repair_group_total: int = 0
    open_work_item_group_total: int = 0
    manual_gate_group_total: int = 0
    automation_gap_group_total: int = 0
    failed_repair_group_total: int = 0
    latest_received_at: datetime | None


class ChannelEventRecurrenceItem(BaseModel):
    recurrence_key: str
    provider: str | None
    alertname: str | None
    severity: str | None
    namespace: str | None
    target_resource: str | None
    fingerprint: str | None
    latest_event_id: UUID | None
    latest_provider_event_id: str | None
    latest_content_preview: str | None
    latest_run_id: UUID | None
    latest_run_state: str | None
    latest_agent_id: str | None
    latest_incident_id: str | None = None
    incident_ids: list[str] = Field(default_factory=list)
    repair_summary: dict[str, Any] | None = None
    work_item: dict[str, Any] | None = None
    occurrence_total: int
    duplicate_total: int
    linked_run_total: int
    source_ref_total: int
    missing_source_refs_total: int
    sentry_ref_total: int
    signoz_ref_total: int
    alert_ref_total: int
    run_state_counts: dict[str, int]
    first_received_at: datetime | None
    latest_received_at: datetime | None


class ChannelEventRecurrenceResponse(BaseModel):
    project_id: str
    limit: int
    summary: ChannelEventRecurrenceSummary
    items: list[ChannelEventRecurrenceItem]


class RecurrenceWorkItemDryRunRequest(BaseModel):
    """AwoooP recurrence work item dry-run request."""

    project_id: str | None = Field(default=None, min_length=1)
    work_item_id: str = Field(min_length=1)
    mode: RecurrenceWorkItemMode = "auto"
    provider: str | None = Field(default=None, min_length=1)
    limit: int = Field(default=300, ge=1, le=300)


class RecurrenceWorkItemHandoffRequest(BaseModel):
    """AwoooP recurrence work item handoff request."""

    project_id: str | None = Field(default=None, min_length=1)
    work_item_id: str = Field(min_length=1)
    mode: RecurrenceWorkItemMode = "auto"
    handoff_kind: RecurrenceWorkItemHandoffKind = "ticket_proposal"
    provider: str | None = Field(default=None, min_length=1)
    limit: int = Field(default=300, ge=1, le=300)


# --- ours: work-item preview, dry-run, handoff, history -------------------------------------------------


class RecurrenceWorkItemRead(BaseModel):
    """The ``work_item`` of a recurrence item, typed."""

    work_item_id: str
    project_id: str
    recurrence_key: str
    status: WorkItemStatus
    status_reason: str
    title: str
    next_step: str
    priority: Priority
    # The catalog keys and values of status_reason and title (workitems.texts), for translation.
    status_reason_key: str | None = None
    status_reason_params: dict[str, Any] = Field(default_factory=dict)
    title_key: str | None = None
    title_params: dict[str, Any] = Field(default_factory=dict)


class PreflightCheck(BaseModel):
    id: str = Field(description="stable id, e.g. no_run_in_flight")
    status: CheckStatus
    detail: str = Field(description="What the check found, in English")
    detail_key: str | None = Field(default=None, description="Catalog key of detail, for translation")
    detail_params: dict[str, Any] = Field(default_factory=dict, description="The values detail names")
    data: dict[str, Any] = Field(default_factory=dict)


class EvidenceEvent(BaseModel):
    event_id: UUID
    provider: str | None
    stage: str
    provider_event_id: str
    received_at: datetime
    is_duplicate: bool
    preview: str | None
    source_url: str | None
    source_refs: dict[str, Any]
    source_ref_count: int
    log_correlation: dict[str, Any]
    run_id: UUID | None
    incident_id: str | None


class MatchedPlaybook(BaseModel):
    playbook_id: str
    agent_id: str
    action: str
    requires_approval: bool
    mode: str


class WorkItemGuarantees(BaseModel):
    """What the call did not (and cannot) change; every flag is fixed by the code path, not by the request."""

    read_only: bool = Field(description="true when the call wrote nothing at all")
    history_recorded: bool = Field(description="true when the call appended one work-item history record")
    incident_mutation: Literal[False] = False
    run_mutation: Literal[False] = False
    auto_repair_mutation: Literal[False] = False
    ticket_mutation: Literal[False] = False
    notification_queued: Literal[False] = False


class PlannedAction(BaseModel):
    action: str = Field(description="machine-readable action, e.g. queue_run, request_approval")
    detail: str = Field(description="What the action would do, in English")
    detail_key: str | None = Field(default=None, description="Catalog key of detail, for translation")
    detail_params: dict[str, Any] = Field(default_factory=dict, description="The values detail names")


class OperatorRef(BaseModel):
    operator_id: str
    auth_method: str


class WorkItemLifetime(BaseModel):
    """Every occurrence the work item ever had: daily rollups of purged days plus its live events."""

    occurrence_total: int = Field(
        description="alert events of the key (duplicates included, heartbeats not; an imported event counts "
        "its source's occurrence count)"
    )
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    days_active: int = Field(description="UTC days with at least one occurrence")
    compacted_days: int = Field(default=0, description="of those, days whose raw events are rolled up")


class RecurrenceWorkItemPreviewResponse(BaseModel):
    project_id: str = Field(description="the project the work item belongs to")
    work_item_id: str
    work_item: RecurrenceWorkItemRead
    requested_mode: RecurrenceWorkItemMode
    resolved_mode: ResolvedWorkItemMode
    next_step: str
    outcome: DryRunOutcome = Field(description="blocked when any pre-flight check fails")
    checks: list[PreflightCheck]
    playbook: MatchedPlaybook | None
    group: ChannelEventRecurrenceItem
    evidence: list[EvidenceEvent]
    guarantees: WorkItemGuarantees
    provider: str | None
    limit: int
    generated_at: datetime
    lifetime: WorkItemLifetime | None = None
    aged_out: bool = Field(default=False, description="true when no raw event of the work item is left")


class RecurrenceWorkItemDryRunResponse(RecurrenceWorkItemPreviewResponse):
    dry_run_id: UUID
    would_do: list[PlannedAction]
    blocked_by: list[str] = Field(description="ids of the failed checks")
    operator: OperatorRef
    recorded_at: datetime


class TicketLink(BaseModel):
    kind: str
    url: str


class TicketProposal(BaseModel):
    title: str
    body_markdown: str
    severity: str
    priority: Priority
    labels: list[str]
    links: list[TicketLink]
    correlation: dict[str, list[str]]
    source_refs: dict[str, list[str]]


class ManualTakeover(BaseModel):
    taken_over_by: str
    auth_method: str
    taken_over_at: datetime
    state: dict[str, Any] = Field(description="what the operator takes over: status, latest run, incident, counts")
    next_step: str


class RecurrenceWorkItemHandoffResponse(RecurrenceWorkItemPreviewResponse):
    handoff_id: UUID
    handoff_kind: RecurrenceWorkItemHandoffKind
    based_on_id: UUID | None = Field(description="the latest dry-run of this work item, if any")
    warning: str | None
    ticket_proposal: TicketProposal | None
    manual_takeover: ManualTakeover | None
    operator: OperatorRef
    recorded_at: datetime


class WorkItemHistoryRecord(BaseModel):
    id: UUID
    kind: RecordKind
    project_id: str
    work_item_id: str
    recurrence_key: str
    mode: str
    resolved_mode: str
    handoff_kind: str | None
    outcome: str | None
    operator_id: str
    auth_method: str
    based_on_id: UUID | None
    created_at: datetime
    body: dict[str, Any]


class RecurrenceWorkItemHistoryResponse(BaseModel):
    project_id: str
    work_item_id: str
    limit: int
    total: int
    records: list[WorkItemHistoryRecord]
    recurrence_key: str | None = None
    lifetime: WorkItemLifetime | None = None
