"""Where SQL differs between SQLite and PostgreSQL for the remediation loop.

* ``conflict_free_insert``: ``INSERT … ON CONFLICT DO NOTHING`` (both engines spell it the same,
  but SQLAlchemy builds it from each dialect's own ``insert``), built once per dialect and table and
  executed with a list of dicts (executemany). SQLAlchemy 2.0 gives neither dialect's
  ``on_conflict_do_nothing`` a cache key, so it is compiled again on every execution; it stays
  for callers that need ``RETURNING`` (SQLite's incident insert).
* ``insert_skipping_conflicts``: the hot path's form (the notification outbox): the statement
  text rendered once, spelled the same on both engines, with typed bind parameters, so it
  is compiled once per engine and cached.
* Row locks: ``select(...).with_for_update(skip_locked=True)`` renders ``FOR UPDATE SKIP LOCKED``
  on PostgreSQL and nothing on SQLite, where every writer transaction starts with
  ``BEGIN IMMEDIATE`` (core/db.py) and so already runs alone. Callers use it unconditionally.
* ``PG_LOCK_KEYS``: routing's transaction-scoped advisory lock per recurrence key, taken in one
  total order (the lock ids sorted) before any incident is read or written; SQLite needs none.
* PostgreSQL-only statements of routing (``PG_OPEN_INCIDENTS``, ``PG_LINK_EVENTS``): rows travel
  as one array per column through ``unnest`` (asyncpg encodes them in binary), one statement per
  batch; SQLite takes the portable executemany forms in incidents/ and remediation/repository.py.
"""

from __future__ import annotations

import functools

from sqlalchemy import Insert, Table, TextClause, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


@functools.cache
def conflict_free_insert(dialect: str, table: Table, index_elements: tuple[str, ...], where_sql: str | None) -> Insert:
    """``INSERT INTO table … ON CONFLICT (index_elements) [WHERE where_sql] DO NOTHING``, no values:
    execute it with a list of row dicts. ``where_sql`` is literal SQL so SQLite infers a partial index."""
    where = text(where_sql) if where_sql else None
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(index_elements), index_where=where)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(index_elements), index_where=where)


@functools.cache
def insert_skipping_conflicts(table: Table, index_elements: tuple[str, ...]) -> TextClause:
    """``INSERT INTO table (every column) VALUES (…) ON CONFLICT (index_elements) DO NOTHING``;
    execute it with a list of row dicts naming every column. The bind parameters carry the
    columns' types, so values are converted exactly as the ORM would (JSON, UUID, UTC times)."""
    names = [column.name for column in table.columns]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608 - names from our own table
        f"VALUES ({', '.join(':' + name for name in names)}) "
        f"ON CONFLICT ({', '.join(index_elements)}) DO NOTHING"
    )
    return text(sql).bindparams(*(bindparam(column.name, type_=column.type) for column in table.columns))


# Open incidents of one batch with the human ids numbered per project (project_counters) and the
# internal seq from the table's sequence, in the INSERT itself, so no UPDATE follows it. Keys
# another transaction opened first are skipped (the partial unique index `uq_incidents_open_key`).
PG_OPEN_INCIDENTS = """
INSERT INTO incidents (seq, id, project_id, status, title, severity, recurrence_key, firing_fingerprints,
                       opened_at, resolved_at)
SELECT s.seq, s.id, s.project_id, 'open', s.title, s.severity, s.recurrence_key, s.markers::jsonb, s.opened_at, NULL
FROM (SELECT nextval(pg_get_serial_sequence('incidents', 'seq'))::int4 AS seq, t.*
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
           WITH ORDINALITY AS t(id, project_id, title, severity, recurrence_key, markers, opened_at, ordinal)) AS s
ORDER BY s.ordinal
ON CONFLICT (project_id, recurrence_key) WHERE status = 'open' DO NOTHING
RETURNING seq, id, recurrence_key
"""

# The run and incident links of routed events, one statement per batch.
PG_LINK_EVENTS = """
UPDATE channel_events AS e SET run_id = t.run_id, incident_id = t.incident_id
FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(id, run_id, incident_id)
WHERE e.id = t.id
"""

# One advisory lock per (project, recurrence key), released at commit or rollback. Every routing
# transaction takes its keys' locks first and in ascending lock-id order, so two transactions
# touching overlapping keys (opening, resolving, reopening incidents in any arrival order) queue
# behind each other instead of deadlocking. A hash collision only serialises two keys more.
PG_LOCK_KEYS = """
SELECT count(pg_advisory_xact_lock(s.lock_id))
FROM (SELECT DISTINCT hashtextextended($1::text || chr(31) || k, 0) AS lock_id
      FROM unnest($2::text[]) AS k ORDER BY lock_id) AS s
"""
