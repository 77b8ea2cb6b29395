"""Is this failure the database being away (answer 503, the sender retries) or a bug (500)?

Extends ``core.db.is_unavailable_error`` with what intake meets in practice on PostgreSQL and
that arrives unwrapped from asyncpg when a new connection is refused: a database that does not
accept connections (restart, failover, ``ALLOW_CONNECTIONS false``), too many connections, or
one that is starting up or shutting down.
"""

from __future__ import annotations

from awooop.core.db import is_unavailable_error
from awooop.errors import ServiceUnavailable

# SQLSTATE classes/codes meaning "not now": 08 connection exception, 53300 too_many_connections,
# 57P01-57P03 admin/crash shutdown and cannot_connect_now, 55000 raised for a database that is
# not accepting connections, 40001/40P01 never (those are ordinary retryable conflicts).
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53300", "57P01", "57P02", "57P03")
_NOT_ACCEPTING = "not currently accepting connections"


def database_unavailable(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ServiceUnavailable) or is_unavailable_error(current):
            return True
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
            return True
        if _NOT_ACCEPTING in str(current):
            return True
        current = current.__cause__ or getattr(current, "orig", None)
    return False
