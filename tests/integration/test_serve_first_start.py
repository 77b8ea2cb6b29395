"""`awooop serve` on an empty SQLite data dir, as `make run` does: a real process and HTTP server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve did not become ready within 60 s")


def test_first_serve_bootstraps_and_answers_with_the_printed_key(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWOOOP_")}
    env |= {"AWOOOP_DATA_DIR": str(tmp_path / "data"), "AWOOOP_RUN_WORKER": "false"}
    cli = [sys.executable, "-m", "awooop.cli.main", "serve", "--port", str(port)]
    process = subprocess.Popen(cli, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        creds = (tmp_path / "data" / "bootstrap-credentials.txt").read_text()
        admin_key = creds.split("AWOOOP_ADMIN_KEY=")[1].split()[0]
        whoami = httpx.get(f"{base}/api/v1/platform/whoami", headers={"X-AwoooP-Operator-Key": admin_key})
        assert whoami.status_code == 200
        assert whoami.json()["role"] == "admin"
        wrong = httpx.get(f"{base}/api/v1/platform/whoami", headers={"X-AwoooP-Operator-Key": admin_key + "x"})
        assert wrong.status_code == 401
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert "awooop_intake_rejections_total" in httpx.get(f"{base}/metrics").text
        assert (tmp_path / "data" / "awooop.db").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert admin_key in output  # printed once on first start
    assert "intake token (shown once)" in output
