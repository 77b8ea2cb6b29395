"""Preparing the SQLite file (0600 before SQLite creates -wal/-shm) must never disturb a database
that is already open in this process: closing any descriptor of it would drop the POSIX locks of
its connections, and another process would then delete the -wal/-shm under them."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from awooop.core.files import prepare_sqlite_file

OTHER_PROCESS = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT x FROM t').fetchall(); c.close()"
)


def test_preparing_an_open_database_keeps_its_connections_locks(tmp_path: Path) -> None:
    path = tmp_path / "awooop.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("BEGIN")
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]  # an open read transaction

        prepare_sqlite_file(path)
        # The other process's close is not the last one: it must leave the WAL files in place.
        subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(path)], check=True, timeout=60)
        assert Path(f"{path}-wal").exists()
        assert Path(f"{path}-shm").exists()
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_a_new_database_file_is_created_private_in_a_private_directory(tmp_path: Path) -> None:
    path = tmp_path / "new" / "awooop.db"
    old = os.umask(0)
    try:
        prepare_sqlite_file(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
