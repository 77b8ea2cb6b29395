"""How big each purge batch is and how long the pass pauses after it.

PostgreSQL takes fixed batches: row locks keep intake's inserts out of the deletes' way. SQLite has
one writer, so every batch makes the intake commits queued behind it wait for all of it, and the time
a batch of N rows holds the lock varies with the rows (their size, their indexes' pages in the cache,
a checkpoint). There the pass aims at a *hold time* instead of a row count: after each batch the next
one is sized from the rows per second just measured, never above ``batch_rows``, and the pause keeps
the pass's share of the lock bounded. bench/retention.py measures the effect (docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_ROWS = 5
MAX_GROWTH = 2.0  # a batch at most doubles the previous one: one cheap batch says little
MAX_LOCK_SHARE = 0.2  # of wall time, while intake may be waiting for the lock


@dataclass(frozen=True, slots=True)
class Pacing:
    batch_rows: int  # the most a batch takes (and the first batch)
    pause_seconds: float  # the least pause after a batch
    hold_seconds: float | None = None  # SQLite: the write-lock hold a batch aims at; None: fixed batches


class BatchSizer:
    """Rows for the next batch, and the pause after the last, from the holds measured so far."""

    def __init__(self, pacing: Pacing) -> None:
        self.pacing = pacing
        self.rows = pacing.batch_rows
        self._pause = pacing.pause_seconds

    def observe(self, rows: int, held_seconds: float) -> None:
        """A batch of ``rows`` held the write lock for ``held_seconds``."""
        target = self.pacing.hold_seconds
        if target is None or rows <= 0 or held_seconds <= 0:
            return
        fitting = rows * target / held_seconds
        self.rows = max(MIN_ROWS, min(self.pacing.batch_rows, int(min(fitting, self.rows * MAX_GROWTH))))
        # A long hold earns a longer rest: the pass never takes more than its share of the lock.
        self._pause = max(self.pacing.pause_seconds, held_seconds * (1 - MAX_LOCK_SHARE) / MAX_LOCK_SHARE)

    @property
    def pause_seconds(self) -> float:
        return self._pause
