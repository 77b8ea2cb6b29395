"""What routing writes into incidents and notifications, shared with silence release (which
sends the same ``incident_opened`` and ``approval_wait`` messages, late)."""

from __future__ import annotations

from typing import Any

from awooop.core.clock import as_utc
from awooop.incidents.service import TITLE_MAX, OpenIncident
from awooop.models import Incident, Run
from awooop.remediation.events import CommittedEvent
from awooop.runs.repository import UnfinishedRun


def incident_title(event: CommittedEvent) -> str:
    where = "/".join(p for p in (event.namespace, event.target_resource) if p)
    if event.alertname:
        title = f"{event.alertname} on {where}" if where else event.alertname
    else:
        title = event.content_preview or event.recurrence_key or "alert"
    return title[:TITLE_MAX]


def opened_payload(
    incident: OpenIncident | Incident, event: CommittedEvent, run: Run | UnfinishedRun | None
) -> dict[str, Any]:
    """The ``incident_opened`` message."""
    return {
        "incident_id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "recurrence_key": incident.recurrence_key,
        "provider": event.provider,
        "alertname": event.alertname,
        "namespace": event.namespace,
        "target_resource": event.target_resource,
        "preview": event.content_preview,
        "source_url": event.source_url,
        "opened_at": as_utc(incident.opened_at).isoformat(),
        "run": None
        if run is None
        else {
            "id": str(run.id),
            "state": run.state,
            "agent_id": run.agent_id,
            "playbook_id": run.playbook_id,
            "action": run.action,
        },
    }


def approval_payload(run: Run, incident: OpenIncident | Incident, event: CommittedEvent) -> dict[str, Any]:
    """The ``approval_wait`` message of a run that needs an operator's approval."""
    return {
        "run_id": str(run.id),
        "incident_id": incident.id,
        "title": incident.title,
        "severity": event.severity,
        "playbook_id": run.playbook_id,
        "agent_id": run.agent_id,
        "action": run.action,
        "mode": run.mode,
        "preview": event.content_preview,
        "source_url": event.source_url,
    }


def resolved_payload(incident: OpenIncident) -> dict[str, Any]:
    """The ``incident_resolved`` message."""
    return {
        "incident_id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "recurrence_key": incident.recurrence_key,
        "opened_at": as_utc(incident.opened_at).isoformat(),
        "resolved_at": as_utc(incident.resolved_at).isoformat() if incident.resolved_at else None,
    }
