"""`awooop serve` as a real process on a free 127.0.0.1 port, for tests that drive it from outside."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

READY_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any AWOOOP_* or data-dir variable, plus ``extra``."""
    dropped = ("AWOOOP_", "XDG_DATA_HOME", "STATE_DIRECTORY")
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)} | extra


@dataclass
class Served:
    base: str
    port: int
    process: subprocess.Popen[str]
    output: str = ""


def wait_ready(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve did not become ready within {READY_SECONDS} s")


@contextmanager
def serving(command: Sequence[str], env: Mapping[str, str], cwd: str | None = None) -> Iterator[Served]:
    """Start ``command serve --port P`` and wait for /readyz; stops it (SIGTERM) at the end."""
    port = free_port()
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        env=dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", port, process)
    try:
        wait_ready(served.base, process)
        yield served
    finally:
        process.terminate()
        try:
            served.output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            served.output, _ = process.communicate()
