"""ORM tables, one module per aggregate. Importing this package registers them all."""

from awooop.models.base import Base
from awooop.models.event import ChannelEvent, IntakeRejection
from awooop.models.incident import Incident, ProjectCounter
from awooop.models.key import ApiKey, ConsoleSession
from awooop.models.lease import WorkerLease
from awooop.models.monitor import Monitor
from awooop.models.outbox import OutboxMessage
from awooop.models.project import Project
from awooop.models.retention import EventRollup, RetentionSetting, RetentionState, WorkItemKey
from awooop.models.run import Playbook, Run, RunTransition
from awooop.models.silence import Silence, SilenceSuppression
from awooop.models.workitem import WorkItemRecord

__all__ = [
    "ApiKey",
    "Base",
    "ChannelEvent",
    "ConsoleSession",
    "EventRollup",
    "Incident",
    "IntakeRejection",
    "Monitor",
    "OutboxMessage",
    "Playbook",
    "Project",
    "ProjectCounter",
    "RetentionSetting",
    "RetentionState",
    "Run",
    "RunTransition",
    "Silence",
    "SilenceSuppression",
    "WorkItemKey",
    "WorkItemRecord",
    "WorkerLease",
]
