"""Group commit for intake (placeholder: the hub issue fills it in)."""

from __future__ import annotations

from awooop.config import Settings
from awooop.core.db import Database


class IntakeCommitter:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
