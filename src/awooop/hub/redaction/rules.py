"""The ordered rule table. Order matters: specific shapes first, labels next, personal data last.

Vendor formats run before the label rules so ``password=AKIA…`` reports ``aws_key``;
the label rules skip values that already hold a marker.
"""

from __future__ import annotations

from typing import Final

from awooop.hub.redaction import chat, context, credentials, encoded, keyvalue, network, personal
from awooop.hub.redaction.engine import Rule

RULES: Final[tuple[Rule, ...]] = (
    credentials.RULES
    + network.CREDENTIAL_RULES
    + context.RULES
    + chat.RULES
    + keyvalue.RULES
    + personal.RULES
    + network.PERSONAL_RULES
    + encoded.RULES
)
