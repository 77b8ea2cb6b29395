"""The rule type and the loop that applies an ordered rule table to one string.

A rule pairs a regex compiled once at import with a handler that validates each
candidate and says which span to replace. Cheap gates (length, a required
character, literal needles) decide whether the regex runs at all, so a clean
string costs a few substring checks instead of a dozen regex scans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from awooop.hub.redaction import kinds

Hit = tuple[int, int, str]
"""(start, end, replacement) for one finding."""

Handler = Callable[["re.Match[str]"], Hit | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """One detector. Gates are conservative: they may let clean text through, never a secret."""

    name: str
    pattern: re.Pattern[str]
    handler: Handler
    min_len: int = 0
    requires: tuple[str, ...] = ()  # at least one of these (case-sensitive) must occur
    needles: tuple[str, ...] = ()  # at least one of these must occur ...
    folded: bool = False  # ... in text.lower() instead of text
    min_digits: int = 0  # consecutive digits needed (separators ignored)
    min_token_run: int = 0  # consecutive [A-Za-z0-9_-] characters needed

    def apply(self, text: str) -> tuple[str, int]:
        """Replace every accepted finding; spans never overlap an earlier replacement."""
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
            # A span that swallows earlier markers replaces them: count only the net gain.
            count += 1 - text.count(kinds.MARKER_PREFIX, start, end)
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
"""Pseudo-character for ``Rule.requires``: the text has an upper-case letter."""
NON_ASCII: Final = "\x02"
"""Pseudo-character for ``Rule.requires``: the text has a non-ASCII character."""
_GUARD_CHARS: Final = "@:=;_-+A "

# Byte profiles of a text, built with one bytes.translate each (well under a microsecond):
# digits with separators deleted ("+886 912-345" -> "ddddddddd"), and token characters
# ("[A-Za-z0-9_-]" -> "t"). A card needs a 13-digit run, a GitHub token a 40-"t" run;
# prose and URLs full of short numbers and words have neither.
_DIGIT_SEPARATORS: Final = b" .()-+"
_DIGIT_MAP: Final = bytes(100 if 48 <= b <= 57 else 120 for b in range(256))
_TOKEN_BYTES: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_TOKEN_MAP: Final = bytes(116 if b in _TOKEN_BYTES else 120 for b in range(256))


def _guard(needle: str) -> str:
    """A character every text holding ``needle`` has, or "" when none is worth checking."""
    if not needle.isascii():
        return NON_ASCII
    for char in _GUARD_CHARS:
        if char in needle:
            return char
    return UPPER if needle.lower() != needle else ""


_Step = tuple[Rule, int, bytes, bytes, bool, "tuple[str, ...] | frozenset[str]"]
"""Per rule: the rule, min length, digit run, token run, folded?, needles worth searching."""


@dataclass(frozen=True, slots=True)
class _Plan:
    steps: tuple[_Step, ...]
    folded_needles: tuple[str, ...]  # every folded needle of the plan, searched once


def _plan(rules: tuple[Rule, ...], present: frozenset[str]) -> _Plan:
    """The rules that can fire on a text whose guard characters are ``present``."""
    steps: list[_Step] = []
    folded: set[str] = set()
    for rule in rules:
        if rule.requires and present.isdisjoint(rule.requires):
            continue
        needles = tuple(n for n in rule.needles if _guard(n) in present)
        if rule.needles and not needles:
            continue
        if rule.folded:
            folded.update(needles)
        steps.append(
            (
                rule,
                rule.min_len,
                b"d" * rule.min_digits,
                b"t" * rule.min_token_run,
                rule.folded,
                frozenset(needles) if rule.folded else needles,
            )
        )
    return _Plan(tuple(steps), tuple(sorted(folded)))


class RuleTable:
    """An ordered rule list with per-string plans.

    A few single-character checks (memchr-fast) give the text's guard set; the plan
    for that set, computed once and cached, lists the rules that can fire and only
    the needles worth searching. A clean line costs a dozen substring checks.
    """

    __slots__ = ("_guard_chars", "_plans", "rules")

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        guard_chars = set(_GUARD_CHARS).union(*(r.requires for r in rules)) - {UPPER, NON_ASCII}
        self._guard_chars = "".join(sorted(guard_chars))
        self._plans: dict[str, _Plan] = {}

    def _plan_for(self, text: str) -> _Plan:
        key = "".join([char for char in self._guard_chars if char in text])
        if not text.isascii():
            key += NON_ASCII
        if text.lower() != text:
            key += UPPER
        plan = self._plans.get(key)
        if plan is None:  # at most 2**12 keys, each computed once
            plan = _plan(self.rules, frozenset(key) | {""})
            self._plans[key] = plan
        return plan

    def run(self, text: str) -> tuple[str, int]:
        """Apply the rules in order; later rules see the markers of earlier ones.

        Gates are evaluated on the original text. Markers never form a finding, so a gate
        that only opens because of an earlier marker has nothing to miss.
        """
        plan = self._plan_for(text)
        original, size, total = text, len(text), 0
        raw = digits = tokens = b""
        found: frozenset[str] | set[str] | None = None
        for rule, min_len, digit_run, token_run, is_folded, needles in plan.steps:
            if size < min_len:
                continue
            if digit_run or token_run:
                if not raw:
                    raw = original.encode("utf-8", "ignore")
                if digit_run:
                    digits = digits or raw.translate(_DIGIT_MAP, _DIGIT_SEPARATORS)
                    if digit_run not in digits:
                        continue
                if token_run:
                    tokens = tokens or raw.translate(_TOKEN_MAP)
                    if token_run not in tokens:
                        continue
            if is_folded:
                if found is None:
                    folded = original.lower()
                    found = {n for n in plan.folded_needles if n in folded}
                if found.isdisjoint(needles):
                    continue
            elif needles:
                for needle in needles:
                    if needle in original:
                        break
                else:
                    continue
            text, count = rule.apply(text)
            total += count
        return text, total
