"""What the demo timeline is made of: each step is one call to a real API at a virtual time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from awooop.hub.providers import ALERT_PROVIDERS


@dataclass(frozen=True, slots=True)
class Post:
    """A webhook delivery to the hub (signed or authenticated as the provider would)."""

    provider: str
    body: bytes
    sentry_resource: str | None = None
    wrong_token: bool = False  # a sender with a stale token: answered 401, kept as a rejection


@dataclass(frozen=True, slots=True)
class Claim:
    """An agent claims its oldest queued run, which must belong to ``key`` (the demo checks itself)."""

    agent_id: str
    key: str


@dataclass(frozen=True, slots=True)
class Report:
    key: str
    state: Literal["running", "completed", "failed", "cancelled"]
    note: str
    repair_outcome: Literal["verified", "failed", "unverified"] | None = None


@dataclass(frozen=True, slots=True)
class Decide:
    """An operator approves or rejects the run of ``key`` that waits for approval."""

    key: str
    decision: Literal["approve", "reject"]
    note: str


@dataclass(frozen=True, slots=True)
class Heartbeat:
    providers: tuple[str, ...] = ALERT_PROVIDERS


@dataclass(frozen=True, slots=True)
class WorkItemAction:
    """A recorded dry-run or handoff of the work item of ``key`` (best effort: skipped if refused)."""

    key: str
    action: Literal["dry-run", "handoff"]


Step = Post | Claim | Report | Decide | Heartbeat | WorkItemAction


@dataclass(frozen=True, slots=True)
class Timed:
    at: datetime
    step: Step
    order: int = field(default=0, compare=False)
