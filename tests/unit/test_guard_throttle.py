"""Failed-credential throttle and client address rules (pure, with a hand-driven clock)."""

from __future__ import annotations

import pytest

from awooop.guard.client import client_address
from awooop.guard.throttle import FailureThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(clock: Clock, **overrides: int) -> FailureThrottle:
    return FailureThrottle(max_failures=3, window_seconds=60, clock=clock, **overrides)


def test_an_address_is_refused_after_n_failures_until_they_leave_the_window() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    for _ in range(2):
        throttle.failed("keys", "10.0.0.1")
    assert throttle.check("keys", "10.0.0.1") is None
    throttle.failed("keys", "10.0.0.1")
    clock.now += 10
    verdict = throttle.check("keys", "10.0.0.1")
    assert verdict is not None
    assert (verdict.retry_after, verdict.first) == (50, True)
    assert throttle.check("keys", "10.0.0.1").first is False  # type: ignore[union-attr]
    assert throttle.check("keys", "10.0.0.2") is None  # another address is not affected
    assert throttle.check("intake:acme", "10.0.0.1") is None  # nor another scope
    clock.now += 50
    assert throttle.check("keys", "10.0.0.1") is None


def test_a_key_under_attack_still_works_from_an_address_that_never_failed_on_it() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    for attacker in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        throttle.failed("keys", attacker, "abc123def456")
    # Each attacker failed once: not blocked as an address, but blocked for this key.
    assert throttle.check("keys", "10.0.0.1") is None
    assert throttle.check("keys", "10.0.0.1", "abc123def456") is not None
    assert throttle.check("keys", "10.0.0.1", "000000000000") is None
    assert throttle.check("keys", "192.0.2.7", "abc123def456") is None  # the owner, elsewhere
    clock.now += 61
    assert throttle.check("keys", "10.0.0.1", "abc123def456") is None


def test_off_when_max_failures_is_zero() -> None:
    throttle = FailureThrottle(max_failures=0, window_seconds=60)
    for _ in range(100):
        throttle.failed("keys", "10.0.0.1", "abc123def456")
    assert throttle.check("keys", "10.0.0.1", "abc123def456") is None


def test_a_flood_of_addresses_keeps_memory_bounded() -> None:
    clock = Clock()
    throttle = _throttle(clock, max_buckets=100)
    for n in range(1000):
        throttle.failed("keys", f"10.0.{n // 256}.{n % 256}", f"{n:012x}")
    assert len(throttle._failures) <= 100


SCOPE = {"client": ("10.1.1.1", 4242), "headers": [(b"x-forwarded-for", b"203.0.113.9, 198.51.100.2")]}


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        ([], "10.1.1.1"),  # no trusted proxy: the header is ignored
        (["10.9.9.9"], "10.1.1.1"),  # the peer is not a trusted proxy
        (["10.1.1.1"], "198.51.100.2"),  # the right-most hop the trusted proxy saw
        (["10.0.0.0/8", "198.51.100.0/24"], "203.0.113.9"),  # a chain of trusted proxies
        (["10.0.0.0/8", "198.51.100.0/24", "203.0.113.0/24"], "10.1.1.1"),  # every hop trusted
    ],
)
def test_x_forwarded_for_is_believed_only_from_trusted_proxies(trusted: list[str], expected: str) -> None:
    assert client_address(SCOPE, trusted) == expected
