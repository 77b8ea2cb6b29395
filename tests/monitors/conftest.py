from __future__ import annotations

import pytest

from awooop.core import clock as clock_module
from tests.monitors.helpers import Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(clock_module, "utcnow", fake)
    return fake
