"""How the app wires monitors in (kept here so app.py gains one line): the routers and the Watchdog name.
The evaluator task is one of ``awooop.background.LOOPS``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI

from awooop.config import Settings
from awooop.monitors import api, opsgenie, ping_api, watchdog


def include(app: FastAPI, settings: Settings, guarded: Sequence[Any]) -> None:
    watchdog.configure(settings)
    app.include_router(ping_api.router, prefix="/api/v1/hub", tags=["monitors"])
    app.include_router(opsgenie.router, prefix="/api/v1/opsgenie", tags=["opsgenie-compatible"])
    app.include_router(api.router, prefix="/api/v1/platform", tags=["monitors"], dependencies=list(guarded))
