"""AwoooP: self-hosted alert intake and recurrence triage."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("awooop")
except metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
