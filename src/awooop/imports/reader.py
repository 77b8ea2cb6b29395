"""Streaming readers: records one at a time from a JSON answer or a JSON Lines file, in constant
memory whatever the file size (ijson's C backend for JSON; one line at a time for JSONL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import ijson
import orjson

from awooop.imports.records import RecordRefused

# ijson reads this much per call; the probe keeps what it read to replay it.
CHUNK = 256 * 1024


class InvalidInput(ValueError):
    """The file is not in the format asked for (not JSON, or no known array of records)."""


class CountingReader:
    """A binary stream that counts the bytes read from it (the progress bar's position)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.position = 0
        self._replay = b""

    def replay(self, data: bytes) -> None:
        self._replay = data + self._replay

    def read(self, size: int = -1) -> bytes:
        if self._replay:
            if size < 0 or size >= len(self._replay):
                data, self._replay = self._replay, b""
            else:
                data, self._replay = self._replay[:size], self._replay[size:]
            return data
        data = self.raw.read(size)
        self.position += len(data)
        return data


class _Recorder:
    def __init__(self, source: CountingReader) -> None:
        self.source = source
        self.seen: list[bytes] = []

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.seen.append(data)
        return data


def _probe(stream: CountingReader, item_paths: tuple[str, ...]) -> str:
    """Which of ``item_paths`` this document has: the first top-level key naming one (or a
    top-level array). What the probe read is replayed, so stdin works as well as a file."""
    recorder = _Recorder(stream)
    keys = {path.split(".", 1)[0]: path for path in item_paths if path != "item"}
    found: str | None = None
    try:
        for prefix, event, value in ijson.parse(recorder, buf_size=CHUNK, multiple_values=True):
            if prefix == "" and event == "start_array" and "item" in item_paths:
                found = "item"
            elif prefix == "" and event == "map_key" and value in keys:
                found = keys[value]
            elif prefix == "" and event in ("string", "number", "boolean", "null"):
                raise InvalidInput("the document is a single value, not an answer with records")
            if found is not None:
                break
    except ijson.JSONError as exc:
        raise InvalidInput(f"not JSON: {exc}") from None
    stream.replay(b"".join(recorder.seen))
    if found is None:
        expected = ", ".join(path.removesuffix(".item") or "[…]" for path in item_paths)
        raise InvalidInput(f"no records found: expected a JSON answer with one of {expected}")
    return found


def json_records(stream: CountingReader, item_paths: tuple[str, ...]) -> Iterator[tuple[int, Any]]:
    """(record number, record) of the answer; several concatenated answers (pages) in turn."""
    path = _probe(stream, item_paths)
    number = 0
    try:
        for number, record in enumerate(
            ijson.items(stream, path, use_float=True, multiple_values=True, buf_size=CHUNK), 1
        ):
            yield number, record
    except ijson.JSONError as exc:
        raise InvalidInput(f"invalid JSON after record {number}: {exc}") from None


def line_records(stream: CountingReader) -> Iterator[tuple[int, Any]]:
    """(line number, decoded line) of each non-blank line; a line that is not JSON comes as a
    ``RecordRefused`` value, and the lines after it go on."""
    buffered = b""
    number = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        buffered += chunk
        lines = buffered.split(b"\n")
        buffered = lines.pop()
        for line in lines:
            number += 1
            if line.strip():
                yield number, _decode(line)
    if buffered.strip():
        yield number + 1, _decode(buffered)


def _decode(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return RecordRefused(f"not JSON: {exc.msg}")
