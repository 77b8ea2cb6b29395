"""AwoooP's own JSONL export: one event per line, oldest first, readable by ``--from jsonl``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from awooop.imports import repository
from awooop.imports.formats.jsonl import EXPORT_VERSION

# Links into the exporting installation (its runs, incidents, originals, silences) mean nothing elsewhere.
_LOCAL_COLUMNS = frozenset({"id", "duplicate_of", "run_id", "incident_id", "silence_id"})


def export_line(row: dict[str, Any]) -> bytes:
    line: dict[str, Any] = {"awooop_export": EXPORT_VERSION, "event_id": str(row["id"])}
    line.update((name, value) for name, value in row.items() if name not in _LOCAL_COLUMNS)
    return orjson.dumps(line, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS) + b"\n"


async def export_lines(session: AsyncSession, project_id: str, since: datetime | None) -> AsyncIterator[bytes]:
    async for row in repository.stream_events(session, project_id, since):
        yield export_line(row)
