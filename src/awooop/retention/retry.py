"""Retention yields to intake: a step that finds the database locked (SQLite's single writer, whose
busy handler is not fair to a writer that waits while another commits often) or briefly unreachable
waits and tries again instead of failing the pass."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from awooop.core.db import is_unavailable_error

T = TypeVar("T")
log = logging.getLogger(__name__)
PAUSES = (0.05, 0.1, 0.2, 0.5, 1.0, 1.0, 2.0, 2.0, 5.0, 5.0, 10.0, 10.0)


async def patiently(step: Callable[[], Awaitable[T]]) -> T:
    for pause in (*PAUSES, None):
        try:
            return await step()
        except Exception as exc:
            if pause is None or not is_unavailable_error(exc):
                raise
            log.info("retention step found the database busy; again in %.2f s", pause)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")
