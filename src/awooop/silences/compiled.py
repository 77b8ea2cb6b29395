"""Silences ready to evaluate (pure): state from the times, and an index that finds the silence
covering an event without trying every silence of the project."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from awooop.silences.intervals import Schedule, parse_schedule
from awooop.silences.matchers import Matcher, matches_all, parse_matchers

State = Literal["pending", "active", "expired"]
STATES: tuple[State, ...] = ("pending", "active", "expired")
# Preferred index labels: the ones operators silence on most, cheap to look up first.
INDEX_PREFERENCE = ("alertname", "namespace", "target_resource", "severity", "provider")


def state_at(starts_at: datetime, ends_at: datetime, now: datetime) -> State:
    if now >= ends_at:
        return "expired"
    if now < starts_at:
        return "pending"
    return "active"


@dataclass(frozen=True, slots=True)
class CompiledSilence:
    id: uuid.UUID
    matchers: tuple[Matcher, ...]
    match_all: bool
    starts_at: datetime
    ends_at: datetime
    schedule: Schedule | None = None

    @classmethod
    def build(
        cls,
        *,
        silence_id: uuid.UUID,
        matchers: Sequence[Mapping[str, Any]],
        match_all: bool,
        starts_at: datetime,
        ends_at: datetime,
        time_intervals: Sequence[Mapping[str, Any]] | None,
        time_zone: str | None,
    ) -> CompiledSilence:
        return cls(
            silence_id,
            parse_matchers(matchers),
            match_all,
            starts_at,
            ends_at,
            parse_schedule(time_intervals, time_zone),
        )

    def mutes_at(self, instant: datetime) -> bool:
        """Between its times and, when recurring, inside one of its windows."""
        if not self.starts_at <= instant < self.ends_at:
            return False
        return self.schedule is None or self.schedule.covers(instant)

    def matches(self, labels: Mapping[str, str]) -> bool:
        return matches_all(self.matchers, labels, match_all=self.match_all)

    def index_key(self) -> tuple[str, str] | None:
        """A positive equality matcher every covered event must satisfy, if the silence has one."""
        plain = {m.name: m.value for m in self.matchers if m.is_equal and not m.is_regex}
        for name in INDEX_PREFERENCE:
            if name in plain:
                return name, plain[name]
        return next(iter(sorted(plain.items())), None)


class SilenceIndex:
    """Silences of one project, bucketed by one equality matcher each; the rest are scanned."""

    __slots__ = ("_buckets", "_names", "_scan", "silences")

    def __init__(self, silences: Iterable[CompiledSilence]) -> None:
        self.silences = tuple(sorted(silences, key=lambda s: s.id))
        self._buckets: dict[tuple[str, str], list[CompiledSilence]] = {}
        self._scan: list[CompiledSilence] = []
        for silence in self.silences:
            key = silence.index_key()
            if key is None:
                self._scan.append(silence)
            else:
                self._buckets.setdefault(key, []).append(silence)
        self._names = tuple(sorted({name for name, _ in self._buckets}))

    def __bool__(self) -> bool:
        return bool(self.silences)

    def __len__(self) -> int:
        return len(self.silences)

    def covering(self, labels: Mapping[str, str], at: datetime) -> CompiledSilence | None:
        """The oldest silence (ids are time-ordered) that matches ``labels`` and mutes at ``at``."""
        best: CompiledSilence | None = None
        buckets = self._buckets
        for name in self._names:
            for silence in buckets.get((name, labels.get(name, "")), ()):
                if (best is None or silence.id < best.id) and silence.mutes_at(at) and silence.matches(labels):
                    best = silence
        for silence in self._scan:
            # Cheapest test first: the first matcher alone rules out nearly every scanned silence.
            if silence.matchers and not silence.matchers[0].matches(labels):
                continue
            if (best is None or silence.id < best.id) and silence.mutes_at(at) and silence.matches(labels):
                best = silence
        return best
