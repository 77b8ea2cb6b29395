"""Overview: provider freshness tiles, dossier coverage and the 24 h event rate (pure view building)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from awooop.console.views.charts import BarChart, bar_chart
from awooop.console.views.common import as_datetime
from awooop.dossier.schemas import (
    ChannelEventDossierCoverageResponse,
    ChannelEventDossierCoverageSummary,
    ChannelEventProviderCoverage,
    ProviderFreshnessItem,
    ProviderFreshnessResponse,
)
from awooop.hub.rejections_read import RecentRejections

STATUS_CLASS = {"fresh": "ok", "stale": "warn", "never": "neutral"}
# Problems first: a stale source is what the on-call engineer opened the page for.
STATUS_ORDER = {"stale": 0, "fresh": 1, "never": 2}


@dataclass(frozen=True, slots=True)
class RateRange:
    """One choice of the event-rate chart: the window, its buckets and the axis labelling."""

    code: str
    hours: int
    bucket_minutes: int
    tick_every: int
    tick_format: str


# 24 h in hours (a tick every 3 h); a week in 4 h buckets, aligned to UTC midnight (a tick a day).
RATE_RANGES: dict[str, RateRange] = {
    "24h": RateRange("24h", 24, 60, 3, "%H:%M"),
    "7d": RateRange("7d", 168, 240, 6, "%a %m-%d"),
}
DEFAULT_RATE_RANGE = "24h"


def rate_range(code: str | None) -> RateRange:
    """The chart range for ``?rate=``; anything unknown falls back to 24 h."""
    return RATE_RANGES.get(code or "", RATE_RANGES[DEFAULT_RATE_RANGE])


@dataclass(frozen=True, slots=True)
class ProviderTile:
    project_id: str
    provider: str
    channel_type: str
    status: str
    pipeline_status: str
    last_event_at: Any
    last_event_age_seconds: float | None
    last_heartbeat_at: Any
    last_heartbeat_age_seconds: float | None
    can_heartbeat: bool
    refused: RecentRejections | None = None  # deliveries refused in the last hour

    @property
    def heard_of(self) -> bool:
        """Anything at all: an event, a heartbeat, or a refused delivery (a wrong token must show)."""
        return self.status != "never" or self.pipeline_status != "never" or self.refused is not None

    @property
    def status_class(self) -> str:
        return STATUS_CLASS.get(self.status, "neutral")

    @property
    def pipeline_class(self) -> str:
        return STATUS_CLASS.get(self.pipeline_status, "neutral")

    @property
    def dom_id(self) -> str:
        return f"tile-{self.project_id}-{self.provider}"


@dataclass(frozen=True, slots=True)
class ProjectTiles:
    project_id: str
    active: list[ProviderTile]
    quiet: list[ProviderTile]  # never heard of at all: shown compactly, not as full tiles


@dataclass(frozen=True, slots=True)
class RateRow:
    provider: str
    total: int
    chart: BarChart


@dataclass(frozen=True, slots=True)
class CoverageRow:
    provider: str
    total: int
    with_refs: int
    with_refs_pct: int
    redacted_total: int
    duplicate_total: int
    sentry_ref_total: int
    signoz_ref_total: int
    alert_ref_total: int
    latest_received_at: Any


@dataclass(frozen=True, slots=True)
class OverviewView:
    limit_seconds: int
    checked_at: Any
    fresh_total: int
    stale_total: int
    never_total: int
    projects: list[ProjectTiles]
    coverage_summary: ChannelEventDossierCoverageSummary
    coverage_rows: list[CoverageRow]
    envelope_pct: int | None
    refs_pct: int | None
    rate_rows: list[RateRow]
    rate_total: int
    rate_max: int
    rate_since: Any
    rate_until: Any
    empty: bool
    tile_count: int = field(default=0)
    rate_range: RateRange = field(default=RATE_RANGES[DEFAULT_RATE_RANGE])


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def build_tiles(
    items: Sequence[ProviderFreshnessItem], refused: Mapping[tuple[str, str], RecentRejections] | None = None
) -> list[ProjectTiles]:
    refusals = refused or {}
    by_project: dict[str, list[ProviderTile]] = {}
    for item in items:
        tile = ProviderTile(
            project_id=item.project_id,
            provider=item.provider,
            channel_type=item.channel_type,
            status=item.status,
            pipeline_status=item.pipeline_status,
            last_event_at=item.last_event_at,
            last_event_age_seconds=item.last_event_age_seconds,
            last_heartbeat_at=item.last_heartbeat_at,
            last_heartbeat_age_seconds=item.last_heartbeat_age_seconds,
            can_heartbeat=item.channel_type == "alert",
            refused=refusals.get((item.project_id, item.provider)),
        )
        by_project.setdefault(tile.project_id, []).append(tile)
    result = []
    for project_id in sorted(by_project):
        tiles = sorted(by_project[project_id], key=lambda t: (STATUS_ORDER.get(t.status, 3), t.provider))
        active = [t for t in tiles if t.heard_of]
        quiet = [t for t in tiles if not t.heard_of]
        result.append(ProjectTiles(project_id, active, quiet))
    return result


def build_coverage_rows(providers: Sequence[ChannelEventProviderCoverage]) -> list[CoverageRow]:
    rows = []
    for p in providers:
        with_refs = p.total - p.missing_source_refs_total
        rows.append(
            CoverageRow(
                provider=p.provider,
                total=p.total,
                with_refs=with_refs,
                with_refs_pct=percent(with_refs, p.total) or 0,
                redacted_total=p.redacted_total,
                duplicate_total=p.duplicate_total,
                sentry_ref_total=p.sentry_ref_total,
                signoz_ref_total=p.signoz_ref_total,
                alert_ref_total=p.alert_ref_total,
                latest_received_at=p.latest_received_at,
            )
        )
    return sorted(rows, key=lambda r: (-r.total, r.provider))


def build_rate_rows(rate: Mapping[str, Any], chosen: RateRange | None = None) -> tuple[list[RateRow], int]:
    """One chart per provider on a shared scale, so a quiet provider looks quiet next to a loud one."""
    chosen = chosen or rate_range(None)
    starts = [moment for moment in (as_datetime(b) for b in rate.get("buckets", [])) if moment is not None]
    providers = list(rate.get("providers", []))
    shared_max = max((max(p["counts"], default=0) for p in providers), default=0)
    rows = [
        RateRow(
            provider=str(p["provider"]),
            total=int(p.get("total", sum(p["counts"]))),
            chart=bar_chart(
                p["counts"],
                starts,
                width=1000,
                height=58,
                tick_every=chosen.tick_every,
                tick_format=chosen.tick_format,
                scale_max=shared_max,
            ),
        )
        for p in providers
    ]
    rows.sort(key=lambda r: (-r.total, r.provider))
    return rows, rows[0].chart.max_count if rows else 0


def build_overview(
    freshness: ProviderFreshnessResponse,
    coverage: ChannelEventDossierCoverageResponse,
    rate: Mapping[str, Any],
    chosen: RateRange | None = None,
    refused: Mapping[tuple[str, str], RecentRejections] | None = None,
) -> OverviewView:
    summary = freshness.summary
    cov = coverage.summary
    source_count = cov.source_count
    chosen = chosen or rate_range(None)
    rate_rows, rate_max = build_rate_rows(rate, chosen)
    projects = build_tiles(freshness.items, refused)
    ever_heard = any(t.heard_of for p in projects for t in p.active)
    return OverviewView(
        limit_seconds=freshness.limit_seconds,
        checked_at=freshness.checked_at,
        fresh_total=summary.fresh_total,
        stale_total=summary.stale_total,
        never_total=summary.never_total,
        projects=projects,
        coverage_summary=cov,
        coverage_rows=build_coverage_rows(coverage.providers),
        envelope_pct=percent(cov.source_envelope_total, source_count),
        refs_pct=percent(cov.with_source_refs_total, source_count),
        rate_rows=rate_rows,
        rate_total=int(rate.get("total", 0)),
        rate_max=rate_max,
        rate_since=rate.get("since"),
        rate_until=rate.get("until"),
        empty=not ever_heard and source_count == 0,
        tile_count=sum(len(p.active) + len(p.quiet) for p in projects),
        rate_range=chosen,
    )
