"""The `awooop` command from anywhere: where it looks for the data, what it says when there is no
usable database (one line, exit 2, nothing created), private files, and the worker's log."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import select, text

from awooop.config import default_data_dir
from awooop.core import migrate
from awooop.core.db import Database
from awooop.models import OutboxMessage
from tests.conftest import BACKEND, PG_ADMIN_DSN, _pg_url
from tests.factories import Factory
from tests.fakes.events import alert, ingest
from tests.integration.serve_process import clean_env, free_port

AWOOOP = str(Path(sys.executable).parent / "awooop")


def awooop(
    *args: str, env: dict[str, str], cwd: Path | None = None, umask: int = -1
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWOOOP, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False, umask=umask
    )


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    "command",
    [
        ["projects", "list"],
        ["heartbeat", "--project", "default"],
    ],
)
def test_from_any_directory_without_a_database_one_line_exit_2_and_nothing_created(
    tmp_path: Path, command: list[str]
) -> None:
    work, home = tmp_path / "x", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    done = awooop(*command, env=clean_env(HOME=str(home)), cwd=work)
    expected = home / ".local" / "share" / "awooop" / "awooop.db"
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(expected) in lines[0]
    assert "awooop migrate" in lines[0]
    assert "AWOOOP_DATA_DIR" in lines[0]
    assert files_under(tmp_path) == []
    assert not (home / ".local").exists()


def test_the_default_data_dir_rule() -> None:
    assert default_data_dir({"HOME": "/home/ann"}) == Path("/home/ann/.local/share/awooop")
    assert default_data_dir({"HOME": "/home/ann", "XDG_DATA_HOME": "/srv/xdg"}) == Path("/srv/xdg/awooop")
    assert default_data_dir({"HOME": "/home/ann", "XDG_DATA_HOME": "relative"}) == Path("/home/ann/.local/share/awooop")
    systemd = {"HOME": "/", "XDG_DATA_HOME": "/x", "STATE_DIRECTORY": "/var/lib/awooop"}
    assert default_data_dir(systemd) == Path("/var/lib/awooop")


@pytest.fixture
async def blank_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A database with no schema at all, on the engine under test."""
    if BACKEND == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'blank' / 'awooop.db'}"
        return
    name = f"awooop_blank_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_database_without_the_schema_or_behind_it_is_refused_until_migrated(
    blank_database_url: str, tmp_path: Path
) -> None:
    env = clean_env(HOME=str(tmp_path), AWOOOP_DATABASE_URL=blank_database_url, AWOOOP_DATA_DIR=str(tmp_path / "d"))
    if BACKEND == "sqlite":  # an empty file: SQLite's idea of an empty database
        (tmp_path / "blank").mkdir()
        (tmp_path / "blank" / "awooop.db").touch()
    empty = awooop("projects", "list", env=env)
    assert empty.returncode == 2
    assert len(empty.stderr.strip().splitlines()) == 1
    assert "has no AwoooP schema" in empty.stderr
    assert "awooop migrate" in empty.stderr

    await migrate.upgrade_async(blank_database_url, "0001")
    behind = awooop("keys", "list", env=env)
    assert behind.returncode == 2
    assert len(behind.stderr.strip().splitlines()) == 1
    assert f"at schema 0001, this version needs {migrate.head_revision()}" in behind.stderr

    migrated = awooop("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    listed = awooop("projects", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "no projects (create one with 'awooop projects create P')"


def test_migrate_creates_a_private_data_dir_and_database_whatever_the_umask(tmp_path: Path) -> None:
    data = tmp_path / "srv" / "awooop"
    env = clean_env(HOME=str(tmp_path), AWOOOP_DATA_DIR=str(data))
    done = awooop("migrate", env=env, umask=0)
    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    assert mode(data / "awooop.db") == 0o600


async def test_sqlite_wal_and_shm_files_are_private_and_old_wide_files_are_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "data" / "awooop.db"
    path.parent.mkdir()
    path.touch()
    os.chmod(path, 0o644)  # as an older version left it
    url = f"sqlite+aiosqlite:///{path}"
    old = os.umask(0)
    try:
        await migrate.upgrade_async(url)
        db = Database.connect(url, pool_size=1)
        try:
            async with db.transaction() as session:
                await session.execute(text("CREATE TABLE probe (x INTEGER)"))
                await session.execute(text("INSERT INTO probe VALUES (1)"))
            companions = [Path(f"{path}-wal"), Path(f"{path}-shm")]
            assert all(p.exists() for p in companions)  # the connection is still open
            assert [mode(p) for p in (path, *companions)] == [0o600, 0o600, 0o600]
        finally:
            await db.dispose()
    finally:
        os.umask(old)


def test_first_and_later_starts_say_where_the_credentials_are(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = clean_env(HOME=str(tmp_path), AWOOOP_DATA_DIR=str(data), AWOOOP_RUN_WORKER="false")
    # `serve --port 0` would block: the announcement runs before uvicorn, so drive it through the
    # same code path `serve` uses, in a process that stops right after.
    script = (
        "import sys; from awooop.config import Settings; from awooop.cli import serve; "
        "s = Settings(); serve._migrate(s); serve._announce_bootstrap(s)"
    )
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    credentials = data / "bootstrap-credentials.txt"
    assert "admin key (shown once)" in first.stdout
    assert mode(credentials) == 0o600
    later = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert "shown once" not in later.stdout
    assert str(credentials) in later.stdout


async def test_worker_logs_start_each_batch_and_stop(
    database_url: str, clean_db: Database, factory: Factory, tmp_path: Path
) -> None:
    await factory.project("acme")
    await ingest(clean_db, "acme", [alert()])  # queues one notification; acme has no bot: skipped
    env = clean_env(
        HOME=str(tmp_path),
        AWOOOP_DATABASE_URL=database_url,
        AWOOOP_DATA_DIR=str(tmp_path),
        AWOOOP_WORKER_POLL_SECONDS="0.2",
    )
    process = subprocess.Popen([AWOOOP, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(600):
            async with clean_db.reader() as session:
                status = (await session.scalars(select(OutboxMessage.status))).one()
            if status == "skipped" or process.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert status == "skipped", output
    lines = output.splitlines()
    assert any("INFO" in line and "worker started" in line for line in lines), output
    assert any("INFO" in line and "notification batch: 1 claimed: 1 skipped" in line for line in lines), output
    assert any("INFO" in line and "worker stopped" in line for line in lines), output


def test_an_unreachable_postgresql_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://awooop:hunter2@127.0.0.1:{free_port()}/awooop"  # nothing listens there
    done = awooop("projects", "list", env=clean_env(HOME=str(tmp_path), AWOOOP_DATABASE_URL=url))
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: cannot open the database at postgresql+asyncpg://awooop:***@127.0.0.1:")
    assert "hunter2" not in done.stderr
