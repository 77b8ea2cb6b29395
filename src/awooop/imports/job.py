"""The import as a job: it owns its transactions, one per batch, so a crash loses at most the
batch in flight and a re-run skips everything committed before (ON CONFLICT DO NOTHING).

Two stages overlap: a thread reads, parses and converts records into batches of rows (Python
work), while the event loop stores the previous batch (database work, in the SQLite thread or
the PostgreSQL server). At most ``QUEUED_BATCHES`` batches wait between them: constant memory.
"""

from __future__ import annotations

import asyncio
import threading
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
QUEUED_BATCHES = 2


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


class _Producer:
    """Reads and converts in a thread of its own; hands batches to the loop through a queue."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, project_id: str, fmt: Format, sources: list[Source], batch_size: int
    ) -> None:
        self.loop = loop
        self.project_id = project_id
        self.fmt = fmt
        self.sources = sources
        self.batch_size = batch_size
        self.queue: asyncio.Queue[list[Row] | None] = asyncio.Queue(maxsize=QUEUED_BATCHES)
        self.summary = ImportSummary()
        self.stopped = threading.Event()
        self.position = 0

    def _hand_over(self, batch: list[Row] | None) -> None:
        asyncio.run_coroutine_threadsafe(self.queue.put(batch), self.loop).result()

    def run(self) -> None:
        try:
            self._convert_all()
        finally:
            self._hand_over(None)

    def _convert_all(self) -> None:
        summary, pending = self.summary, []
        done = 0
        for source in self.sources:
            for number, record in records_of(self.fmt, source):
                summary.read += 1
                try:
                    rows, ignored = service.convert(self.project_id, self.fmt, record)
                except RecordRefused as exc:
                    summary.refuse(source.name, number, exc.reason)
                    continue
                summary.ignored += ignored
                summary.events += len(rows)
                pending.extend(rows)
                if len(pending) >= self.batch_size:
                    self.position = done + source.stream.position
                    self._hand_over(pending)
                    pending = []
                    if self.stopped.is_set():
                        return
            done += source.stream.position
        self.position = done
        if pending:
            self._hand_over(pending)


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
    sources = list(sources)
    sizes = [source.size for source in sources]
    total = sum(size for size in sizes if size is not None) if None not in sizes else None
    producer = _Producer(asyncio.get_running_loop(), project_id, fmt, sources, batch_size)
    thread = asyncio.create_task(asyncio.to_thread(producer.run))
    summary = producer.summary
    try:
        while (batch := await producer.queue.get()) is not None:
            await _store(db, batch, summary)
            if progress is not None:
                progress(summary, producer.position, total)
    except BaseException:
        producer.stopped.set()
        while not thread.done():  # let a producer blocked on a full queue finish and see the stop
            while not producer.queue.empty():
                producer.queue.get_nowait()
            await asyncio.sleep(0.01)
        raise
    await thread  # the producer's own error (e.g. InvalidInput), if any
    if progress is not None:
        progress(summary, producer.position, total)
    return summary


async def _store(db: Database, rows: list[Row], summary: ImportSummary) -> None:
    async with db.transaction() as session:
        inserted = await service.store_rows(session, rows)
    summary.imported += inserted
    summary.skipped += len(rows) - inserted
