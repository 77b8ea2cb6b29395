"""Silence matching cost per event (not a test): what routing adds for a project with N live
silences, against a project with none (where routing does no silence work at all).

    .venv/bin/python bench/silences.py --silences 100

The silences are those of ``bench/ingest.py --silences N`` (nine in ten keyed by alertname, one in
ten a regex on the pod label), none matching the bench alert; a second line times a project where
one silence of the N covers the alert. Prints the best of several repeats (least disturbed by
other load on the machine), in microseconds per event.
"""

from __future__ import annotations

import argparse
import timeit
import uuid
from datetime import UTC, datetime, timedelta

from awooop.silences.compiled import CompiledSilence, SilenceIndex
from awooop.silences.matchers import matchable_labels

NOW = datetime(2026, 8, 20, 9, 41, tzinfo=UTC)
LABELS = {"alertname": "BenchHighLatency", "severity": "warning", "namespace": "bench", "pod": "api-1", "instance": "x"}


def silences(count: int, *, covering: bool) -> SilenceIndex:
    built = []
    for n in range(count):
        if n % 10 == 9:
            matchers = [{"name": "pod", "value": f"web-{n}-.*", "isRegex": True}]
        else:
            matchers = [{"name": "alertname", "value": f"Maintenance{n}"}, {"name": "namespace", "value": "bench"}]
        if covering and n == count - 1:
            matchers = [{"name": "alertname", "value": "BenchHighLatency"}]
        built.append(
            CompiledSilence.build(
                silence_id=uuid.UUID(int=n + 1),
                matchers=matchers,
                match_all=False,
                starts_at=NOW - timedelta(hours=1),
                ends_at=NOW + timedelta(hours=1),
                time_intervals=None,
                time_zone=None,
            )
        )
    return SilenceIndex(built)


def per_event(index: SilenceIndex, number: int = 20_000) -> float:
    def one() -> None:
        labels = matchable_labels(
            LABELS,
            alertname="BenchHighLatency",
            severity="warning",
            namespace="bench",
            target_resource=None,
            provider="alertmanager",
        )
        index.covering(labels, NOW)

    return min(timeit.repeat(one, number=number, repeat=7)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--silences", type=int, default=100)
    args = parser.parse_args()
    print("no live silence: routing skips silence work (0 µs per event)")
    for covering, what in ((False, "none matching"), (True, "one matching")):
        cost = per_event(silences(args.silences, covering=covering))
        print(f"{args.silences} silences, {what}: {cost:.2f} µs per event")


if __name__ == "__main__":
    main()
