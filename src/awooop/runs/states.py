"""The run state machine as pure data.

``queued → running → completed | failed | cancelled`` and
``queued → awaiting_approval → queued`` (approved) or ``cancelled`` (rejected).

Two decisions beyond the spec (docs/runs.md):

* ``queued → cancelled`` is allowed: an operator may withdraw a run no agent has claimed yet.
* ``running → running`` is allowed as a *progress report*: an agent's note is appended to the
  history without changing the state (the only self-loop).

Terminal states (completed, failed, cancelled) have no way out: a finished run is history.
"""

from __future__ import annotations

from typing import Final, Literal

from awooop.errors import InvalidTransition

RunState = Literal["queued", "awaiting_approval", "running", "completed", "failed", "cancelled"]

QUEUED: Final = "queued"
AWAITING_APPROVAL: Final = "awaiting_approval"
RUNNING: Final = "running"
COMPLETED: Final = "completed"
FAILED: Final = "failed"
CANCELLED: Final = "cancelled"

STATES: Final[tuple[RunState, ...]] = (QUEUED, AWAITING_APPROVAL, RUNNING, COMPLETED, FAILED, CANCELLED)
UNFINISHED: Final[frozenset[str]] = frozenset({QUEUED, AWAITING_APPROVAL, RUNNING})
TERMINAL: Final[frozenset[str]] = frozenset({COMPLETED, FAILED, CANCELLED})

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    QUEUED: frozenset({RUNNING, AWAITING_APPROVAL, CANCELLED}),
    AWAITING_APPROVAL: frozenset({QUEUED, CANCELLED}),
    RUNNING: frozenset({RUNNING, COMPLETED, FAILED, CANCELLED}),
    COMPLETED: frozenset(),
    FAILED: frozenset(),
    CANCELLED: frozenset(),
}

# The only state a run may be created in; later states are reached through the table.
INITIAL: Final = QUEUED


def is_state(value: str) -> bool:
    return value in TRANSITIONS


def allowed_from(state: str) -> frozenset[str]:
    return TRANSITIONS.get(state, frozenset())


def check_transition(from_state: str, to_state: str) -> None:
    """Raise InvalidTransition (409, carrying ``current_state``) unless the table allows the move."""
    if not is_state(to_state):
        raise InvalidTransition(f"unknown run state {to_state!r}", current_state=from_state)
    if to_state in allowed_from(from_state):
        return
    allowed = sorted(allowed_from(from_state))
    hint = f"allowed: {', '.join(allowed)}" if allowed else f"{from_state} is final"
    raise InvalidTransition(
        f"a {from_state} run cannot move to {to_state} ({hint})",
        current_state=from_state,
        requested_state=to_state,
    )
