"""Label matchers with Alertmanager's semantics (pure).

* ``name=value`` / ``name!=value`` compare strings; ``name=~re`` / ``name!~re`` match a regular
  expression anchored at both ends, as Alertmanager does (``^(?:re)$``: ``fullmatch`` here).
* A label the event does not have has the value ``""``, so ``team=""`` matches events without a
  team and ``team!=""`` those with one.
* A silence matches when every one of its matchers matches (an empty list matches nothing unless
  the silence says ``match_all``).

The matchable labels of an event are its own labels plus ``alertname``, ``severity``,
``namespace``, ``target_resource`` and ``provider`` from its normalised fields; a label the
source sent wins over the normalised field of the same name (it is what the sender's own
Alertmanager silences would match on).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

EXTRA_LABELS = ("alertname", "severity", "namespace", "target_resource", "provider")
NAME_MAX = 256
VALUE_MAX = 1024


class MatcherError(ValueError):
    """A matcher that cannot be used (the API answers 422 with this text)."""


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True
    pattern: re.Pattern[str] | None = None

    @classmethod
    def build(cls, name: str, value: str, *, is_regex: bool = False, is_equal: bool = True) -> Matcher:
        if not name or len(name) > NAME_MAX:
            raise MatcherError(f"matcher name must be 1-{NAME_MAX} characters")
        if len(value) > VALUE_MAX:
            raise MatcherError(f"matcher {name}: value longer than {VALUE_MAX} characters")
        pattern = None
        if is_regex:
            try:
                pattern = re.compile(value)
            except re.error as exc:
                raise MatcherError(f"matcher {name}: invalid regular expression {value!r}: {exc}") from exc
        return cls(name, value, is_regex, is_equal, pattern)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        hit = self.pattern.fullmatch(actual) is not None if self.pattern is not None else actual == self.value
        return hit if self.is_equal else not hit

    @property
    def operator(self) -> str:
        return ("=~" if self.is_equal else "!~") if self.is_regex else ("=" if self.is_equal else "!=")

    def __str__(self) -> str:
        return f'{self.name}{self.operator}"{self.value}"'

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex, "isEqual": self.is_equal}


def parse_matchers(raw: Sequence[Mapping[str, Any]]) -> tuple[Matcher, ...]:
    """Matchers from their Alertmanager v2 JSON form (``isEqual`` defaults to true)."""
    return tuple(
        Matcher.build(
            str(item["name"]),
            str(item["value"]),
            is_regex=bool(item.get("isRegex", False)),
            is_equal=bool(item.get("isEqual", True)),
        )
        for item in raw
    )


def matches_all(matchers: Sequence[Matcher], labels: Mapping[str, str], *, match_all: bool = False) -> bool:
    if not matchers:
        return match_all
    return all(m.matches(labels) for m in matchers)


def matchable_labels(
    labels: Mapping[str, Any] | None,
    *,
    alertname: str | None,
    severity: str | None,
    namespace: str | None,
    target_resource: str | None,
    provider: str | None,
) -> dict[str, str]:
    """The event's labels as strings, completed with its normalised fields where absent."""
    out = dict(labels) if labels else {}
    if not all(type(v) is str for v in out.values()):  # labels are strings unless a sender says otherwise
        out = {str(k): "" if v is None else str(v) for k, v in out.items()}
    if alertname is not None and not out.get("alertname"):
        out["alertname"] = alertname
    if severity is not None and not out.get("severity"):
        out["severity"] = severity
    if namespace is not None and not out.get("namespace"):
        out["namespace"] = namespace
    if target_resource is not None and not out.get("target_resource"):
        out["target_resource"] = target_resource
    if provider is not None and not out.get("provider"):
        out["provider"] = provider
    return out


MATCHER_TEXT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


def parse_matcher_text(text: str) -> Matcher:
    """``name=value``, ``name!=value``, ``name=~re``, ``name!~re`` (value optionally quoted): the CLI form."""
    found = MATCHER_TEXT.match(text)
    if found is None:
        raise MatcherError(f"not a matcher: {text!r} (expected name=value, name!=value, name=~re or name!~re)")
    name, op, value = found.groups()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return Matcher.build(name, value, is_regex=op in ("=~", "!~"), is_equal=op in ("=", "=~"))
