"""The import as a job: it owns its transactions, one per batch, so a crash loses at most the
batch in flight and a re-run skips everything committed before (ON CONFLICT DO NOTHING).

Two stages overlap: a producer reads, parses, converts and encodes records into batches (Python
work), while the event loop stores the previous batch (database work, in the SQLite thread or
the PostgreSQL server). A large input (or standard input) is converted in processes of their own
(``CONVERTERS``), so the conversion gets cores of its own instead of sharing the interpreter lock
with the inserts: the event loop feeds every process all the raw bytes (decoding JSON is the
cheap part), each converts its share of the records (every n-th), and the loop takes back
encoded batches through pipes, from each in turn. A small input is converted in a thread (a
process costs a second to start). All run ``batches``, so they store the same rows. Pipes and
queues hold at most a batch or two per converter: constant memory.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import multiprocessing
import os
import threading
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from contextlib import aclosing, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from awooop.core.db import Database
from awooop.imports import service
from awooop.imports.convert import Row
from awooop.imports.encode import Encoded, Encoder, SqliteEncoder, encoder_for, pg_records
from awooop.imports.formats import FORMATS, Format
from awooop.imports.reader import CHUNK, CountingReader, InvalidInput, json_records, line_records
from awooop.imports.records import RecordRefused
from awooop.imports.service import ImportSummary

BATCH_SIZE = 5000
QUEUED_BATCHES = 2
# Inputs from this size on (and standard input, whose size is unknown) convert in a process.
PROCESS_FROM_BYTES = 4 * 1024 * 1024
# Converting processes of a large input: each decodes every record and converts every n-th. Half
# the cores: the inserts (the loop, or a local PostgreSQL server) need the other half; on two
# cores one converter is as fast for a first import (docs/import.md, round 4).
CONVERTERS = max(1, min(4, (os.cpu_count() or 1) // 2))


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    stream: CountingReader
    size: int | None  # bytes, when known (a regular file)


@dataclass(frozen=True, slots=True)
class Batch:
    records: list[Encoded]
    position: int  # bytes of the sources read so far
    summary: ImportSummary  # the producer's counts so far (imported/skipped are the loop's)


Progress = Callable[[ImportSummary, int, int | None], None]
# (k, n): the k-th of n converters takes every n-th record, from the k-th on.
Share = tuple[int, int]
WHOLE: Share = (0, 1)


def records_of(fmt: Format, stream: CountingReader) -> Iterator[tuple[int, Any]]:
    if fmt.line_oriented:
        return line_records(stream)
    return json_records(stream, fmt.item_paths)


def batches(
    project_id: str,
    fmt: Format,
    sources: Iterable[tuple[str, CountingReader]],
    batch_size: int,
    encode: Encoder,
    *,
    share: Share = WHOLE,
) -> Iterator[Batch]:
    """Every source's records, converted and encoded, in batches of about ``batch_size`` rows;
    with ``share`` (k, n) only every n-th record from the k-th on (all are read and decoded)."""
    summary, pending = ImportSummary(), list[Row]()
    done = 0
    mine, of = share
    seen = -1

    def batch(position: int) -> Batch:
        snapshot = dataclasses.replace(summary, refusals=list(summary.refusals))
        return Batch(encode(pending), position, snapshot)

    for name, stream in sources:
        for number, record in records_of(fmt, stream):
            seen += 1
            if seen % of != mine:
                continue  # another converter's record
            summary.read += 1
            try:
                rows, ignored = service.convert(project_id, fmt, record)
            except RecordRefused as exc:
                summary.refuse(name, number, exc.reason)
                continue
            summary.ignored += ignored
            summary.events += len(rows)
            pending.extend(rows)
            if len(pending) >= batch_size:
                yield batch(done + stream.position)
                pending = []
        done += stream.position
    yield batch(done)  # the last rows, and the final counts (perhaps no rows)


class _ThreadProducer:
    """Converts in a thread; hands batches to the loop through a bounded queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop, produce: Iterator[Batch]) -> None:
        self.loop = loop
        self.produce = produce
        self.queue: asyncio.Queue[Batch | BaseException | None] = asyncio.Queue(maxsize=QUEUED_BATCHES)
        self.stopped = threading.Event()

    def _hand_over(self, item: Batch | BaseException | None) -> None:
        asyncio.run_coroutine_threadsafe(self.queue.put(item), self.loop).result()

    def run(self) -> None:
        try:
            for batch in self.produce:
                self._hand_over(batch)
                if self.stopped.is_set():
                    return
            self._hand_over(None)
        except BaseException as exc:  # noqa: BLE001 - raised again by the loop, in its own task
            self._hand_over(exc)

    async def batches(self) -> AsyncGenerator[Batch]:
        thread = threading.Thread(target=self.run, name="awooop-import", daemon=True)
        thread.start()
        try:
            while (item := await self.queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stopped.set()
            while thread.is_alive():  # let a producer blocked on a full queue finish and see the stop
                while not self.queue.empty():
                    self.queue.get_nowait()
                await asyncio.sleep(0.01)


class _PipeStream:
    """One source's bytes as they arrive from the parent; an empty message ends the source."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.buffer = b""
        self.ended = False

    def read(self, size: int = -1) -> bytes:
        if not self.buffer and not self.ended:
            self.buffer = self.conn.recv_bytes()
            self.ended = not self.buffer
        if size < 0 or size >= len(self.buffer):
            data, self.buffer = self.buffer, b""
        else:
            data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def drain(self) -> None:
        while not self.ended:
            self.buffer = b""
            self.read()


@dataclass(frozen=True, slots=True)
class _ChildJob:
    project_id: str
    fmt_name: str
    engine: str  # "sqlite" | "postgresql": how batches are encoded
    names: list[str]  # the sources, in the order their bytes come
    batch_size: int
    share: Share


def _convert_in_child(chunks: Connection, out: Connection, job: _ChildJob) -> None:
    """A converting process: bytes in, ("batch" | "invalid" | "error" | "done", …) out."""
    # Conversion allocates millions of short-lived, acyclic objects: the modules loaded so far
    # need no more scans, and a rarer young-generation pass saves a tenth of the CPU.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

    def sources() -> Iterator[tuple[str, CountingReader]]:
        for name in job.names:
            stream = _PipeStream(chunks)
            yield name, CountingReader(stream)  # type: ignore[arg-type]
            stream.drain()  # a parser may stop before the end marker

    try:
        encode = encoder_for(job.engine)
        fmt = FORMATS[job.fmt_name]
        for batch in batches(job.project_id, fmt, sources(), job.batch_size, encode, share=job.share):
            out.send(("batch", batch))
        out.send(("done", None))
    except InvalidInput as exc:
        out.send(("invalid", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported by the parent, which raises it
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


def _feed(conns: list[Connection], sources: list[Source], stop: threading.Event) -> None:
    """Every converter gets all the bytes (each decodes every record, converts its share)."""
    try:
        for source in sources:
            while not stop.is_set():
                chunk = source.stream.read(CHUNK)
                for conn in conns:
                    conn.send_bytes(chunk)  # blocks while that child is busy: the back-pressure
                if not chunk:
                    break
    except OSError:
        pass  # a child is gone; the loop reports why


class _Converter:
    """One converting process, its pipes, and the receive of its next message."""

    def __init__(self, job: _ChildJob) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads and a loop
        chunks_in, self.chunks = context.Pipe(duplex=False)
        self.results, results_out = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_convert_in_child,
            args=(chunks_in, results_out, job),
            name=f"awooop-import-convert-{job.share[0]}",
            daemon=True,
        )
        self.process.start()
        chunks_in.close()
        results_out.close()
        self.receiving: asyncio.Future[Any] | None = None
        self.latest: Batch | None = None  # its last batch: counts and position so far

    def receive(self) -> None:
        # The next batch is received while the loop stores this one, so the child converts up
        # to two batches ahead instead of waiting for the insert.
        self.receiving = asyncio.ensure_future(asyncio.to_thread(self.results.recv))

    async def next_message(self) -> tuple[str, Any]:
        assert self.receiving is not None
        try:
            message: tuple[str, Any] = await self.receiving
        except EOFError:
            raise RuntimeError("the import's converting process stopped") from None
        return message

    async def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()  # also unblocks the feeder (its pipe breaks) and the receive (EOF)
        await asyncio.to_thread(self.process.join)

    async def finish(self) -> None:
        if self.receiving is not None:
            with suppress(EOFError, OSError, RuntimeError, asyncio.CancelledError):
                await self.receiving  # a receive still waiting ends with the child
        self.chunks.close()
        self.results.close()


def _merged(converters: list[_Converter], records: list[Encoded], names: list[str]) -> Batch:
    """A batch with the counts of all converters so far, at the position the slowest has read."""
    latest = [c.latest for c in converters if c.latest is not None]
    summary = ImportSummary.combined((batch.summary for batch in latest), names)
    position = min(batch.position for batch in latest) if len(latest) == len(converters) else 0
    return Batch(records, position, summary)


async def _process_batches(
    project_id: str, fmt: Format, engine: str, sources: list[Source], *, batch_size: int, count: int
) -> AsyncGenerator[Batch]:
    names = [s.name for s in sources]
    converters: list[_Converter] = []
    stop = threading.Event()
    feeder: threading.Thread | None = None
    try:
        # Inside the try, one by one (extend appends each as it comes): a process that fails to
        # start leaves none of the others running.
        converters.extend(
            _Converter(_ChildJob(project_id, fmt.name, engine, names, batch_size, (k, count))) for k in range(count)
        )
        chunks = [c.chunks for c in converters]
        feeder = threading.Thread(target=_feed, args=(chunks, sources, stop), name="awooop-import-feed", daemon=True)
        feeder.start()
        for converter in converters:
            converter.receive()
        active = list(converters)
        while active:
            # In turn: the converters read the same bytes, so they keep pace with each other.
            for converter in list(active):
                kind, payload = await converter.next_message()
                if kind == "batch":
                    converter.latest = payload
                    converter.receive()
                    yield _merged(converters, payload.records, names)
                elif kind == "done":
                    active.remove(converter)
                elif kind == "invalid":
                    raise InvalidInput(payload)
                else:
                    raise RuntimeError(f"the import's converting process failed: {payload}")
    finally:
        stop.set()
        for converter in converters:
            await converter.close()
        if feeder is not None:
            await asyncio.to_thread(feeder.join)
        for converter in converters:
            await converter.finish()


async def run_import(
    db: Database,
    *,
    project_id: str,
    fmt: Format,
    sources: Iterable[Source],
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    in_process: bool | None = None,
    converters: int | None = None,
) -> ImportSummary:
    """Read every source, convert, store in batches; returns the counts. Raises ``InvalidInput``
    when a source is not in the format (batches committed before stay: a re-run skips them).
    ``in_process`` forces the converting thread (True) or processes (False); None picks by size.
    ``converters``: how many converting processes (None: ``CONVERTERS``)."""
    async with db.reader() as session:
        await service.require_project(session, project_id)
    sources = list(sources)
    sizes = [source.size for source in sources]
    total = sum(size for size in sizes if size is not None) if None not in sizes else None
    if in_process is None:
        in_process = total is not None and total < PROCESS_FROM_BYTES
    if in_process:
        encode: Encoder = SqliteEncoder(db.write_engine.dialect) if db.is_sqlite else pg_records
        produce = batches(project_id, fmt, ((s.name, s.stream) for s in sources), batch_size, encode)
        stream = _ThreadProducer(asyncio.get_running_loop(), produce).batches()
    else:
        engine = "sqlite" if db.is_sqlite else "postgresql"
        count = CONVERTERS if converters is None else max(1, converters)
        stream = _process_batches(project_id, fmt, engine, sources, batch_size=batch_size, count=count)
    summary = ImportSummary()
    async with aclosing(stream):  # stops the producer (thread or process) whatever happens here
        async for batch in stream:
            await _store(db, batch.records, summary)
            counts = batch.summary
            summary.read, summary.events, summary.ignored = counts.read, counts.events, counts.ignored
            summary.refused, summary.refusals = counts.refused, counts.refusals
            if progress is not None:
                progress(summary, batch.position, total)
    return summary


async def _store(db: Database, records: list[Encoded], summary: ImportSummary) -> None:
    if not records:
        return
    async with db.transaction() as session:
        inserted = await service.store_rows(session, records)
    summary.imported += inserted
    summary.skipped += len(records) - inserted
