"""The source envelope of one parsed item: content hash, redacted content, one-line preview,
refs, correlation ids and the recurrence key. Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

import orjson

from awooop.hub.providers.base import ParsedItem
from awooop.hub.providers.textids import text_correlation
from awooop.hub.redaction import REDACTION_VERSION, redact_id, redact_json, redact_text

PREVIEW_LIMIT = 240
# Widths of the channel_events columns (models/event.py). Longer values are shortened with a
# hash suffix, so two different long values never collapse into one after shortening.
ID_LIMIT = 512
NAME_LIMIT = 256
_HASH_SUFFIX = 16
# Redacted text is cut to this before whitespace folding: never more than the preview can show.
_PREVIEW_SOURCE_LIMIT = 2 * PREVIEW_LIMIT
_SORTED = orjson.OPT_SORT_KEYS


@dataclass(frozen=True, slots=True)
class Envelope:
    """One row of channel_events, minus ids, timestamps, dedup state and run links."""

    provider: str
    channel_type: str
    stage: str
    provider_event_id: str
    channel_chat_id: str | None
    content_preview: str
    content_redacted: str
    has_redacted_content: bool
    redaction_version: str
    source_url: str | None
    content_sha256: str
    content_length: int
    source_refs: dict[str, dict[str, str]]
    source_ref_count: int
    log_correlation: dict[str, str]
    alertname: str | None
    severity: str | None
    namespace: str | None
    target_resource: str | None
    fingerprint: str | None
    recurrence_key: str
    labels: dict[str, str]
    provider_ts: datetime | None


class DeliveryMemo:
    """The JSON and redacted JSON of top-level content parts, per delivery, by object identity.

    An Alertmanager-family delivery puts the same ``group`` dict into every alert's content;
    with the memo it is serialised and redacted once per delivery instead of once per alert.
    Splicing is exact: ``redact_json`` treats each key of a dict on its own (the one exception,
    a ``value`` labelled by a ``name``/``key`` sibling, is left to the plain path), and sorted-key
    JSON of a dict is its sorted ``"key":value`` fragments joined by commas.
    """

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        # (key, id(value)) -> (value, raw fragment, redacted fragment, hits); holding the value
        # keeps its id from being recycled while the memo lives.
        self._parts: dict[tuple[str, int], tuple[Any, bytes, bytes, int]] = {}

    def content_json(self, content: dict[str, Any]) -> tuple[bytes, bytes, int] | None:
        """(raw JSON, redacted JSON, hits) of ``content``, or None when it must take the plain path."""
        if "value" in content or not all(type(key) is str for key in content):
            return None
        raw_parts, redacted_parts, hits = [], [], 0
        for key in sorted(content):
            raw, redacted, count = self._part(key, content[key])
            raw_parts.append(raw)
            redacted_parts.append(redacted)
            hits += count
        return b"{" + b",".join(raw_parts) + b"}", b"{" + b",".join(redacted_parts) + b"}", hits

    def _part(self, key: str, value: Any) -> tuple[bytes, bytes, int]:
        entry = self._parts.get((key, id(value)))
        if entry is None or entry[0] is not value:
            single = {key: value}
            redacted, hits = redact_json(single)
            raw_part = orjson.dumps(single, option=_SORTED)[1:-1]
            entry = (value, raw_part, orjson.dumps(redacted, option=_SORTED)[1:-1], hits)
            self._parts[(key, id(value))] = entry
        return entry[1], entry[2], entry[3]


def _content_json(content: dict[str, Any], memo: DeliveryMemo | None) -> tuple[bytes, bytes, int]:
    if memo is not None and type(content) is dict:
        spliced = memo.content_json(content)
        if spliced is not None:
            return spliced
    redacted, hits = redact_json(content)
    return orjson.dumps(content, option=_SORTED), orjson.dumps(redacted, option=_SORTED), hits


def build_envelope(provider: str, item: ParsedItem, memo: DeliveryMemo | None = None) -> Envelope:
    """The envelope of one item; pass one ``memo`` for all items of a delivery (same result, less work)."""
    raw, redacted_json, hits = _content_json(item.content, memo)
    labels, label_hits = _redact_map(item.labels)
    refs, ref_hits = _redact_refs(item.source_refs)
    alertname, name_hits = _redact(item.alertname)
    namespace, namespace_hits = _redact(item.namespace)
    target, target_hits = _redact(item.target_resource)
    summary, summary_hits = _redact(item.summary)
    source_url, url_hits = _redact_url(item.source_url)
    event_id, id_hits = _redact_id(item.provider_event_id)
    fingerprint, fingerprint_hits = _redact_id(item.fingerprint)
    alertname, namespace, target = _fit_opt(alertname), _fit_opt(namespace), _fit_opt(target)
    fingerprint = _fit_opt(fingerprint)
    replaced = hits + label_hits + ref_hits + name_hits + namespace_hits + target_hits
    replaced += summary_hits + url_hits + id_hits + fingerprint_hits
    return Envelope(
        provider=provider,
        channel_type=item.channel_type,
        stage=item.stage,
        provider_event_id=_fit(event_id or item.provider_event_id, ID_LIMIT),
        channel_chat_id=item.channel_chat_id,
        content_preview=content_preview(
            item.stage,
            alertname=alertname,
            severity=item.severity,
            namespace=namespace,
            target_resource=target,
            summary=summary,
        ),
        content_redacted=redacted_json.decode(),
        has_redacted_content=replaced > 0,
        redaction_version=REDACTION_VERSION,
        source_url=source_url,
        content_sha256=hashlib.sha256(raw).hexdigest(),
        content_length=len(raw),
        source_refs=refs,
        source_ref_count=sum(len(group) for group in item.source_refs.values()),
        # Correlation ids are what operators search logs with: kept verbatim on purpose.
        log_correlation=log_correlation(item.log_correlation, redacted_json),
        alertname=alertname,
        severity=item.severity,
        namespace=namespace,
        target_resource=target,
        fingerprint=fingerprint,
        recurrence_key=recurrence_key(provider, fingerprint, alertname, namespace, target),
        labels=cast(dict[str, str], labels),
        provider_ts=item.provider_ts,
    )


def recurrence_key(
    provider: str,
    fingerprint: str | None,
    alertname: str | None,
    namespace: str | None,
    target_resource: str | None,
) -> str:
    if fingerprint:
        return f"fp:{fingerprint}"
    return f"k:{provider}|{alertname or ''}|{namespace or ''}|{target_resource or ''}"


def work_item_id(project_id: str, recurrence_key: str) -> str:
    digest = hashlib.sha256(f"{project_id}\x1f{recurrence_key}".encode()).hexdigest()
    return f"wi_{digest[:16]}"


def content_preview(
    stage: str,
    *,
    alertname: str | None,
    severity: str | None,
    namespace: str | None,
    target_resource: str | None,
    summary: str | None,
) -> str:
    """``[stage] alertname severity namespace/target: summary`` on one line, ≤ 240 chars.

    Callers pass redacted values only.
    """
    location = "/".join(part for part in (namespace, target_resource) if part)
    parts = [part for part in (alertname, severity, location) if part]
    line = " ".join((f"[{stage}]", *parts))
    if summary:
        separator = ": " if parts else " "
        line = f"{line}{separator}{summary[:_PREVIEW_SOURCE_LIMIT]}"
    line = " ".join(line.split())
    if len(line) > PREVIEW_LIMIT:
        line = line[: PREVIEW_LIMIT - 1].rstrip() + "…"
    return line


def _redact(text: str | None) -> tuple[str | None, int]:
    if not text:
        return text, 0
    return redact_text(text)


def _redact_map(value: dict[str, Any]) -> tuple[Any, int]:
    if not value:
        return {}, 0
    return redact_json(value)


_IDS: Final = ("trace_id", "span_id", "request_id")


def log_correlation(found: dict[str, str], redacted_json: bytes) -> dict[str, str]:
    """The parser's correlation fields, then ids written inside the (redacted) free text.

    Ids are never altered: one that redaction would change is no id and is left out. The
    other fields (service, pod, container, host) are label values and are redacted as labels.
    """
    out: dict[str, str] = {}
    for name, value in found.items():
        if name not in _IDS:
            out[name] = redact_text(value)[0]
        elif not redact_id(value)[1]:
            out[name] = value
    if not all(name in out for name in _IDS):  # labels usually carry them: no text scan then
        for name, value in text_correlation(redacted_json).items():
            out.setdefault(name, value)
    return out


def _redact_url(url: str | None) -> tuple[str | None, int]:
    """A link: the rules also read percent-encoded text (``?q=%7Bpassword%3D%22…``)."""
    if not url:
        return url, 0
    return redact_text(url)


def _redact_refs(groups: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, str]], int]:
    out: dict[str, dict[str, str]] = {}
    total = 0
    for group, refs in groups.items():
        kept: dict[str, str] = {}
        for name, value in refs.items():
            redacted, count = _redact_url(value)
            kept[name] = redacted or value
            total += count
        out[group] = kept
    return out, total


def _redact_id(value: str | None) -> tuple[str | None, int]:
    """A sender's id with a secret in it: redacted, plus a hash of the original so that two
    different ids never become one (dedup compares ids)."""
    if not value:
        return value, 0
    redacted, count = redact_id(value)
    if not count:
        return value, 0
    return f"{redacted}~{hashlib.sha256(value.encode()).hexdigest()[:_HASH_SUFFIX]}", count


def _fit(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:_HASH_SUFFIX]
    return f"{value[: limit - _HASH_SUFFIX - 1]}~{digest}"


def _fit_opt(value: str | None) -> str | None:
    return None if value is None else _fit(value, NAME_LIMIT)
