"""Small pure helpers shared by the view builders: times, ages, links, query strings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from awooop.console.i18n import Translator

SAFE_LINK_SCHEMES = frozenset({"http", "https"})


def as_datetime(value: object) -> datetime | None:
    """Services hand back datetimes; JSON-shaped results may carry ISO strings instead."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def format_timestamp(value: object) -> str:
    """Absolute time in UTC, to the second: what an operator pastes into a postmortem."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_timestamp_short(value: object) -> str:
    """Month, day and time in UTC: dense lists where the year is obvious."""
    moment = as_datetime(value)
    return moment.astimezone(UTC).strftime("%m-%d %H:%M:%S") if moment else ""


def iso(value: object) -> str:
    moment = as_datetime(value)
    return moment.astimezone(UTC).isoformat() if moment else ""


def format_duration(seconds: float | None, t: Translator) -> str:
    """A compact duration ("45s", "12m", "3h", "2d") in the page's language."""
    if seconds is None:
        return ""
    secs = max(0, int(seconds))
    if secs < 60:
        return t("unit.seconds", n=secs)
    if secs < 3600:
        return t("unit.minutes", n=secs // 60)
    if secs < 86400:
        return t("unit.hours", n=secs // 3600)
    return t("unit.days", n=secs // 86400)


def format_age(value: object, now: datetime, t: Translator) -> str:
    """ "12m ago" for a past moment; empty when there is none."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    return t("time.ago", age=format_duration((now - moment).total_seconds(), t))


def safe_href(url: object) -> str | None:
    """The URL when it is an absolute http(s) link, else None (no javascript:, data:, relative tricks)."""
    if not isinstance(url, str):
        return None
    candidate = url.strip()
    if not candidate or any(ch in candidate for ch in "\r\n\t\\"):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_LINK_SCHEMES or not parts.netloc:
        return None
    return candidate


def query_string(params: Mapping[str, Any]) -> str:
    """``?a=1&b=2`` from the non-empty values, or an empty string."""
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"?{urlencode(kept)}" if kept else ""


def safe_next(target: str | None, default: str = "/console") -> str:
    """Only same-site console paths may be redirect targets (no open redirects)."""
    if not target or not target.startswith("/console") or target.startswith("//"):
        return default
    if any(ch in target for ch in "\r\n\\"):
        return default
    return target


def short_id(value: object, length: int = 8) -> str:
    text = str(value or "")
    return text[:length]


def short_uuid(value: object, length: int = 8) -> str:
    """The random tail of a UUID: ids are time-ordered (v7), so runs created in the same minute
    share their first eight digits and a prefix would show a page of identical ids."""
    return str(value or "").replace("-", "")[-length:]
