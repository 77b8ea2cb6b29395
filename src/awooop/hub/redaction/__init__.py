"""Redaction of secrets and personal data for the intake path (pure: no I/O, no framework).

``redact_text`` and ``redact_json`` replace credentials and personal data with
``[REDACTED:<kind>]`` and report how many replacements they made; ``REDACTION_VERSION``
names the rule set and is stored with every redacted envelope. See README.md beside
this file for the kinds, the keep list and the invariants.
"""

from __future__ import annotations

from awooop.hub.redaction.keys import secret_kind_for_key
from awooop.hub.redaction.kinds import KINDS, REDACTION_VERSION
from awooop.hub.redaction.structured import redact_id, redact_json
from awooop.hub.redaction.text import explain_text, redact_text, redaction_kinds

__all__ = [
    "KINDS",
    "REDACTION_VERSION",
    "explain_text",
    "redact_id",
    "redact_json",
    "redact_text",
    "redaction_kinds",
    "secret_kind_for_key",
]
