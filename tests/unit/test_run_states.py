"""The run transition table, pair by pair: every allowed move passes, every other one is a 409."""

from __future__ import annotations

import itertools

import pytest

from awooop.errors import InvalidTransition
from awooop.runs.states import STATES, TERMINAL, UNFINISHED, check_transition

ALLOWED = {
    ("queued", "running"),
    ("queued", "awaiting_approval"),
    ("queued", "cancelled"),
    ("awaiting_approval", "queued"),
    ("awaiting_approval", "cancelled"),
    ("running", "running"),
    ("running", "completed"),
    ("running", "failed"),
    ("running", "cancelled"),
}


@pytest.mark.parametrize(("from_state", "to_state"), sorted(itertools.product(STATES, STATES)))
def test_every_pair_follows_the_table(from_state: str, to_state: str) -> None:
    if (from_state, to_state) in ALLOWED:
        check_transition(from_state, to_state)
        return
    with pytest.raises(InvalidTransition) as raised:
        check_transition(from_state, to_state)
    body = raised.value.to_body()
    assert body["code"] == "invalid_transition"
    assert body["current_state"] == from_state
    assert body["requested_state"] == to_state
    assert from_state in body["detail"]
    assert to_state in body["detail"]
    assert raised.value.status_code == 409


def test_finished_runs_say_they_are_final() -> None:
    for state in TERMINAL:
        with pytest.raises(InvalidTransition, match=f"{state} is final"):
            check_transition(state, "queued")


def test_unknown_target_state_is_named() -> None:
    with pytest.raises(InvalidTransition, match="unknown run state 'paused'") as raised:
        check_transition("queued", "paused")
    assert raised.value.to_body()["current_state"] == "queued"


def test_states_partition_into_unfinished_and_terminal() -> None:
    assert set(STATES) == UNFINISHED | TERMINAL
    assert not UNFINISHED & TERMINAL
