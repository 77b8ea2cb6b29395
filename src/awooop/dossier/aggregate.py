"""Pure pieces of the read models: prefix ranges, dossier and coverage totals (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from awooop.errors import BadRequest

# Kinds of source refs the envelope groups links under (SPEC §3).
REF_KINDS: tuple[str, ...] = ("sentry", "signoz", "alert")
# Events stored without a provider (imported legacy rows) are reported under this name.
UNKNOWN_PROVIDER = "unknown"
_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


def prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """``[low, high)`` holding exactly the strings that start with ``prefix`` (code-point order,
    which is the byte order of UTF-8). ``high`` is None when no string is above the range."""
    if "\x00" in prefix:
        raise BadRequest("provider_prefix must not contain NUL characters")
    stem = prefix.rstrip(chr(_MAX_CODE_POINT))
    if not stem:
        return prefix, None
    successor = ord(stem[-1]) + 1
    if successor in _SURROGATES:  # not encodable; nothing sorts between U+D7FF and U+E000
        successor = _SURROGATES.stop
    return prefix, stem[:-1] + chr(successor)


def dossier_summary(events: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    rows = list(events)
    return {
        "source_count": len(rows),
        "duplicate_total": sum(1 for row in rows if row["is_duplicate"]),
        "redacted_total": sum(1 for row in rows if row["has_redacted_content"]),
        "source_ref_total": sum(int(row["source_ref_count"] or 0) for row in rows),
    }


def _has_refs(source_refs: Any, kind: str) -> bool:
    return isinstance(source_refs, Mapping) and bool(source_refs.get(kind))


class _Totals:
    """Counters shared by the per-provider rows and the overall summary."""

    __slots__ = ("alert", "duplicate", "latest", "missing_refs", "redacted", "refs", "sentry", "signoz", "total")

    def __init__(self) -> None:
        self.total = self.duplicate = self.redacted = self.refs = self.missing_refs = 0
        self.sentry = self.signoz = self.alert = 0
        self.latest: datetime | None = None

    def add(self, row: Mapping[str, Any]) -> None:
        self.total += 1
        self.duplicate += bool(row["is_duplicate"])
        self.redacted += bool(row["has_redacted_content"])
        count = int(row["source_ref_count"] or 0)
        self.refs += count
        self.missing_refs += count == 0
        refs = row["source_refs"]
        self.sentry += _has_refs(refs, "sentry")
        self.signoz += _has_refs(refs, "signoz")
        self.alert += _has_refs(refs, "alert")
        received_at: datetime = row["received_at"]
        if self.latest is None or received_at > self.latest:
            self.latest = received_at

    def as_dict(self) -> dict[str, Any]:
        return {
            "duplicate_total": self.duplicate,
            "redacted_total": self.redacted,
            "source_ref_total": self.refs,
            "missing_source_refs_total": self.missing_refs,
            "sentry_ref_total": self.sentry,
            "signoz_ref_total": self.signoz,
            "alert_ref_total": self.alert,
            "latest_received_at": self.latest,
        }


def coverage(rows: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(summary, per-provider rows sorted by provider) over the sampled events."""
    overall = _Totals()
    envelopes = 0
    by_provider: dict[str, _Totals] = {}
    for row in rows:
        overall.add(row)
        envelopes += bool(row["has_source_envelope"])
        by_provider.setdefault(row["provider"] or UNKNOWN_PROVIDER, _Totals()).add(row)
    summary = {
        "source_count": overall.total,
        "source_envelope_total": envelopes,
        "missing_source_envelope_total": overall.total - envelopes,
        "with_source_refs_total": overall.total - overall.missing_refs,
        **overall.as_dict(),
    }
    providers = [
        {"provider": name, "total": totals.total, **totals.as_dict()} for name, totals in sorted(by_provider.items())
    ]
    return summary, providers
