"""The import job converts in a thread for small inputs and in processes for large ones (each
converting every n-th record): all store the same events, refuse the same records and stop the
same way on a broken file."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from awooop.core.db import Database, create_engine
from awooop.imports.encode import COLUMNS, SqliteEncoder, sqlite_dialect
from awooop.imports.formats import FORMATS
from awooop.imports.job import Progress, Source, run_import
from awooop.imports.reader import CountingReader, InvalidInput
from awooop.imports.service import ImportSummary
from tests.factories import Factory
from tests.imports.helpers import LEGACY, events

# Columns that differ between two imports of one file by design: fresh ids.
_FRESH = {"id", "project_id"}


async def _import(
    db: Database,
    project: str,
    name: str,
    *,
    in_process: bool,
    batch_size: int = 3,
    converters: int = 1,
    progress: Progress | None = None,
) -> ImportSummary:
    path = LEGACY / name if "/" not in name else Path(name)
    fmt = FORMATS["opsgenie" if "opsgenie" in path.name else "alerta"]
    with path.open("rb") as raw:
        source = Source(path.name, CountingReader(raw), path.stat().st_size)
        return await run_import(
            db,
            project_id=project,
            fmt=fmt,
            sources=[source],
            batch_size=batch_size,
            in_process=in_process,
            converters=converters,
            progress=progress,
        )


async def _stored(db: Database, project: str) -> list[dict[str, Any]]:
    rows = [
        {c: getattr(e, c) for c in e.__table__.columns.keys() if c not in _FRESH}  # noqa: SIM118 - a Table's columns
        for e in await events(db, project)
    ]
    return sorted(rows, key=lambda row: row["origin_id"])


@pytest.mark.parametrize(
    ("name", "converters"),
    [
        ("alerta_alerts_history.json", 1),
        ("alerta_alerts_history.json", 2),
        ("alerta_alerts.json", 1),
        ("opsgenie_list_alerts.json", 3),
    ],
)
async def test_the_converting_processes_store_what_the_thread_stores(
    clean_db: Database, factory: Factory, name: str, converters: int
) -> None:
    await factory.project("by-thread")
    await factory.project("by-process")
    in_thread = await _import(clean_db, "by-thread", name, in_process=True)
    by_process = await _import(clean_db, "by-process", name, in_process=False, converters=converters)

    assert by_process == in_thread
    assert by_process.imported > 0
    assert await _stored(clean_db, "by-process") == await _stored(clean_db, "by-thread")
    again = await _import(clean_db, "by-process", name, in_process=False, converters=converters)
    assert (again.imported, again.skipped) == (0, by_process.imported)


async def test_converters_sharing_a_file_count_and_list_its_refusals_in_file_order(
    clean_db: Database, factory: Factory, tmp_path: Path
) -> None:
    answer = orjson.loads((LEGACY / "alerta_alerts_history.json").read_bytes())
    good = answer["history"]
    # Refused records at positions that fall to different converters (even and odd numbers).
    answer["history"] = [good[0], 42, good[1], {"id": "x"}, *good[2:5], "text", *good[5:], [1]]
    mixed = tmp_path / "mixed_history.json"
    mixed.write_bytes(orjson.dumps(answer))
    await factory.project("by-thread")
    await factory.project("by-process")

    in_thread = await _import(clean_db, "by-thread", str(mixed), in_process=True)
    by_process = await _import(clean_db, "by-process", str(mixed), in_process=False, converters=2)

    assert [r.number for r in in_thread.refusals] == [2, 4, 8, len(answer["history"])]
    assert by_process == in_thread
    assert (by_process.read, by_process.refused, by_process.imported) == (len(answer["history"]), 4, len(good))


@pytest.mark.parametrize("converters", [1, 2])
async def test_a_broken_file_stops_the_converting_processes_after_their_committed_batches(
    clean_db: Database, factory: Factory, tmp_path: Path, converters: int
) -> None:
    await factory.project("acme")
    whole = (LEGACY / "alerta_alerts_history.json").read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(whole[: len(whole) * 2 // 3])

    with pytest.raises(InvalidInput, match="invalid JSON"):
        await _import(clean_db, "acme", str(cut), in_process=False, batch_size=1, converters=converters)
    kept = await events(clean_db, "acme")
    assert 0 < len(kept) < 10
    rerun = await _import(clean_db, "acme", "alerta_alerts_history.json", in_process=False, converters=converters)
    assert (rerun.imported, rerun.skipped) == (10 - len(kept), len(kept))


async def test_the_converting_process_encodes_for_sqlite_as_the_application_engine_does(tmp_path: Path) -> None:
    # The application's own SQLite engine (its dialect, bind processors and JSON serialiser), on
    # either test backend: creating it opens no connection.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'encode.db'}")
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        id=uuid.UUID(int=7),
        labels={"b": "2", "a": "1"},
        source_refs={},
        received_at=datetime(2026, 1, 1, 12, 30, 1, 5, tzinfo=UTC),
        has_source_envelope=False,
    )
    try:
        assert SqliteEncoder(sqlite_dialect())([row]) == SqliteEncoder(engine.dialect)([row])
    finally:
        await engine.dispose()


async def test_a_batch_with_one_stored_record_in_between_imports_all_the_others(
    clean_db: Database, factory: Factory, tmp_path: Path
) -> None:
    # PostgreSQL COPYs a batch whose first and last records are new straight into channel_events;
    # a stored record in between fails that COPY, and the batch must still import all the others.
    answer = orjson.loads((LEGACY / "alerta_alerts_history.json").read_bytes())
    middle = tmp_path / "middle.json"
    middle.write_bytes(orjson.dumps({**answer, "history": [answer["history"][4]]}))
    await factory.project("acme")
    assert (await _import(clean_db, "acme", str(middle), in_process=True, batch_size=100)).imported == 1

    whole = await _import(clean_db, "acme", "alerta_alerts_history.json", in_process=True, batch_size=100)

    assert (whole.imported, whole.skipped) == (len(answer["history"]) - 1, 1)
    assert len({e.origin_id for e in await events(clean_db, "acme")}) == len(answer["history"])


async def test_the_progress_of_two_converters_only_moves_forward_and_ends_at_the_file_size(
    clean_db: Database, factory: Factory
) -> None:
    await factory.project("acme")
    seen: list[tuple[int, int, int | None]] = []

    def progress(summary: ImportSummary, position: int, total: int | None) -> None:
        seen.append((summary.read, position, total))

    summary = await _import(
        clean_db, "acme", "alerta_alerts_history.json", in_process=False, batch_size=2, converters=2, progress=progress
    )

    size = (LEGACY / "alerta_alerts_history.json").stat().st_size
    assert len(seen) > 2
    assert [read for read, _, _ in seen] == sorted(read for read, _, _ in seen)
    assert [position for _, position, _ in seen] == sorted(position for _, position, _ in seen)
    assert seen[-1] == (summary.read, size, size)
