"""Redaction of secrets and personal data (placeholder API; real rules land in this package)."""

from __future__ import annotations

from typing import Any

REDACTION_VERSION = "r0"


def redact_text(text: str) -> tuple[str, int]:
    """Return ``text`` with secrets replaced by ``[REDACTED:<kind>]`` and the replacement count."""
    return text, 0


def redact_json(value: Any) -> tuple[Any, int]:
    """Redact every string in a JSON-like value (dicts, lists, scalars); keys name secrets too."""
    return value, 0
