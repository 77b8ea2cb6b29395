"""Pure pieces of the read models: prefix ranges, dossier and coverage totals (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from awooop.dossier.schemas import (
    ChannelEventDossierCoverageSummary,
    ChannelEventDossierItem,
    ChannelEventDossierSummary,
    ChannelEventProviderCoverage,
)
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


def dossier_summary(events: Sequence[ChannelEventDossierItem]) -> ChannelEventDossierSummary:
    return ChannelEventDossierSummary(
        source_count=len(events),
        duplicate_total=sum(1 for event in events if event.is_duplicate),
        redacted_total=sum(1 for event in events if event.has_redacted_content),
        source_ref_total=sum(event.source_ref_count for event in events),
    )


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

    def provider_row(self, provider: str) -> ChannelEventProviderCoverage:
        return ChannelEventProviderCoverage(
            provider=provider,
            total=self.total,
            duplicate_total=self.duplicate,
            redacted_total=self.redacted,
            source_ref_total=self.refs,
            missing_source_refs_total=self.missing_refs,
            sentry_ref_total=self.sentry,
            signoz_ref_total=self.signoz,
            alert_ref_total=self.alert,
            latest_received_at=self.latest,
        )

    def summary(self, envelopes: int) -> ChannelEventDossierCoverageSummary:
        return ChannelEventDossierCoverageSummary(
            source_count=self.total,
            source_envelope_total=envelopes,
            missing_source_envelope_total=self.total - envelopes,
            with_source_refs_total=self.total - self.missing_refs,
            missing_source_refs_total=self.missing_refs,
            duplicate_total=self.duplicate,
            redacted_total=self.redacted,
            source_ref_total=self.refs,
            sentry_ref_total=self.sentry,
            signoz_ref_total=self.signoz,
            alert_ref_total=self.alert,
            latest_received_at=self.latest,
        )


def coverage(
    rows: Iterable[Mapping[str, Any]],
) -> tuple[ChannelEventDossierCoverageSummary, list[ChannelEventProviderCoverage]]:
    """(summary, per-provider rows sorted by provider) over the sampled events."""
    overall = _Totals()
    envelopes = 0
    by_provider: dict[str, _Totals] = {}
    for row in rows:
        overall.add(row)
        envelopes += bool(row["has_source_envelope"])
        by_provider.setdefault(row["provider"] or UNKNOWN_PROVIDER, _Totals()).add(row)
    return overall.summary(envelopes), [totals.provider_row(name) for name, totals in sorted(by_provider.items())]
