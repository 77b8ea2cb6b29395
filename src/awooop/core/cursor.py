"""Opaque keyset cursors: ``(timestamp, id)`` of the last row of a page, base64url-encoded.

Clients pass ``next_cursor`` back unchanged; a cursor that does not decode answers 400.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from awooop.core.clock import as_utc
from awooop.errors import BadRequest


def encode_cursor(at: datetime, row_id: str | int) -> str:
    raw = json.dumps([as_utc(at).isoformat(), row_id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str | int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at_text, row_id = json.loads(raw)
        if not isinstance(at_text, str) or not isinstance(row_id, str | int) or isinstance(row_id, bool):
            raise TypeError("cursor fields")
        return as_utc(datetime.fromisoformat(at_text)), row_id
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequest("cursor is not a value returned as next_cursor by this endpoint", field="cursor") from exc
