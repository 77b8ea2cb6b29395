"""What a background loop says while the database is away: one line when the outage starts, one
when it ends, and a pause that doubles in between (never a traceback per poll)."""

from __future__ import annotations

import logging
import time

from awooop.core.db import is_unavailable_error

BACKOFF_CAP_SECONDS = 30.0  # longest pause between rounds while the database is away


class OutageLog:
    def __init__(self, loop: str, log: logging.Logger) -> None:
        self.loop = loop
        self.log = log
        self.since: float | None = None
        self.pause = 0.0

    def failed(self, exc: BaseException, poll_seconds: float) -> float:
        """After a failed round: the pause before the next. An outage is logged once; anything
        else is a bug and keeps its traceback."""
        if not is_unavailable_error(exc):
            self.log.error("%s: round failed; retrying after %g s", self.loop, poll_seconds, exc_info=exc)
            return poll_seconds
        if self.since is None:
            self.since = time.monotonic()
            self.pause = poll_seconds
            self.log.warning(
                "%s: database unavailable (%s); pausing, retrying with backoff", self.loop, type(exc).__name__
            )
        else:
            self.pause = min(self.pause * 2, max(BACKOFF_CAP_SECONDS, poll_seconds))
        return self.pause

    def succeeded(self) -> None:
        if self.since is not None:
            self.log.warning(
                "%s: database reachable again after %.1fs; resumed", self.loop, time.monotonic() - self.since
            )
            self.since = None
