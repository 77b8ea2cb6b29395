"""The rule type and the loop that applies an ordered rule table to one string.

A rule pairs a regex compiled once at import with a handler that validates each
candidate and says which span to replace. Cheap gates (length, a required
character, literal needles) decide whether the regex runs at all, so a clean
string costs a few substring checks instead of a dozen regex scans.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from awooop.hub.redaction import kinds

Hit = tuple[int, int, str]
"""(start, end, replacement) for one finding."""

Handler = Callable[["re.Match[str]"], Hit | None]
Finding = tuple[str, str, str]
"""(rule name, the text it took, its replacement): what ``awooop redact --explain`` prints."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One detector. Gates are conservative: they may let clean text through, never a secret."""

    name: str
    pattern: re.Pattern[str]
    handler: Handler
    min_len: int = 0
    requires: tuple[str, ...] = ()  # at least one of these guards (case-sensitive) must occur
    needles: tuple[str, ...] = ()  # at least one of these must occur ...
    folded: bool = False  # ... in text.lower() instead of text
    profile: bytes = b""  # must occur in the digit profile ("ddddddddd" = 9 digits in a row)
    min_token_run: int = 0  # consecutive [A-Za-z0-9_-] characters needed
    needs_space: bool = False  # the pattern needs a blank: never runs on URLs and ids
    gate: Callable[[str], bool] | None = None  # a last C-level check on the text (str.count …)

    def apply(self, text: str, trace: list[Finding] | None = None) -> tuple[str, int]:
        """Replace every accepted finding; spans never overlap an earlier replacement.

        With ``trace``, every replacement is appended to it as (rule, taken text, replacement).
        """
        pieces: list[str] = []
        pos = 0
        count = 0
        for match in self.pattern.finditer(text):
            hit = self.handler(match)
            if hit is None:
                continue
            start, end, replacement = hit
            if start < pos:
                continue
            pieces.append(text[pos:start])
            pieces.append(replacement)
            pos = end
            # A span that swallows earlier markers replaces them: count only the net gain (a
            # cookie header keeps the markers of its values and may add several).
            count += replacement.count(kinds.MARKER_PREFIX) - text.count(kinds.MARKER_PREFIX, start, end)
            if trace is not None:
                trace.append((self.name, text[start:end], replacement))
        if not pieces:
            return text, 0
        pieces.append(text[pos:])
        return "".join(pieces), count


def whole(kind: str) -> Handler:
    """Handler replacing the entire match."""
    replacement = kinds.marker(kind)

    def handle(match: re.Match[str]) -> Hit:
        return match.start(), match.end(), replacement

    return handle


def group(name: str, kind: str) -> Handler:
    """Handler replacing one named group and keeping the context around it."""
    replacement = kinds.marker(kind)

    def handle(match: re.Match[str]) -> Hit:
        return match.start(name), match.end(name), replacement

    return handle


UPPER: Final = "\x01"
"""Pseudo-guard for ``Rule.requires``: the text has an upper-case letter."""
NON_ASCII: Final = "\x02"
"""Pseudo-guard for ``Rule.requires``: the text has a non-ASCII character."""
# Guards are checked first (memchr-fast); a needle is only searched when its guard occurs.
# " -" (a command-line flag) guards the shell rules, so prose with hyphens skips them.
_GUARDS: Final = (" -", "@", ":", "=", ";", "_", "-", "+", "A", " ", "\t", "\n")
PLAN_CACHE_LIMIT: Final = 4096  # real traffic uses a few hundred (guard set, length) plans
_BLANKS: Final = frozenset(" \t\n")

# Byte profiles of a text, built with one bytes.translate each (well under a microsecond):
# digits and capitals with separators deleted ("+886 912-345" -> "ddddddddd", "DE89 3704" ->
# "UUdddddd"), and token characters ("[A-Za-z0-9_-]" -> "t"). A card needs a 13-digit run,
# a GitHub token a 40-"t" run; prose and URLs full of short numbers and words have neither.
_DIGIT_SEPARATORS: Final = b" .()-+"
_DIGIT_MAP: Final = bytes(100 if 48 <= b <= 57 else 85 if 65 <= b <= 90 else 120 for b in range(256))
_TOKEN_BYTES: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_TOKEN_MAP: Final = bytes(116 if b in _TOKEN_BYTES else 120 for b in range(256))


def _guard(needle: str) -> str:
    """A guard every text holding ``needle`` contains, or "" when none is worth checking."""
    if not needle.isascii():
        return NON_ASCII
    for guard in _GUARDS:
        if guard in needle:
            return guard
    return UPPER if needle.lower() != needle else ""


_Step = tuple[Rule, bytes, bytes]
"""Per candidate rule: the rule, the digit-profile needle and the token run it needs."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """What can fire on a text of a given guard set and length bucket.

    ``always`` lists the rules without needles; the needle maps name the rules each needle
    wakes. A clean string pays for two C-level needle scans and a few gate checks.
    """

    steps: tuple[_Step, ...]  # in rule order; indexes below point here
    always: frozenset[int]
    needles: tuple[str, ...]  # searched in the text
    folded_needles: tuple[str, ...]  # searched in text.lower()
    wakes: dict[str, tuple[int, ...]]
    folded_wakes: dict[str, tuple[int, ...]]


def _plan(rules: tuple[Rule, ...], present: frozenset[str], size: int) -> _Plan:
    """The rules that can fire on a text of ``size`` whose guard characters are ``present``."""
    steps: list[_Step] = []
    always: set[int] = set()
    wakes: dict[str, list[int]] = {}
    folded_wakes: dict[str, list[int]] = {}
    for rule in rules:
        if size < rule.min_len or (rule.requires and present.isdisjoint(rule.requires)):
            continue
        if rule.needs_space and present.isdisjoint(_BLANKS):
            continue
        needles = [n for n in rule.needles if _guard(n) in present]
        if rule.needles and not needles:
            continue
        index = len(steps)
        steps.append((rule, rule.profile, b"t" * rule.min_token_run))
        if not needles:
            always.add(index)
        for needle in needles:
            (folded_wakes if rule.folded else wakes).setdefault(needle, []).append(index)
    return _Plan(
        tuple(steps),
        frozenset(always),
        tuple(wakes),
        tuple(folded_wakes),
        {needle: tuple(indexes) for needle, indexes in wakes.items()},
        {needle: tuple(indexes) for needle, indexes in folded_wakes.items()},
    )


class RuleTable:
    """An ordered rule list with per-string plans.

    A few single-character checks (memchr-fast) and the text's length bucket pick a plan,
    computed once and cached: the rules that can fire and only the needles worth searching.
    """

    __slots__ = ("_buckets", "_guards", "_plans", "rules")

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        guards = set(_GUARDS).union(*(r.requires for r in rules)) - {UPPER, NON_ASCII}
        self._guards = tuple(sorted(guards))
        self._buckets = tuple(sorted({r.min_len for r in rules}))  # lengths where a rule joins
        self._plans: dict[tuple[tuple[str, ...], int], _Plan] = {}

    def _plan_for(self, text: str, lowered: str) -> _Plan:
        key = tuple(filter(text.__contains__, self._guards))  # C-level loop
        if not text.isascii():
            key += (NON_ASCII,)
        if lowered != text:
            key += (UPPER,)
        bucket = bisect_right(self._buckets, len(text))
        plan = self._plans.get((key, bucket))
        if plan is None:
            if len(self._plans) >= PLAN_CACHE_LIMIT:  # crafted input must not grow it forever
                self._plans.clear()
            size = self._buckets[bucket - 1] if bucket else 0
            plan = _plan(self.rules, frozenset((*key, "")), size)
            self._plans[key, bucket] = plan
        return plan

    def run(self, text: str, trace: list[Finding] | None = None) -> tuple[str, int]:
        """Apply the rules in order; later rules see the markers of earlier ones.

        Gates are evaluated on the original text. Markers never form a finding, so a gate
        that only opens because of an earlier marker has nothing to miss.
        """
        lowered = text.lower()
        plan = self._plan_for(text, lowered)
        candidates = set(plan.always)
        # filter() over a bound __contains__ keeps the substring searches in C.
        for needle in filter(text.__contains__, plan.needles):
            candidates.update(plan.wakes[needle])
        for needle in filter(lowered.__contains__, plan.folded_needles):
            candidates.update(plan.folded_wakes[needle])
        original, total = text, 0
        raw = digits = tokens = b""
        for index in sorted(candidates):
            rule, profile_needle, token_run = plan.steps[index]
            if rule.gate is not None and not rule.gate(original):  # before the profiles: cheaper
                continue
            if profile_needle or token_run:
                raw = raw or original.encode("utf-8", "ignore")
                if profile_needle:
                    digits = digits or raw.translate(_DIGIT_MAP, _DIGIT_SEPARATORS)
                    if profile_needle not in digits:
                        continue
                if token_run:
                    tokens = tokens or raw.translate(_TOKEN_MAP)
                    if token_run not in tokens:
                        continue
            text, count = rule.apply(text, trace)
            total += count
        return text, total
