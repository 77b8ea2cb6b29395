"""A parsed record → a ``channel_events`` row (pure but for the new row's UUIDv7 id: no I/O).

Legacy records go through the hub's own envelope code (``build_envelope``: the current redaction
rules, the preview, the recurrence key), so an imported event looks like a live one wherever it
can. The envelope proper — content, hash, length — is kept only when the record carried the
original webhook body and AwoooP's parser for that provider accepted it; otherwise the event has
``has_source_envelope = false`` and counts in coverage's ``missing_source_envelope_total``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import time
import uuid
from typing import Any

import orjson

from awooop.hub.envelope import ID_LIMIT, NAME_LIMIT, Envelope, build_envelope, content_preview, recurrence_key
from awooop.hub.providers import PARSERS, ParsedItem, PayloadSchemaError
from awooop.hub.redaction import REDACTION_VERSION, redact_json, redact_text
from awooop.imports.records import ExportedEvent, ImportedRecord, SourcePayload

Row = dict[str, Any]
ENVELOPE_COLUMNS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(Envelope))
_NO_HEADERS: dict[str, str] = {}


class _Ids(threading.local):
    """UUIDv7 exactly as ``core.ids.uuid7`` makes them, with the random bits read in bulk (one
    system call per 4,096 ids instead of one per row). Per thread: two imports running at once
    must never take the same random bits."""

    POOL = 10 * 4096

    def __init__(self) -> None:
        super().__init__()
        self.pool = b""
        self.at = 0

    def __call__(self) -> uuid.UUID:
        if self.at >= len(self.pool):
            self.pool, self.at = os.urandom(self.POOL), 0
        rand = int.from_bytes(self.pool[self.at : self.at + 10], "big")
        self.at += 10
        value = ((time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF) << 80
        value |= 0x7 << 76  # version
        value |= ((rand >> 62) & 0x0FFF) << 64
        value |= 0b10 << 62  # variant
        value |= rand & 0x3FFF_FFFF_FFFF_FFFF
        return uuid.UUID(int=value)


uuid7 = _Ids()


def provider_event_id(origin_system: str, origin_id: str) -> str:
    """Imported events are addressed by their origin (``alerta:history:…``), never by a live
    provider's identity, so they can never take the place of a live original."""
    return f"{origin_system}:{origin_id}"


def record_row(project_id: str, record: ImportedRecord) -> Row:
    item = _source_item(record.payload)
    if item is None:
        row = _row_without_payload(record)
        with_envelope = False
    else:
        with_envelope = item.stage == record.stage
        # The source's own item knows the problem best (labels, fingerprint, refs); the legacy
        # record knows when it happened and where it lives in the legacy system.
        item = dataclasses.replace(
            item,
            stage=record.stage,
            source_url=item.source_url or record.source_url,
            log_correlation={**record.log_correlation, **item.log_correlation},
        )
        assert record.payload is not None
        envelope = build_envelope(record.payload.provider, item)
        row = {name: getattr(envelope, name) for name in ENVELOPE_COLUMNS}
    row.update(
        id=uuid7(),
        project_id=project_id,
        provider_event_id=fit(provider_event_id(record.origin_system, record.origin_id), ID_LIMIT),
        has_source_envelope=with_envelope,
        is_duplicate=False,
        duplicate_of=None,
        run_id=None,
        incident_id=None,
        silence_id=None,  # imported history is never routed, so never silenced
        received_at=record.occurred_at,
        origin_system=record.origin_system,
        origin_id=fit(record.origin_id, ID_LIMIT),
        origin_occurrences=record.occurrences,
    )
    if row["provider_ts"] is None:
        row["provider_ts"] = record.occurred_at
    if not with_envelope:
        row.update(content_redacted=None, content_sha256=None, content_length=None)
    return row


class _Memo:
    """Redaction results by value, bounded, one table per field: legacy history repeats the same
    names, labels, texts and links for every state change of an alert, while a field of values
    that never repeat (an alert's own link) must not push the others out. Redaction is pure, so a
    hit is exact."""

    LIMIT = 20_000  # entries per table: a few tens of MB at most

    def __init__(self) -> None:
        self.texts: dict[str, dict[str, tuple[str, int]]] = {}
        self.maps: dict[str, dict[bytes, tuple[Any, int]]] = {}
        self.rows: dict[tuple[Any, ...], tuple[Row, int]] = {}

    def text(self, field: str, value: str | None) -> tuple[str | None, int]:
        if not value:
            return value, 0
        table = self.texts.get(field)
        if table is None:
            table = self.texts[field] = {}
        found = table.get(value)
        if found is None:
            if len(table) >= self.LIMIT:
                table.clear()
            found = table[value] = redact_text(value)
        return found

    def mapping(self, field: str, value: dict[str, Any]) -> tuple[Any, int]:
        if not value:
            return {}, 0
        table = self.maps.get(field)
        if table is None:
            table = self.maps[field] = {}
        key = orjson.dumps(value)  # exact for the JSON values labels and refs are made of
        found = table.get(key)
        if found is None:
            if len(table) >= self.LIMIT:
                table.clear()
            found = table[key] = redact_json(value)
        redacted, hits = found
        # A copy per row: rows must not share mutable values.
        return (orjson.loads(orjson.dumps(redacted)) if hits else dict(value)), hits


_MEMO = _Memo()


def _row_without_payload(record: ImportedRecord) -> Row:
    """What ``build_envelope`` gives for an item without content, with memoised redaction.

    Every state change of an alert shares all of it but its link, correlation ids and time: the
    rest is derived once per distinct (problem, stage) and copied (``_shared_part``).
    """
    memo = _MEMO
    try:
        key = (
            record.provider,
            record.stage,
            record.alertname,
            record.severity,
            record.namespace,
            record.target_resource,
            record.fingerprint,
            record.summary,
            orjson.dumps(record.labels),
            orjson.dumps(record.source_refs),
        )
    except TypeError:  # not JSON values (never from a parser): no memo
        shared, hits = _shared_part(record)
    else:
        found = memo.rows.get(key)
        if found is None:
            if len(memo.rows) >= memo.LIMIT:
                memo.rows.clear()
            found = memo.rows[key] = _shared_part(record)
        shared, hits = found
    source_url, url_hits = memo.text("source_url", record.source_url)
    row = dict(shared)
    # Own copies of the mutable values: rows never share them.
    row["labels"] = dict(shared["labels"])
    row["source_refs"] = {
        g: dict(refs) if isinstance(refs, dict) else refs for g, refs in shared["source_refs"].items()
    }
    row["source_url"] = source_url
    row["has_redacted_content"] = hits + url_hits > 0
    row["log_correlation"] = dict(record.log_correlation)
    row["provider_ts"] = record.occurred_at
    return row


def _shared_part(record: ImportedRecord) -> tuple[Row, int]:
    """The row of ``_row_without_payload`` but for link, correlation ids and time; and the
    redaction hits in it."""
    memo = _MEMO
    alertname, name_hits = memo.text("alertname", record.alertname)
    namespace, namespace_hits = memo.text("namespace", record.namespace)
    target, target_hits = memo.text("target_resource", record.target_resource)
    summary, summary_hits = memo.text("summary", record.summary)
    labels, label_hits = memo.mapping("labels", record.labels)
    refs, ref_hits = memo.mapping("source_refs", record.source_refs)
    alertname, namespace, target = fit_opt(alertname), fit_opt(namespace), fit_opt(target)
    fingerprint = fit_opt(record.fingerprint)
    hits = name_hits + namespace_hits + target_hits + summary_hits + label_hits + ref_hits
    row = {
        "provider": record.provider,
        "channel_type": "alert",
        "stage": record.stage,
        "channel_chat_id": None,
        "content_preview": content_preview(
            record.stage,
            alertname=alertname,
            severity=record.severity,
            namespace=namespace,
            target_resource=target,
            summary=summary,
        ),
        "has_redacted_content": None,  # with the link's hits, per row
        "redaction_version": REDACTION_VERSION,
        "source_url": None,
        "source_refs": refs,
        "source_ref_count": sum(len(group) for group in record.source_refs.values()),
        "log_correlation": None,
        "alertname": alertname,
        "severity": record.severity,
        "namespace": namespace,
        "target_resource": target,
        "fingerprint": fingerprint,
        "recurrence_key": recurrence_key(record.provider, fingerprint, alertname, namespace, target),
        "labels": labels,
        "provider_ts": None,
    }
    return row, hits


def fit(value: str, limit: int) -> str:
    """As the envelope shortens identities: a hash suffix keeps distinct values distinct."""
    if len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:16]
    return f"{value[: limit - 17]}~{digest}"


def fit_opt(value: str | None) -> str | None:
    return None if value is None else fit(value, NAME_LIMIT)


def _source_item(payload: SourcePayload | None) -> ParsedItem | None:
    if payload is None or payload.provider not in PARSERS:
        return None
    try:
        items = PARSERS[payload.provider](payload.body, _NO_HEADERS)
    except PayloadSchemaError:
        return None  # not what it looked like: the event is imported without an envelope
    return items[0] if len(items) == 1 else None


def exported_row(project_id: str, event: ExportedEvent) -> Row:
    """An exported event, redacted again with the current rules (they may have grown since)."""
    source = event.row
    hits = 0
    content = source["content_redacted"]
    if content is not None:
        try:
            redacted, count = redact_json(orjson.loads(content))
            content, hits = orjson.dumps(redacted, option=orjson.OPT_SORT_KEYS).decode(), hits + count
        except orjson.JSONDecodeError:
            content, count = redact_text(content)
            hits += count
    redacted_fields: dict[str, Any] = {}
    for name in ("content_preview", "source_url", "alertname", "namespace", "target_resource"):
        value = source[name]
        if value:
            value, count = redact_text(value)
            hits += count
        redacted_fields[name] = value
    maps: dict[str, Any] = {}
    for name in ("labels", "source_refs"):
        value, count = redact_json(source[name]) if source[name] else ({}, 0)
        hits += count
        maps[name] = value
    key = source["recurrence_key"] or recurrence_key(
        source["provider"] or "",
        source["fingerprint"],
        redacted_fields["alertname"],
        redacted_fields["namespace"],
        redacted_fields["target_resource"],
    )
    preview = redacted_fields["content_preview"] or content_preview(
        source["stage"],
        alertname=redacted_fields["alertname"],
        severity=source["severity"],
        namespace=redacted_fields["namespace"],
        target_resource=redacted_fields["target_resource"],
        summary=None,
    )
    return {
        **source,
        **redacted_fields,
        **maps,
        "id": uuid7(),
        "project_id": project_id,
        "content_redacted": content,
        "content_preview": preview,
        "has_redacted_content": source["has_redacted_content"] or hits > 0,
        "redaction_version": REDACTION_VERSION
        if hits or source["redaction_version"] is None
        else source["redaction_version"],
        "source_ref_count": source["source_ref_count"]
        if source["source_ref_count"] is not None
        else sum(len(group) for group in maps["source_refs"].values() if isinstance(group, dict)),
        "recurrence_key": key,
        "duplicate_of": None,
        "run_id": None,
        "incident_id": None,
        "silence_id": None,
    }
