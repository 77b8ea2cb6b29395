"""Is this failure the database being away (answer 503, the sender retries) or a bug (500)?

``core.db.is_unavailable_error`` knows the database side (locks, refused or lost connections,
SQLSTATEs of a restart or failover) for every route; intake adds its own 503s (``ServiceUnavailable``
raised by the committer or the credential cache) anywhere in the cause chain.
"""

from __future__ import annotations

from awooop.core.db import cause_chain, is_unavailable_error
from awooop.errors import ServiceUnavailable


def database_unavailable(exc: BaseException) -> bool:
    return any(isinstance(cause, ServiceUnavailable) for cause in cause_chain(exc)) or is_unavailable_error(exc)
