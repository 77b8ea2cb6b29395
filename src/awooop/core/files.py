"""Private files: the data directory, the SQLite database and its companions, the credentials file.

They hold project secrets (Sentry/Grafana secrets, the Telegram bot token) and key hashes, so a
directory we create is 0700 and every file is 0600, whatever the umask says."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Final

PRIVATE_DIR_MODE: Final = 0o700
PRIVATE_FILE_MODE: Final = 0o600
# SQLite creates these beside the database with the database file's own mode.
SQLITE_COMPANIONS: Final = ("-wal", "-shm", "-journal")


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) when absent; the directory itself is made 0700.

    An existing directory is left as it is: its owner chose its mode."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
        os.chmod(path, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def _restrict(path: Path) -> None:
    """0600 when group or others have any access; quietly keeps a file we may not change."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, PRIVATE_FILE_MODE)


def prepare_sqlite_file(path: Path) -> None:
    """Before the first connection: the file exists 0600, so the ``-wal`` and ``-shm`` files SQLite
    creates later are 0600 too (it gives them the database's mode). Older, wider files are narrowed."""
    ensure_private_dir(path.parent)
    # O_EXCL: never open (and close) a database file that exists. Closing any descriptor of a file
    # drops every POSIX lock this process holds on it, i.e. the locks of SQLite's open connections,
    # after which another process may delete the -wal/-shm under them ("disk I/O error").
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_COMPANIONS)):
        _restrict(candidate)


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, created 0600 from the start (never world-readable, not even briefly)."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, PRIVATE_FILE_MODE)
