"""SQLite purge batches are sized by the write-lock hold they aim at (retention/pacing.py)."""

from __future__ import annotations

import pytest

from awooop.retention.pacing import MIN_ROWS, BatchSizer, Pacing


def test_fixed_batches_without_a_hold_target() -> None:
    sizer = BatchSizer(Pacing(batch_rows=1000, pause_seconds=0.05))
    sizer.observe(1000, 2.0)  # however long a batch took
    assert sizer.rows == 1000
    assert sizer.pause_seconds == pytest.approx(0.05)


def test_a_slow_batch_shrinks_the_next_to_the_target_and_lengthens_the_pause() -> None:
    sizer = BatchSizer(Pacing(batch_rows=100, pause_seconds=0.05, hold_seconds=0.005))
    sizer.observe(100, 0.020)  # 4x the target
    assert sizer.rows == 25
    # 20 ms held: at most a fifth of the time, so at least 80 ms of rest
    assert sizer.pause_seconds == pytest.approx(0.080)
    sizer.observe(25, 0.005)
    assert sizer.rows == 25
    assert sizer.pause_seconds == pytest.approx(0.05)


def test_growth_is_gradual_and_capped_by_batch_rows() -> None:
    sizer = BatchSizer(Pacing(batch_rows=100, pause_seconds=0.0, hold_seconds=0.005))
    sizer.observe(100, 0.050)
    assert sizer.rows == 10
    sizer.observe(10, 0.0001)  # very cheap: at most doubles
    assert sizer.rows == 20
    for _ in range(5):
        sizer.observe(sizer.rows, 0.0001)
    assert sizer.rows == 100


def test_never_below_the_minimum() -> None:
    sizer = BatchSizer(Pacing(batch_rows=100, pause_seconds=0.0, hold_seconds=0.001))
    sizer.observe(100, 5.0)  # a checkpoint or a stall
    assert sizer.rows == MIN_ROWS
