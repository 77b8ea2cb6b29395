"""Failed-credential throttling, in memory and per process (pure: no framework, no database).

Failures are counted in a sliding window per *scope* (``keys`` for operator, agent and console
keys; ``intake:<project>`` for a project's intake token), in three buckets:

* per source address: ``max_failures`` failures from one address block that address in the scope
  (429) until the oldest of them leaves the window, whatever it presents;
* per key id: once a key id has ``max_failures`` failures (from anywhere), an address that has
  failed on that key id in the window is refused for it without a check, so guessing one key from
  many addresses gets one try per address;
* a key id under attack still works from any address that has not failed on it: the right
  credential is never locked out from another address.

Buckets hold at most ``max_failures`` timestamps; at most ``max_buckets`` buckets are kept (expired
ones are swept first, then the oldest go), so a flood cannot grow memory without bound. Each worker
process counts on its own: with N workers an address gets up to N × ``max_failures`` tries.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Bucket = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    """``retry_after`` seconds when refused; ``first`` is True for the first refusal of the bucket in
    its window (the one worth recording: later ones of a flood are only counted)."""

    retry_after: int
    first: bool


class FailureThrottle:
    def __init__(
        self,
        *,
        max_failures: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = 100_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._clock = clock
        self._max_buckets = max_buckets
        self._failures: dict[Bucket, deque[float]] = {}
        self._refused: dict[Bucket, float] = {}  # bucket -> end of the window its refusals were reported in
        self.refusals = 0

    @property
    def enabled(self) -> bool:
        return self.max_failures > 0

    def _recent(self, bucket: Bucket, now: float) -> deque[float] | None:
        stamps = self._failures.get(bucket)
        if stamps is None:
            return None
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._failures[bucket]
            return None
        return stamps

    def check(self, scope: str, address: str, key_id: str | None = None) -> Verdict | None:
        """None when the attempt may be checked; a Verdict (429) when it must be refused unchecked."""
        if not self.enabled:
            return None
        now = self._clock()
        by_address = self._recent((scope, "address", address), now)
        if by_address is not None and len(by_address) >= self.max_failures:
            return self._refuse((scope, "address", address), by_address[0], now)
        if key_id is not None:
            by_key = self._recent((scope, "key", key_id), now)
            from_here = self._recent((scope, "key", key_id, address), now)
            if by_key is not None and len(by_key) >= self.max_failures and from_here is not None:
                return self._refuse((scope, "key", key_id, address), from_here[-1], now)
        return None

    def _refuse(self, bucket: Bucket, since: float, now: float) -> Verdict:
        self.refusals += 1
        until = since + self.window
        first = self._refused.get(bucket, -math.inf) <= now
        if first:
            self._refused[bucket] = until
        return Verdict(retry_after=max(1, math.ceil(until - now)), first=first)

    def failed(self, scope: str, address: str, key_id: str | None = None) -> None:
        """Count one failed credential."""
        if not self.enabled:
            return
        now = self._clock()
        buckets: list[Bucket] = [(scope, "address", address)]
        if key_id is not None:
            buckets += [(scope, "key", key_id), (scope, "key", key_id, address)]
        for bucket in buckets:
            stamps = self._failures.get(bucket)
            if stamps is None:
                self._make_room(now)
                stamps = self._failures[bucket] = deque(maxlen=self.max_failures)
            stamps.append(now)

    def _make_room(self, now: float) -> None:
        if len(self._failures) < self._max_buckets:
            return
        for bucket in list(self._failures):
            self._recent(bucket, now)
        self._refused = {b: until for b, until in self._refused.items() if until > now}
        while len(self._failures) >= self._max_buckets:
            del self._failures[next(iter(self._failures))]  # the oldest bucket goes first
