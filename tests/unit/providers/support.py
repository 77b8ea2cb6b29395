"""Loading the provider samples (``tests/fixtures/providers`` in this repository).

The samples are exact request bodies; a missing directory is an error, never a skip.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURES_ENV = "AWOOOP_PROVIDER_FIXTURES"
CASES_DIR = Path(__file__).resolve().parent / "cases"


class MissingSamplesError(FileNotFoundError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"provider samples not found at {path}; set {FIXTURES_ENV} to their directory")


def fixtures_dir() -> Path:
    override = os.environ.get(FIXTURES_ENV)
    path = Path(override) if override else REPO_ROOT / "tests" / "fixtures" / "providers"
    if not path.is_dir():
        raise MissingSamplesError(path)
    return path


@dataclass(frozen=True)
class Sample:
    name: str
    provider: str
    raw: bytes
    body: Any
    headers: dict[str, str]


def sample_names() -> list[str]:
    return sorted(p.stem for p in fixtures_dir().glob("*.json") if not p.name.endswith(".headers.json"))


def load_sample(name: str) -> Sample:
    directory = fixtures_dir()
    provider = name.split("_", 1)[0]
    headers_file = directory / f"{name}.headers.json"
    if not headers_file.exists():
        headers_file = directory / f"{provider}.headers.json"
    headers = orjson.loads(headers_file.read_bytes())["headers"]
    raw = (directory / f"{name}.json").read_bytes()
    # The hub hands parsers orjson-parsed bodies and lower-cased header names (as Starlette does).
    return Sample(name, provider, raw, orjson.loads(raw), {k.lower(): v for k, v in headers.items()})
