"""The README's `<!-- example: live -->` blocks, run as written (bash, from a directory laid out
like a checkout after `make run`) against a live `awooop serve`: they cannot rot unnoticed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.serve_process import clean_env, serving

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
MARKER = "<!-- example: live -->"
BLOCK = re.compile(re.escape(MARKER) + r"\s*```bash\n(.*?)```", re.DOTALL)
PRINTS = re.compile(r"^# prints: (.*?)…?$", re.MULTILINE)
README_PORT = "127.0.0.1:8080"


def live_blocks() -> list[str]:
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 2, "the README lost its live examples"
    return blocks


def checkout_like(tmp_path: Path) -> Path:
    """What the examples expect in the working directory: examples/, .venv/ and data/ (served)."""
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "examples").symlink_to(REPO / "examples")
    (work / ".venv").symlink_to(Path(sys.prefix))
    return work


def test_readme_examples_run_as_written_against_a_live_server(tmp_path: Path) -> None:
    work = checkout_like(tmp_path)
    env = clean_env(AWOOOP_DATA_DIR=str(work / "data"), AWOOOP_RUN_WORKER="false", HOME=str(tmp_path))
    command = [sys.executable, "-m", "awooop.cli.main"]
    with serving(command, env, cwd=str(work)) as served:
        for block in live_blocks():
            script = block.replace(README_PORT, f"127.0.0.1:{served.port}")
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                cwd=work,
                env=clean_env(HOME=str(tmp_path)),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, f"README example failed:\n{block}\n{done.stdout}\n{done.stderr}"
            for expected in PRINTS.findall(block):
                assert expected in done.stdout, f"{expected!r} not in the output of:\n{block}\n{done.stdout}"


@pytest.mark.parametrize("name", ["alertmanager-firing.json", "playbooks.yaml"])
def test_every_example_file_the_readme_names_exists(name: str) -> None:
    assert f"examples/{name}" in README.read_text(encoding="utf-8")
    assert (REPO / "examples" / name).is_file()


def test_the_packaged_example_playbooks_are_the_repository_ones() -> None:
    packaged = REPO / "src" / "awooop" / "examples" / "playbooks.yaml"
    assert packaged.read_bytes() == (REPO / "examples" / "playbooks.yaml").read_bytes()
