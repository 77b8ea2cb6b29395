"""Refused deliveries: counted in metrics and kept as ``intake_rejections`` rows (never the body).

Each rejection is written in its own short transaction, apart from event writes. The 4xx answer
waits for that write at most ``REJECTION_WRITE_WAIT_SECONDS`` and is given even if it fails: a
busy database must not turn a refusal into a hang or a 5xx (a 5xx would make senders retry).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

from awooop.core.clock import utcnow
from awooop.core.db import Database
from awooop.core.ids import uuid7
from awooop.core.metrics import INTAKE_REJECTIONS
from awooop.hub import repository
from awooop.hub.providers import provider_spec
from awooop.hub.service import replace_nul

log = logging.getLogger(__name__)

REJECTION_WRITE_WAIT_SECONDS = 1.0
UNKNOWN_LABEL = "_unknown"  # metric label for unknown projects/providers: bounded cardinality
_DETAIL_WIDTH = 512


@dataclass(frozen=True, slots=True)
class Rejection:
    project_id: str
    provider: str
    reason: str
    status_code: int
    detail: str
    body: bytes | None  # hashed and measured, never stored
    body_length: int  # bytes seen (or announced) when the body was not read whole


def _fit(value: str, width: int) -> str:
    value = replace_nul(value)
    return value if len(value) <= width else value[: width - 1] + "…"


class RejectionRecorder:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._writes: set[asyncio.Task[None]] = set()

    async def record(self, rejection: Rejection, *, project_known: bool, store: bool = True) -> None:
        """Count the rejection; keep its row unless ``store`` is False (a throttled flood keeps one
        row per throttle window, so it cannot fill the table)."""
        INTAKE_REJECTIONS.labels(
            rejection.project_id if project_known else UNKNOWN_LABEL,
            rejection.provider if provider_spec(rejection.provider) is not None else UNKNOWN_LABEL,
            rejection.reason,
        ).inc()
        if not store:
            return
        write = asyncio.create_task(self._store(rejection))
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)
        try:
            # shield: a slow write outlives the answer instead of being cancelled half-way.
            await asyncio.wait_for(asyncio.shield(write), REJECTION_WRITE_WAIT_SECONDS)
        except TimeoutError:
            log.warning("intake rejection still being written after %.1fs", REJECTION_WRITE_WAIT_SECONDS)

    async def _store(self, rejection: Rejection) -> None:
        body = rejection.body
        row = {
            "id": uuid7(),
            "project_id": _fit(rejection.project_id, 64),
            "provider": _fit(rejection.provider, 32),
            "reason": _fit(rejection.reason, 64),
            "status_code": rejection.status_code,
            "detail": _fit(rejection.detail, _DETAIL_WIDTH),
            "body_sha256": hashlib.sha256(body).hexdigest() if body is not None else None,
            "body_length": len(body) if body is not None else rejection.body_length,
            "received_at": utcnow(),
        }
        try:
            async with self._db.transaction() as session:
                await repository.insert_rejection(session, row)
        except Exception:
            log.warning(
                "could not store intake rejection (%s %s)", rejection.status_code, rejection.reason, exc_info=True
            )

    async def drain(self) -> None:
        """Wait for rejection writes still in flight (shutdown)."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
