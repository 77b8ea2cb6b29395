"""The labelled redaction corpus: recall per kind, marker precision per kind, keep rate per
protected class, and exact expected output line by line.

``corpus/corpus.jsonl`` holds one object per line: ``cat`` (where such text comes from) and
``marked``, the text with every secret written as ``⟦kind:secret⟧``. The input is ``marked``
with the brackets dropped; the exact expected output has each bracket replaced by
``[REDACTED:kind]``. A line may carry ``xfail`` (a reason): a known gap, counted in the
metrics but excused from the exact-output test. A line with ``"mode": "json"`` is a provider
payload fragment: it is parsed and redacted with ``redact_json`` (the intake path), and the
output is its ``json.dumps`` (the input is written in that form).

Run ``pytest tests/unit/redaction/test_corpus.py -s`` to see the table.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from awooop.hub.redaction import KINDS, redact_json, redact_text

CORPUS = Path(__file__).parent / "corpus" / "corpus.jsonl"
THRESHOLD = 1.0
_MARKED = re.compile(r"⟦([a-z_]+):(.*?)⟧", re.DOTALL)
_MARKER = re.compile(r"\[REDACTED:([a-z_]+)\]")

# Things operators need, found in the parts of a line that are not secrets. Alternatives are
# tried left to right at each position, so the more specific shapes come first.
_PROTECTED = re.compile(
    r"""
    (?P<url>https?://[^\s"'<>)\]]+)
  | (?P<digest>sha256:[0-9a-f]{64})
  | (?P<uuid>(?<![0-9a-f])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f]))
  | (?P<timestamp>\d{4}-\d\d-\d\d[T\ ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?)
  | (?P<ip>(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{2,5})?(?![\d.]))
  | (?P<hex_id>(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,64}(?![0-9A-Za-z]))
  | (?P<pod>(?<![A-Za-z0-9-])[a-z][a-z0-9-]*-[a-z0-9]{8,10}-[a-z0-9]{5}(?![A-Za-z0-9-]))
  | (?P<request_id>req[_-][0-9A-Za-z]{6,})
  | (?P<epoch>(?<![\d.])1\d{9}(?:\d{3}|\d{6}|\d{9})?(?:\.\d+)?(?![\d.]))
  | (?P<ticket_id>(?<![A-Za-z0-9])[A-Z][A-Z0-9]*-\d[0-9A-Z-]*(?![A-Za-z0-9])|\#\d+)
  | (?P<version>(?<![\w.])v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.]+)?)
  | (?P<host>(?<![\w.-])(?:[a-z0-9-]+\.)+(?:com|net|org|io|dev|internal|local|svc|tw|jp|uk)(?![\w-]))
  | (?P<path>(?<![\w.])(?:/[\w.-]+){2,})
  | (?P<duration>(?<![\w.])\d+(?:\.\d+)?(?:ms|s|m|h|d|%)(?![A-Za-z]))
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Sample:
    line_no: int
    cat: str
    text: str
    expect: str
    secrets: tuple[tuple[str, str], ...]  # (kind, secret) in order
    literals: tuple[str, ...]  # the text between secrets; len(secrets) + 1 items
    xfail: str | None
    structured: bool = False

    def redact(self) -> tuple[str, int]:
        """What the service makes of this line: text redaction, or the JSON walk for payloads."""
        if not self.structured:
            return redact_text(self.text)
        redacted, count = redact_json(json.loads(self.text))
        return json.dumps(redacted, ensure_ascii=False), count


def _sample(line_no: int, raw: str) -> Sample:
    entry = json.loads(raw)
    marked: str = entry["marked"]
    secrets = tuple((found.group(1), found.group(2)) for found in _MARKED.finditer(marked))
    literals = tuple(_MARKED.split(marked)[::3])
    return Sample(
        line_no=line_no,
        cat=entry["cat"],
        text=_MARKED.sub(lambda found: found.group(2), marked),
        expect=_MARKED.sub(lambda found: f"[REDACTED:{found.group(1)}]", marked),
        secrets=secrets,
        literals=literals,
        xfail=entry.get("xfail"),
        structured=entry.get("mode") == "json",
    )


@cache
def load_corpus() -> tuple[Sample, ...]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return tuple(_sample(number, raw) for number, raw in enumerate(lines, 1) if raw.strip())


def secret_outcomes(sample: Sample, actual: str) -> list[tuple[str, bool]]:
    """(kind, replaced by the right marker at the right place) for every secret of the line."""
    skeleton = "(.*?)".join(re.escape(literal) for literal in sample.literals)
    aligned = re.fullmatch(skeleton, actual, re.DOTALL)
    outcomes = []
    for index, (kind, secret) in enumerate(sample.secrets):
        marker = f"[REDACTED:{kind}]"
        # When the literal parts changed too, the secret is judged on its own.
        ok = aligned.group(index + 1) == marker if aligned else secret not in actual and marker in actual
        outcomes.append((kind, ok))
    return outcomes


def protected_tokens(sample: Sample) -> list[tuple[str, str]]:
    """(class, token) for every protected token outside the secrets."""
    tokens = []
    for literal in sample.literals:
        for found in _PROTECTED.finditer(literal):
            assert found.lastgroup is not None
            tokens.append((found.lastgroup, found.group()))
    return tokens


@dataclass
class Tally:
    hits: Counter[str]
    totals: Counter[str]

    @classmethod
    def empty(cls) -> Tally:
        return cls(Counter(), Counter())

    def add(self, key: str, *, ok: bool) -> None:
        self.totals[key] += 1
        self.hits[key] += ok

    def rate(self, key: str | None = None) -> float:
        hits = sum(self.hits.values()) if key is None else self.hits[key]
        total = sum(self.totals.values()) if key is None else self.totals[key]
        return hits / total if total else 1.0


@dataclass
class Report:
    recall: Tally
    precision: Tally  # per emitted marker kind: was that marker expected there?
    keep: Tally
    mismatches: list[str]

    def table(self) -> str:
        rows = ["kind                recall              precision", "-" * 56]
        rows.extend(
            f"{kind:<19} {self._cell(self.recall, kind):<19} {self._cell(self.precision, kind)}"
            for kind in sorted(set(self.recall.totals) | set(self.precision.totals))
        )
        rows.append(f"{'overall':<19} {self._cell(self.recall):<19} {self._cell(self.precision)}")
        rows += ["", "protected class     keep", "-" * 36]
        rows += [f"{name:<19} {self._cell(self.keep, name)}" for name in sorted(self.keep.totals)]
        rows.append(f"{'overall':<19} {self._cell(self.keep)}")
        return "\n".join(rows)

    @staticmethod
    def _cell(tally: Tally, key: str | None = None) -> str:
        hits = sum(tally.hits.values()) if key is None else tally.hits[key]
        total = sum(tally.totals.values()) if key is None else tally.totals[key]
        return f"{tally.rate(key):.4f} ({hits}/{total})"


def evaluate(samples: tuple[Sample, ...]) -> Report:
    report = Report(Tally.empty(), Tally.empty(), Tally.empty(), [])
    for sample in samples:
        actual, count = sample.redact()
        outcomes = secret_outcomes(sample, actual)
        right = Counter(kind for kind, ok in outcomes if ok)
        for kind, ok in outcomes:
            report.recall.add(kind, ok=ok)
        # Markers already in the input (a row redacted by an older rule set) are not emitted.
        emitted = Counter(_MARKER.findall(actual)) - Counter(_MARKER.findall(sample.text))
        for kind, number in emitted.items():
            for index in range(number):
                report.precision.add(kind, ok=index < right[kind])
        for name, token in protected_tokens(sample):
            report.keep.add(name, ok=actual.count(token) >= sample.expect.count(token))
        if (actual != sample.expect or count != len(sample.secrets)) and not sample.xfail:
            report.mismatches.append(
                f"line {sample.line_no} [{sample.cat}] count={count}\n"
                f"  input : {sample.text!r}\n  expect: {sample.expect!r}\n  actual: {actual!r}"
            )
    return report


@pytest.fixture(scope="module")
def report() -> Report:
    result = evaluate(load_corpus())
    print("\n" + result.table())  # shown with `pytest -s`
    return result


def test_corpus_is_large_and_varied() -> None:
    samples = load_corpus()
    assert len(samples) >= 300
    assert {s.cat for s in samples} >= {"alert", "log", "sentry", "json", "url", "header", "sql", "shell", "k8s"}
    assert any(s.cat == "chat_zh" for s in samples)
    kinds = {kind for s in samples for kind, _ in s.secrets}
    assert kinds == set(KINDS), f"kinds without a sample: {set(KINDS) - kinds}"
    assert sum(1 for s in samples if not s.secrets) >= 100, "too few hard negatives"
    providers = {"alertmanager", "signoz", "grafana", "sentry", "generic", "telegram"}
    assert {s.cat for s in samples if s.structured} >= providers, "every provider's payload shape"


@pytest.mark.parametrize("kind", KINDS)
def test_recall_per_kind(report: Report, kind: str) -> None:
    assert report.recall.totals[kind] > 0
    assert report.recall.rate(kind) >= THRESHOLD, report.table()


@pytest.mark.parametrize("kind", KINDS)
def test_marker_precision_per_kind(report: Report, kind: str) -> None:
    assert report.precision.rate(kind) >= THRESHOLD, report.table()


def test_keep_precision_per_protected_class(report: Report) -> None:
    assert len(report.keep.totals) >= 10, report.table()
    failing = {name: report.keep.rate(name) for name in report.keep.totals if report.keep.rate(name) < THRESHOLD}
    assert not failing, f"{failing}\n{report.table()}"


def test_overall_rates(report: Report) -> None:
    assert report.recall.rate() >= THRESHOLD, report.table()
    assert report.precision.rate() >= THRESHOLD, report.table()
    assert report.keep.rate() >= THRESHOLD, report.table()


def test_every_line_matches_its_expected_output(report: Report) -> None:
    assert not report.mismatches, f"{len(report.mismatches)} line(s) differ:\n" + "\n".join(report.mismatches)


def test_redaction_is_idempotent_on_the_corpus() -> None:
    for sample in load_corpus():
        once, _ = sample.redact()
        if sample.structured:
            assert redact_json(json.loads(once)) == (json.loads(once), 0), sample.line_no
        else:
            assert redact_text(once) == (once, 0), sample.line_no


def test_structured_lines_also_lose_their_secrets_as_text() -> None:
    """A payload stored as JSON text and redacted again as text (``--reapply``) stays clean."""
    for sample in load_corpus():
        if sample.structured:
            once, _ = sample.redact()
            assert redact_text(once) == (once, 0), sample.line_no


def test_metrics_catch_a_broken_redactor() -> None:
    """The harness itself can fail: an identity 'redactor' scores zero recall."""
    samples = load_corpus()
    with_secrets = [s for s in samples if s.secrets]
    misses = sum(1 for s in with_secrets for _, ok in secret_outcomes(s, s.text) if not ok)
    assert misses == sum(len(s.secrets) for s in with_secrets)
    everything = "[REDACTED:token]"  # a redactor that hides whole lines keeps nothing
    tokens = [(s, token) for s in samples for _, token in protected_tokens(s)]
    assert len(tokens) >= 300
    assert all(everything.count(token) < s.expect.count(token) for s, token in tokens)
