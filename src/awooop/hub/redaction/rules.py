"""The ordered rule table. Order matters: specific shapes first, labels next, personal data last.

Vendor formats run before the label rules so ``password=AKIA…`` reports ``aws_key``;
the label rules skip values that already hold a marker.
"""

from __future__ import annotations

from typing import Final

from awooop.hub.redaction import context, credentials, keyvalue, personal
from awooop.hub.redaction.engine import Rule

RULES: Final[tuple[Rule, ...]] = credentials.RULES + context.RULES + keyvalue.RULES + personal.RULES
