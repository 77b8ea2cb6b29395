"""The import as a job: it owns its transactions, one per batch, so a crash loses at most the
batch in flight and a re-run skips everything committed before (ON CONFLICT DO NOTHING)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from awooop.core.db import Database
from awooop.imports import service
from awooop.imports.convert import Row
from awooop.imports.formats import Format
from awooop.imports.reader import CountingReader, json_records, line_records
from awooop.imports.records import RecordRefused
from awooop.imports.service import ImportSummary

BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    stream: CountingReader
    size: int | None  # bytes, when known (a regular file)


Progress = Callable[[ImportSummary, int, int | None], None]


def records_of(fmt: Format, source: Source) -> Iterator[tuple[int, Any]]:
    if fmt.line_oriented:
        return line_records(source.stream)
    return json_records(source.stream, fmt.item_paths)


async def run_import(
    db: Database,
    *,
    project_id: str,
    fmt: Format,
    sources: Iterable[Source],
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportSummary:
    """Read every source, convert, store in batches; returns the counts. Raises ``InvalidInput``
    when a source is not in the format (batches committed before stay: a re-run skips them)."""
    async with db.reader() as session:
        await service.require_project(session, project_id)
    summary = ImportSummary()
    pending: list[Row] = []
    done_bytes = 0
    total = 0
    sizes_known = True
    sources = list(sources)
    for source in sources:
        if source.size is None:
            sizes_known = False
        else:
            total += source.size
    for source in sources:
        for number, record in records_of(fmt, source):
            summary.read += 1
            try:
                rows, ignored = service.convert(project_id, fmt, record)
            except RecordRefused as exc:
                summary.refuse(source.name, number, exc.reason)
                continue
            summary.ignored += ignored
            summary.events += len(rows)
            pending.extend(rows)
            if len(pending) >= batch_size:
                await _store(db, pending, summary)
                pending = []
                if progress is not None:
                    progress(summary, done_bytes + source.stream.position, total if sizes_known else None)
        done_bytes += source.stream.position
    await _store(db, pending, summary)
    if progress is not None:
        progress(summary, done_bytes, total if sizes_known else None)
    return summary


async def _store(db: Database, rows: list[Row], summary: ImportSummary) -> None:
    if not rows:
        return
    async with db.transaction() as session:
        inserted = await service.store_rows(session, rows)
    summary.imported += inserted
    summary.skipped += len(rows) - inserted
