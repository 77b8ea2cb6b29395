"""CLI command group (placeholder: filled in by its issue)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this group's commands to the main app."""


def load_demo_if_missing(settings: object) -> None:
    """Load the demo data set when project ``demo`` does not exist yet (placeholder)."""
