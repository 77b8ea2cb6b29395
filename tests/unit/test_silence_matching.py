"""Silence matchers and recurring windows, table-driven (Alertmanager semantics)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from awooop.silences.compiled import CompiledSilence, SilenceIndex, state_at
from awooop.silences.intervals import IntervalError, parse_interval, parse_schedule
from awooop.silences.matchers import Matcher, MatcherError, matchable_labels, matches_all, parse_matcher_text

LABELS = {"alertname": "HighLatency", "team": "payments", "env": "prod-eu", "severity": "page"}


@pytest.mark.parametrize(
    ("matcher", "expected"),
    [
        (Matcher.build("alertname", "HighLatency"), True),
        (Matcher.build("alertname", "highlatency"), False),  # case-sensitive
        (Matcher.build("alertname", "HighLatency", is_equal=False), False),
        (Matcher.build("team", "pay"), False),
        (Matcher.build("env", "prod-.*", is_regex=True), True),
        (Matcher.build("env", "prod", is_regex=True), False),  # anchored: no substring match
        (Matcher.build("env", "eu", is_regex=True), False),
        (Matcher.build("env", ".*-eu", is_regex=True), True),
        (Matcher.build("env", "prod-eu|dev", is_regex=True), True),  # alternation inside the anchors
        (Matcher.build("env", "dev|prod", is_regex=True), False),
        (Matcher.build("env", "dev.*", is_regex=True, is_equal=False), True),
        (Matcher.build("env", "prod.*", is_regex=True, is_equal=False), False),
        (Matcher.build("missing", ""), True),  # an absent label is ""
        (Matcher.build("missing", "", is_equal=False), False),
        (Matcher.build("team", "", is_equal=False), True),
        (Matcher.build("missing", ".*", is_regex=True), True),
        (Matcher.build("missing", ".+", is_regex=True), False),
    ],
    ids=str,
)
def test_one_matcher(matcher: Matcher, expected: bool) -> None:
    assert matcher.matches(LABELS) is expected


def test_every_matcher_must_match_and_an_empty_list_matches_only_with_match_all() -> None:
    both = [Matcher.build("alertname", "HighLatency"), Matcher.build("team", "payments")]
    assert matches_all(both, LABELS)
    assert not matches_all([*both, Matcher.build("env", "staging")], LABELS)
    assert not matches_all([], LABELS)
    assert matches_all([], LABELS, match_all=True)


def test_an_invalid_regex_is_refused_with_its_name() -> None:
    with pytest.raises(MatcherError, match="team: invalid regular expression"):
        Matcher.build("team", "(unclosed", is_regex=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alertname=X", 'alertname="X"'),
        ('team!="a b"', 'team!="a b"'),
        ("env=~prod.*", 'env=~"prod.*"'),
        ("env!~'dev|test'", 'env!~"dev|test"'),
    ],
)
def test_matchers_as_text(text: str, expected: str) -> None:
    assert str(parse_matcher_text(text)) == expected


def test_matchable_labels_add_the_normalised_fields_without_overriding_the_senders_labels() -> None:
    labels = matchable_labels(
        {"alertname": "Disk", "severity": "page", "pod": "api-1"},
        alertname="Disk",
        severity="critical",
        namespace="storage",
        target_resource="node-7",
        provider="alertmanager",
    )
    assert labels == {
        "alertname": "Disk",
        "severity": "page",
        "pod": "api-1",
        "namespace": "storage",
        "target_resource": "node-7",
        "provider": "alertmanager",
    }


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("interval", "instant", "expected"),
    [
        ({"times": [{"start_time": "09:00", "end_time": "17:00"}]}, "2026-06-01T09:00:00+00:00", True),
        ({"times": [{"start_time": "09:00", "end_time": "17:00"}]}, "2026-06-01T17:00:00+00:00", False),  # end excl.
        ({"times": [{"start_time": "22:00", "end_time": "24:00"}]}, "2026-06-01T23:59:00+00:00", True),
        ({"weekdays": ["monday:friday"]}, "2026-06-05T12:00:00+00:00", True),  # a Friday
        ({"weekdays": ["monday:friday"]}, "2026-06-06T12:00:00+00:00", False),  # a Saturday
        ({"weekdays": ["Saturday", "sunday"]}, "2026-06-07T12:00:00+00:00", True),
        ({"days_of_month": ["1:5"]}, "2026-06-05T12:00:00+00:00", True),
        ({"days_of_month": ["-1"]}, "2026-02-28T12:00:00+00:00", True),  # last day of February
        ({"days_of_month": ["-1"]}, "2026-03-30T12:00:00+00:00", False),
        ({"days_of_month": ["-3:-1"]}, "2026-04-28T01:00:00+00:00", True),  # 28..30 of April
        ({"days_of_month": ["31"]}, "2026-04-30T01:00:00+00:00", False),  # April has no 31st
        ({"months": ["january:march"]}, "2026-03-31T12:00:00+00:00", True),
        ({"months": ["12"]}, "2026-11-30T12:00:00+00:00", False),
        ({"years": ["2026:2027"]}, "2027-12-31T23:59:00+00:00", True),
        ({"years": ["2026"]}, "2028-01-01T00:00:00+00:00", False),
        (
            {
                "weekdays": ["saturday"],
                "times": [{"start_time": "01:00", "end_time": "02:00"}],
                "location": "Asia/Taipei",
            },
            "2026-06-05T17:30:00+00:00",  # Saturday 01:30 in Taipei, still Friday in UTC
            True,
        ),
    ],
)
def test_time_interval_fields(interval: dict[str, object], instant: str, expected: bool) -> None:
    assert parse_interval(interval).contains(_at(instant)) is expected


def test_a_weekday_window_follows_the_local_clock_across_a_daylight_saving_change() -> None:
    # 09:00-17:00 New York time on weekdays; US clocks went forward on Sunday 2026-03-08.
    schedule = parse_schedule(
        [{"weekdays": ["monday:friday"], "times": [{"start_time": "09:00", "end_time": "17:00"}]}],
        "America/New_York",
    )
    assert schedule is not None
    friday, monday = "2026-03-06", "2026-03-09"
    assert not schedule.covers(_at(f"{friday}T13:30:00+00:00"))  # 08:30 EST: before the window
    assert schedule.covers(_at(f"{friday}T14:30:00+00:00"))  # 09:30 EST
    assert schedule.covers(_at(f"{monday}T13:30:00+00:00"))  # 09:30 EDT: the same UTC hour now inside
    assert not schedule.covers(_at(f"{monday}T21:30:00+00:00"))  # 17:30 EDT
    assert schedule.covers(_at(f"{friday}T21:30:00+00:00"))  # 16:30 EST


@pytest.mark.parametrize(
    ("interval", "message"),
    [
        ({"times": [{"start_time": "17:00", "end_time": "09:00"}]}, "must end after it starts"),
        ({"times": [{"start_time": "24:00", "end_time": "24:00"}]}, "out of range"),
        ({"weekdays": ["funday"]}, "not a weekday"),
        ({"weekdays": ["friday:monday"]}, "ends before it starts"),
        ({"days_of_month": ["0"]}, "out of range"),
        ({"days_of_month": ["-3:5"]}, "mixes"),
        ({"months": ["smarch"]}, "not a month"),
        ({"location": "Mars/Olympus"}, "unknown time zone"),
        ({"hours": ["1"]}, "unknown time interval field"),
    ],
)
def test_invalid_intervals_are_refused(interval: dict[str, object], message: str) -> None:
    with pytest.raises(IntervalError, match=message):
        parse_interval(interval)


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _silence(n: int, matchers: list[dict[str, object]], *, start: int = -60, end: int = 60) -> CompiledSilence:
    return CompiledSilence.build(
        silence_id=uuid.UUID(int=n),
        matchers=matchers,
        match_all=False,
        starts_at=NOW + timedelta(minutes=start),
        ends_at=NOW + timedelta(minutes=end),
        time_intervals=None,
        time_zone=None,
    )


def test_state_follows_the_times() -> None:
    assert state_at(NOW, NOW + timedelta(hours=1), NOW - timedelta(seconds=1)) == "pending"
    assert state_at(NOW, NOW + timedelta(hours=1), NOW) == "active"
    assert state_at(NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=1)) == "expired"


def test_the_index_finds_the_oldest_covering_silence_by_equality_and_by_scan() -> None:
    index = SilenceIndex(
        [
            _silence(5, [{"name": "alertname", "value": "HighLatency"}, {"name": "team", "value": "payments"}]),
            _silence(3, [{"name": "env", "value": "prod-.*", "isRegex": True}]),
            _silence(1, [{"name": "alertname", "value": "HighLatency"}], start=10),  # not started yet
            _silence(2, [{"name": "alertname", "value": "Other"}]),
        ]
    )
    assert len(index) == 4
    found = index.covering(LABELS, NOW)
    assert found is not None
    assert found.id == uuid.UUID(int=3)
    later = index.covering(LABELS, NOW + timedelta(minutes=15))
    assert later is not None
    assert later.id == uuid.UUID(int=1)
    assert index.covering({"alertname": "Quiet", "env": "dev"}, NOW) is None
    assert index.covering(LABELS, NOW + timedelta(hours=2)) is None  # all ended
