"""The real ``amtool`` (Debian's prometheus-alertmanager) against a live AwoooP: add, query, expire."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import httpx
import pytest

from awooop.config import Settings
from tests.browser.live import live_server
from tests.factories import Factory

AMTOOL = shutil.which("amtool") or "/usr/bin/amtool"


async def _amtool(base: str, project: str, config: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        AMTOOL,
        f"--alertmanager.url={base}/api/v1/alertmanager/{project}",
        f"--http.config.file={config}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


@pytest.fixture
def http_config(tmp_path: Path) -> Path:
    return tmp_path / "amtool-http.yml"


async def test_amtool_adds_queries_and_expires_a_silence(
    settings: Settings, factory: Factory, http_config: Path
) -> None:
    await factory.project("acme")
    key = await factory.key(projects_spec="acme", operator_id="bob")
    http_config.write_text(f"authorization:\n  type: Bearer\n  credentials: {key}\n")
    with live_server(settings) as base:
        code, out, err = await _amtool(
            base,
            "acme",
            http_config,
            "silence",
            "add",
            "alertname=HighLatency",
            "team=~pay.*",
            "--comment=deploy 4.2",
            "--duration=2h",
        )
        assert code == 0, err
        silence_id = out.strip()
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}) as http:
            stored = (await http.get(f"/api/v1/platform/silences/{silence_id}")).json()
        assert stored["created_by"] == "bob"
        assert stored["matchers_text"] == 'alertname="HighLatency", team=~"pay.*"'
        assert stored["state"] == "active"

        code, out, err = await _amtool(base, "acme", http_config, "silence", "query", "-o", "json")
        assert code == 0, err
        (listed,) = json.loads(out)
        assert (listed["id"], listed["comment"], listed["status"]["state"]) == (silence_id, "deploy 4.2", "active")
        code, out, err = await _amtool(base, "acme", http_config, "silence", "query", "-q", "alertname=HighLatency")
        assert (code, out.split()) == (0, [silence_id]), err
        code, out, err = await _amtool(base, "acme", http_config, "silence", "query", "-q", "alertname=Other")
        assert (code, out.strip()) == (0, ""), err

        code, _, err = await _amtool(base, "acme", http_config, "silence", "expire", silence_id)
        assert code == 0, err
        code, out, err = await _amtool(base, "acme", http_config, "silence", "query", "-q")
        assert (code, out.strip()) == (0, ""), err  # amtool hides expired silences
        code, out, err = await _amtool(base, "acme", http_config, "silence", "query", "--expired", "-q")
        assert (code, out.split()) == (0, [silence_id]), err


async def test_amtool_is_refused_without_a_key_or_outside_its_projects(
    settings: Settings, factory: Factory, http_config: Path
) -> None:
    await factory.project("acme")
    await factory.project("other")
    key = await factory.key(projects_spec="other")
    http_config.write_text(f"authorization:\n  credentials: {key}\n")
    with live_server(settings) as base:
        code, _, _ = await _amtool(base, "acme", http_config, "silence", "add", "alertname=X", "--comment=x")
        assert code != 0
        async with httpx.AsyncClient(base_url=base) as http:
            anonymous = await http.get("/api/v1/alertmanager/acme/api/v2/silences")
            assert anonymous.status_code == 401
            foreign = await http.get(
                "/api/v1/alertmanager/acme/api/v2/silences", headers={"Authorization": f"Bearer {key}"}
            )
            assert foreign.status_code == 403
