"""Pure parsers, one per legacy format: a decoded JSON record → what it becomes (no I/O).

Each format names the JSON paths its records sit at (``ITEM_PATHS``: the answer's array of
records, e.g. ``alerts.item``) and a ``parse(record)`` returning a list of ``Parsed``; a record
that does not fit raises ``RecordRefused``. See docs/import.md for every mapping decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from awooop.imports.formats import alerta, jsonl, oncall, opsgenie
from awooop.imports.records import Parsed


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    # Where records sit inside one JSON document; "item" is a top-level array of records.
    item_paths: tuple[str, ...]
    parse: Callable[[Any], list[Parsed]]
    line_oriented: bool = False


FORMATS: dict[str, Format] = {
    "alerta": Format("alerta", alerta.ITEM_PATHS, alerta.parse),
    "opsgenie": Format("opsgenie", opsgenie.ITEM_PATHS, opsgenie.parse),
    "oncall": Format("oncall", oncall.ITEM_PATHS, oncall.parse),
    "jsonl": Format("jsonl", (), jsonl.parse, line_oriented=True),
}

__all__ = ["FORMATS", "Format"]
