"""Recurring mute windows with Alertmanager ``time_interval`` semantics (pure).

An interval is a dict with any of ``times`` ([{start_time, end_time}] as ``HH:MM``, start
inclusive, end exclusive, ``24:00`` allowed as an end), ``weekdays`` (``monday`` … ``sunday`` or
ranges ``monday:friday``), ``days_of_month`` (1…31 or -31…-1 counted from the month's end, ranges
``1:5``, ``-3:-1``), ``months`` (names or 1…12, ranges), ``years`` (ranges ``2026:2027``) and
``location`` (an IANA time zone; default: the silence's time zone, else UTC). A field left out
matches everything; an instant is inside the interval when every given field matches its local
wall-clock time in that location, so windows follow daylight-saving changes. A schedule (a list
of intervals) covers an instant when any of its intervals does.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = {
    name: index
    for index, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
FIELDS = frozenset({"times", "weekdays", "days_of_month", "months", "years", "location"})


class IntervalError(ValueError):
    """A schedule that cannot be used (the API answers 422 with this text)."""


@dataclass(frozen=True, slots=True)
class TimeInterval:
    times: tuple[tuple[int, int], ...] | None = None  # minutes of the day, [start, end)
    weekdays: tuple[tuple[int, int], ...] | None = None  # Monday = 0, inclusive ranges
    days_of_month: tuple[tuple[int, int], ...] | None = None
    months: tuple[tuple[int, int], ...] | None = None
    years: tuple[tuple[int, int], ...] | None = None
    location: tzinfo | None = None

    def contains(self, instant: datetime, default_zone: tzinfo = UTC) -> bool:
        local = instant.astimezone(self.location or default_zone)
        if self.times is not None:
            minute = local.hour * 60 + local.minute
            if not any(start <= minute < end for start, end in self.times):
                return False
        if self.days_of_month is not None and not _in_days_of_month(local, self.days_of_month):
            return False
        if self.months is not None and not _in_ranges(local.month, self.months):
            return False
        if self.weekdays is not None and not _in_ranges(local.weekday(), self.weekdays):
            return False
        return self.years is None or _in_ranges(local.year, self.years)


def _in_ranges(value: int, ranges: Sequence[tuple[int, int]]) -> bool:
    return any(start <= value <= end for start, end in ranges)


def _in_days_of_month(local: datetime, ranges: Sequence[tuple[int, int]]) -> bool:
    days = calendar.monthrange(local.year, local.month)[1]
    for begin, end in ranges:
        first = days + begin + 1 if begin < 0 else begin
        last = days + end + 1 if end < 0 else end
        if first > days:  # e.g. 31 in a 30-day month: this range does not occur this month
            continue
        if max(first, 1) <= local.day <= min(last, days):
            return True
    return False


def zone(name: str | None) -> tzinfo:
    if name is None or name in ("", "UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise IntervalError(f"unknown time zone {name!r}") from exc


def _range(text: str, parse: Any) -> tuple[int, int]:
    start, sep, end = str(text).strip().partition(":")
    low = parse(start)
    high = parse(end) if sep else low
    return low, high


def _weekday(text: str) -> int:
    try:
        return WEEKDAYS[text.strip().lower()]
    except KeyError:
        raise IntervalError(f"{text!r} is not a weekday") from None


def _month(text: str) -> int:
    value = text.strip().lower()
    if value in MONTHS:
        return MONTHS[value]
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    raise IntervalError(f"{text!r} is not a month")


def _int(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise IntervalError(f"{text!r} is not a {what}") from None
    if not low <= value <= high or (value == 0 and what == "day of month"):
        raise IntervalError(f"{what} {value} is out of range")
    return value


def _ordered(ranges: list[tuple[int, int]], what: str) -> tuple[tuple[int, int], ...]:
    for low, high in ranges:
        if low > high:
            raise IntervalError(f"{what} range {low}:{high} ends before it starts")
    return tuple(ranges)


def _clock(text: str, *, end: bool) -> int:
    hours, sep, minutes = str(text).strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise IntervalError(f"time {text!r} must be HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60 or (value == 24 * 60 and not end):
        raise IntervalError(f"time {text!r} is out of range (00:00-24:00)")
    return value


def _list(raw: Mapping[str, Any], key: str) -> list[Any] | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise IntervalError(f"{key} must be a non-empty list")
    return value


def _days(text: str) -> tuple[int, int]:
    low, high = _range(text, lambda v: _int(v, -31, 31, "day of month"))
    if (low < 0) != (high < 0):
        raise IntervalError(f"days_of_month range {text!r} mixes counting from the start and from the end")
    if low > high:
        raise IntervalError(f"days_of_month range {text!r} ends before it starts")
    return low, high


def parse_interval(raw: Mapping[str, Any]) -> TimeInterval:
    unknown = set(raw) - FIELDS
    if unknown:
        raise IntervalError(f"unknown time interval field(s): {', '.join(sorted(unknown))}")
    times = _list(raw, "times")
    parsed_times = None
    if times is not None:
        parsed_times = []
        for item in times:
            if not isinstance(item, Mapping) or "start_time" not in item or "end_time" not in item:
                raise IntervalError("times entries need start_time and end_time")
            start, stop = _clock(item["start_time"], end=False), _clock(item["end_time"], end=True)
            if start >= stop:
                raise IntervalError(f"time range {item['start_time']}-{item['end_time']} must end after it starts")
            parsed_times.append((start, stop))
    weekdays, days, months, years = (_list(raw, k) for k in ("weekdays", "days_of_month", "months", "years"))
    location = raw.get("location")
    return TimeInterval(
        times=tuple(parsed_times) if parsed_times is not None else None,
        weekdays=None if weekdays is None else _ordered([_range(w, _weekday) for w in weekdays], "weekday"),
        days_of_month=None if days is None else tuple(_days(str(d)) for d in days),
        months=None if months is None else _ordered([_range(str(m), _month) for m in months], "month"),
        years=None
        if years is None
        else _ordered([_range(str(y), lambda v: _int(v, 1, 9999, "year")) for y in years], "year"),
        location=None if location is None else zone(str(location)),
    )


@dataclass(frozen=True, slots=True)
class Schedule:
    intervals: tuple[TimeInterval, ...]
    zone: tzinfo = UTC

    def covers(self, instant: datetime) -> bool:
        return any(interval.contains(instant, self.zone) for interval in self.intervals)


def parse_schedule(raw: Sequence[Mapping[str, Any]] | None, time_zone: str | None) -> Schedule | None:
    """None when there is no recurring schedule (the silence mutes all the time between its times)."""
    default = zone(time_zone)
    if raw is None:
        return None
    if not raw:
        raise IntervalError("time_intervals must hold at least one interval (or be left out)")
    return Schedule(tuple(parse_interval(item) for item in raw), default)
