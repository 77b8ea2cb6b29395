"""The terminal progress line of `awooop import`: position, records, rate and ETA."""

from __future__ import annotations

import io

from awooop.cli.imports import _ProgressBar
from awooop.imports.service import ImportSummary


def test_the_progress_line_shows_position_rate_and_eta_and_is_cleared_at_the_end() -> None:
    out = io.StringIO()
    bar = _ProgressBar(out)
    summary = ImportSummary(read=1500, imported=1400)
    bar(summary, 250, 1000)
    line = out.getvalue()
    assert line.startswith("\r[######------------------]  25.0%")
    assert "1,500 records" in line
    assert "/s" in line
    assert "imported 1,400" in line
    assert "ETA " in line
    bar.finish()
    assert out.getvalue().endswith("\r\x1b[K")


def test_without_a_known_size_it_shows_counts_only() -> None:
    out = io.StringIO()
    _ProgressBar(out)(ImportSummary(read=10), 100, None)
    assert "%" not in out.getvalue()
    assert "ETA" not in out.getvalue()
    assert "10 records" in out.getvalue()
