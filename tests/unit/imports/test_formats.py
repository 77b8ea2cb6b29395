"""Format parsers and streaming readers on small hand-made inputs (pure, no database)."""

from __future__ import annotations

import io

import pytest

from awooop.imports.formats import FORMATS
from awooop.imports.reader import CountingReader, InvalidInput, json_records, line_records
from awooop.imports.records import Ignored, ImportedRecord, RecordRefused

ENTRY = {
    "id": "e1",
    "event": "DiskFull",
    "resource": "db-1",
    "environment": "Production",
    "severity": "major",
    "status": "open",
    "type": "new",
    "updateTime": "2026-09-01T10:00:00.000Z",
    "tags": ["namespace=storage"],
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ("firing", "error")),
        ({"status": "closed", "severity": "normal", "type": "status"}, ("resolved", None)),
        ({"status": "expired", "type": "expired"}, ("resolved", "error")),
        ({"severity": "security", "type": "severity"}, ("firing", "critical")),
    ],
)
def test_alerta_history_entries_map_to_stages_and_severities(
    changes: dict[str, str], expected: tuple[str, str | None]
) -> None:
    [record] = FORMATS["alerta"].parse({**ENTRY, **changes})
    assert isinstance(record, ImportedRecord)
    assert (record.stage, record.severity) == expected
    assert (record.alertname, record.namespace, record.target_resource) == ("DiskFull", "storage", "db-1")


@pytest.mark.parametrize(
    "changes", [{"status": "ack", "type": "status"}, {"type": "note"}, {"status": "shelved", "type": "status"}]
)
def test_alerta_acks_notes_and_shelving_are_ignored(changes: dict[str, str]) -> None:
    [parsed] = FORMATS["alerta"].parse({**ENTRY, **changes})
    assert isinstance(parsed, Ignored)


def test_a_record_of_another_shape_is_refused_with_a_reason() -> None:
    with pytest.raises(RecordRefused, match="neither an Alerta alert nor a history entry"):
        FORMATS["alerta"].parse({"hello": "world"})
    with pytest.raises(RecordRefused, match="updateTime is not a timestamp"):
        FORMATS["alerta"].parse({**ENTRY, "updateTime": "yesterday"})


def test_pages_concatenated_in_one_stream_are_read_in_turn() -> None:
    page = b'{"total": 1, "history": [%s]}' % b'{"id": "x"}'
    stream = CountingReader(io.BytesIO(page + b"\n" + page))
    assert [number for number, _ in json_records(stream, FORMATS["alerta"].item_paths)] == [1, 2]


def test_a_document_without_records_and_broken_json_stop_the_import() -> None:
    with pytest.raises(InvalidInput, match="no records found"):
        list(json_records(CountingReader(io.BytesIO(b'{"status": "ok"}')), FORMATS["opsgenie"].item_paths))
    with pytest.raises(InvalidInput, match="invalid JSON after record 1"):
        list(json_records(CountingReader(io.BytesIO(b'{"data": [{"id": 1}, {"id": ')), ("data.item",)))


def test_jsonl_lines_are_numbered_and_a_broken_line_is_refused_alone() -> None:
    body = b'{"a": 1}\n\nnot json\n{"b": 2}'
    found = list(line_records(CountingReader(io.BytesIO(body))))
    assert [number for number, _ in found] == [1, 3, 4]
    assert isinstance(found[1][1], RecordRefused)
    assert found[2][1] == {"b": 2}
    with pytest.raises(RecordRefused, match="not an AwoooP export line"):
        FORMATS["jsonl"].parse({"b": 2})
