"""`awooop redact` (placeholder until the redaction module lands)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the redact command."""
