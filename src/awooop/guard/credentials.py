"""The guard of every credential check: refuse throttled callers unchecked, count failures.

``CredentialGuard`` lives on ``app.state.guard`` (one per process). Callers pass the scope
(``keys`` or ``intake:<project>``), the client address and, when the credential names one, the key
id; see throttle.py for the rules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from awooop.config import Settings
from awooop.errors import TooManyRequests, Unauthorized
from awooop.guard.client import client_address
from awooop.guard.throttle import FailureThrottle

T = TypeVar("T")
KEYS = "keys"


def intake_scope(project_id: str) -> str:
    return f"intake:{project_id}"


class CredentialGuard:
    def __init__(self, settings: Settings) -> None:
        self.trusted_proxies = tuple(settings.trusted_proxies)
        self.throttle = FailureThrottle(
            max_failures=settings.auth_max_failures, window_seconds=settings.auth_failure_window_seconds
        )

    def address(self, scope: Mapping[str, Any]) -> str:
        return client_address(scope, self.trusted_proxies)

    def refuse_if_throttled(self, scope: str, address: str, key_id: str | None = None) -> None:
        verdict = self.throttle.check(scope, address, key_id)
        if verdict is not None:
            raise TooManyRequests(
                "too many failed credentials; retry later",
                retry_after=verdict.retry_after,
                first=verdict.first,
                reason="throttled",
            )

    def failed(self, scope: str, address: str, key_id: str | None = None) -> None:
        self.throttle.failed(scope, address, key_id)

    async def check(self, scope: str, address: str, key_id: str | None, attempt: Callable[[], Awaitable[T]]) -> T:
        """``attempt()`` unless throttled (429); an Unauthorized from it counts as a failure."""
        self.refuse_if_throttled(scope, address, key_id)
        try:
            return await attempt()
        except Unauthorized:
            self.failed(scope, address, key_id)
            raise
