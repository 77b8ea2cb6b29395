"""Output for people and for scripts, shared by every command group.

People get aligned tables with a header row (``table``) and YAML for documents (``yaml_doc``);
scripts pass ``--json`` (``JsonFlag``) and get one JSON document on stdout (``json_doc``).
Timestamps are ISO 8601 UTC in both."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
import yaml

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of a table.")]
Column = tuple[str, str]  # (key in each row, header shown to people)
GAP = "  "


def plain(value: Any) -> Any:
    """JSON- and YAML-friendly values: datetimes as ISO 8601 UTC, tuples and sets as lists."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None or value in ("", []):
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> str:
    """Left-aligned columns under an upper-case header; empty values print as ``-``."""
    cells = [[header.upper() for _, header in columns]]
    cells += [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = [GAP.join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() for line in cells]
    return "\n".join(lines)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *, empty: str) -> None:
    """Print ``rows`` as a table, or the ``empty`` sentence when there are none."""
    typer.echo(render_table(rows, columns) if rows else empty)


def json_doc(data: Any) -> None:
    typer.echo(json.dumps(plain(data), ensure_ascii=False, indent=2))


def yaml_doc(data: Any) -> None:
    """Block-style YAML in the key order given, with non-ASCII text kept readable."""
    typer.echo(yaml.safe_dump(plain(data), sort_keys=False, allow_unicode=True, default_flow_style=False).rstrip())


def rows_or_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *, as_json: bool, empty: str) -> None:
    """The usual list command ending: a JSON array for scripts, a table for people."""
    if as_json:
        json_doc(list(rows))
    else:
        table(rows, columns, empty=empty)
