"""`awooop serve --workers 2`: /metrics sums every worker's counters (prometheus_client
multiprocess mode), whichever worker answers the scrape. A real process on a free port."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.integration.test_serve_first_start import _free_port, _wait_ready

TOKEN = "tok_" + "w" * 40
SAMPLE = re.compile(
    r'^awooop_intake_events_total\{duplicate="false",project_id="default",provider="generic"\} (\S+)$', re.M
)


def _fresh_client() -> httpx.Client:
    """No keep-alive: every request opens a new connection, which either worker may accept."""
    return httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=10)


def _stored(base: str) -> float:
    with _fresh_client() as http:
        response = http.get(f"{base}/metrics")
    assert response.status_code == 200
    found = SAMPLE.search(response.text)
    return float(found.group(1)) if found else 0.0


def _pids_with_counters(directory: Path) -> set[str]:
    return {name.stem.rsplit("_", 1)[1] for name in directory.glob("counter_*.db")}


def test_metrics_of_two_workers_add_up(tmp_path: Path) -> None:
    port = _free_port()
    data = tmp_path / "data"
    stale = data / "prometheus-multiproc"
    stale.mkdir(parents=True)
    (stale / "counter_999999.db").write_bytes(b"left over by an earlier run")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWOOOP_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {"AWOOOP_DATA_DIR": str(data), "AWOOOP_RUN_WORKER": "false", "AWOOOP_BOOTSTRAP_INTAKE_TOKEN": TOKEN}
    cli = [sys.executable, "-m", "awooop.cli.main", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(cli, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    sent = 0
    try:
        _wait_ready(base, process)
        assert not (stale / "counter_999999.db").exists()  # emptied at start
        # Deliver until both workers have stored events (each writes its own counter file).
        deadline = time.monotonic() + 60
        while len(_pids_with_counters(stale)) < 2 and time.monotonic() < deadline:
            with _fresh_client() as http:
                body = {"event_id": f"w-{sent}", "title": "Disk almost full", "status": "firing"}
                response = http.post(
                    f"{base}/api/v1/hub/default/generic", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
                )
            assert response.status_code == 202, response.text
            sent += 1
        assert len(_pids_with_counters(stale)) == 2, "the deliveries never reached the second worker"
        # Every scrape, whichever worker answers it, counts every worker's events.
        assert [_stored(base) for _ in range(8)] == [float(sent)] * 8
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"metrics of 2 workers are combined through {stale}" in output
