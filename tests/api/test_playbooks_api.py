"""Playbooks: YAML in (API and CLI), validation that names the culprit, glob matching."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from awooop.cli import main
from awooop.runs.playbooks import PlaybookSpec, match_playbook, parse_playbooks
from tests.factories import Factory

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "playbooks.yaml"
URL = "/api/v1/platform/playbooks/acme"
YAML = {"Content-Type": "application/yaml"}


def _attrs(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "provider": "alertmanager",
        "alertname": "KubePodCrashLooping",
        "severity": "warning",
        "namespace": "payments",
        "target_resource": "checkout-api",
        "labels": {"namespace": "payments", "mountpoint": "/var/lib/docker"},
    }
    return base | overrides


def test_the_example_file_is_valid_and_matches_what_it_says() -> None:
    specs = parse_playbooks(EXAMPLE.read_bytes())
    assert [s.id for s in specs][:2] == ["restart-crashlooping-pod", "scale-out-checkout-latency"]
    assert _id(match_playbook(specs, _attrs())) == "restart-crashlooping-pod"
    assert _id(match_playbook(specs, _attrs(namespace="orders"))) is None
    signoz = _attrs(
        provider="signoz",
        alertname="Checkout p99 latency high",
        severity="critical",
        labels={"service.name": "checkout-api"},
    )
    assert _id(match_playbook(specs, signoz)) == "scale-out-checkout-latency"
    assert _id(match_playbook(specs, signoz | {"labels": {"service.name": "search-api"}})) is None
    assert (
        _id(match_playbook(specs, _attrs(provider="sentry", alertname="ZeroDivisionError"))) == "triage-sentry-issues"
    )


def _id(spec: PlaybookSpec | None) -> str | None:
    return spec.id if spec is not None else None


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("Kube*", "KubePodCrashLooping", True),
        ("kube*", "KubePodCrashLooping", False),  # case-sensitive
        ("*Crash?ooping", "KubePodCrashLooping", True),
        ("[KL]ube*", "LubeThing", True),
        ("*", None, True),  # a missing attribute matches only "*"
        ("?*", None, False),
    ],
)
def test_glob_patterns(pattern: str, value: str | None, matches: bool) -> None:
    specs = parse_playbooks(f"playbooks: [{{id: p, agent_id: a, action: x, match: {{alertname: '{pattern}'}}}}]")
    assert (match_playbook(specs, _attrs(alertname=value)) is not None) is matches


def test_first_match_wins_and_labels_must_all_match() -> None:
    specs = parse_playbooks(
        """
playbooks:
  - {id: both-labels, agent_id: a, action: x, match: {labels: {namespace: pay*, team: core}}}
  - {id: catch-all, agent_id: b, action: y}
"""
    )
    assert _id(match_playbook(specs, _attrs())) == "catch-all"
    assert _id(match_playbook(specs, _attrs(labels={"namespace": "payments", "team": "core"}))) == "both-labels"


async def test_put_replaces_the_set_and_get_lists_it_in_order(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    headers = await factory.operator_headers()
    response = await client.put(URL, content=EXAMPLE.read_bytes(), headers=headers | YAML)
    assert response.status_code == 200, response.text
    assert response.json()["playbooks"][0]["id"] == "restart-crashlooping-pod"
    smaller = "playbooks:\n  - {id: only-one, agent_id: bot, action: noop}\n"
    response = await client.put(URL, content=smaller, headers=headers | {"Content-Type": "text/plain"})
    assert response.status_code == 200
    listed = (await client.get(URL, headers=headers)).json()
    assert [p["id"] for p in listed["playbooks"]] == ["only-one"]
    assert listed["playbooks"][0] | {"match": None} == {
        "id": "only-one",
        "agent_id": "bot",
        "action": "noop",
        "requires_approval": False,
        "mode": "live",
        "description": None,
        "match": None,
    }
    assert listed["updated_at"] is not None


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            "playbooks:\n  - {id: ok, agent_id: a, action: x}\n"
            "  - {id: bad-one, agent_id: a, action: x, mode: turbo}\n",
            "playbooks[1] (id 'bad-one').mode",
            "'live' or 'shadow'",
        ),
        (
            "playbooks:\n  - {id: p1, agent_id: a, action: x, match: {severity: [critical]}}\n",
            "playbooks[0] (id 'p1').match.severity",
            "string",
        ),
        (
            "playbooks:\n  - {id: p1, agent_id: a, action: x, mach: {}}\n",
            "playbooks[0] (id 'p1').mach",
            "not permitted",
        ),
        ("playbooks:\n  - {id: p1, action: x}\n", "playbooks[0] (id 'p1').agent_id", "required"),
        (
            "playbooks:\n  - {id: dup, agent_id: a, action: x}\n  - {id: dup, agent_id: a, action: y}\n",
            "playbooks",
            "more than once",
        ),
        ("playbooks: [ {id: p1\n", "playbooks", "line 2"),
        ("- just a list\n", "playbooks", "mapping"),
    ],
)
async def test_invalid_yaml_is_refused_naming_the_playbook_and_field(
    client: httpx.AsyncClient, factory: Factory, body: str, field: str, words: str
) -> None:
    await factory.project("acme")
    headers = await factory.operator_headers()
    await client.put(URL, content="playbooks:\n  - {id: keep-me, agent_id: a, action: x}\n", headers=headers | YAML)
    response = await client.put(URL, content=body, headers=headers | YAML)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert words in response.json()["detail"]
    kept = (await client.get(URL, headers=headers)).json()["playbooks"]
    assert [p["id"] for p in kept] == ["keep-me"]  # a refused file changes nothing


async def test_put_needs_yaml_a_known_project_and_scope(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    headers = await factory.operator_headers()
    body = "playbooks: []\n"
    response = await client.put(
        URL, content=body, headers=headers | {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415
    assert "application/yaml" in response.json()["detail"]
    huge = "playbooks: []\n" + "#" * (256 * 1024) + "\n"
    response = await client.put(URL, content=huge, headers=headers | YAML)
    assert response.status_code == 413
    response = await client.put("/api/v1/platform/playbooks/ghost", content=body, headers=headers | YAML)
    assert response.status_code == 404
    assert "ghost" in response.json()["detail"]
    beta_only = await factory.operator_headers(projects_spec="beta")
    for method in ("GET", "PUT"):
        response = await client.request(method, URL, content=body, headers=beta_only | YAML)
        assert response.status_code == 403
        assert "acme" in response.json()["detail"]
    assert (await client.get(URL)).status_code == 401


async def test_cli_loads_a_file_and_refuses_a_broken_one(
    factory: Factory, database_url: str, tmp_path: Path, client: httpx.AsyncClient
) -> None:
    await factory.project("acme")
    env = {"AWOOOP_DATABASE_URL": database_url, "AWOOOP_DATA_DIR": str(tmp_path)}

    def cli(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main.app, ["playbooks", *args], env=env)
        return result.exit_code, result.output

    # The command runs its own event loop, so it runs in a thread beside the test's loop.
    code, out = await asyncio.to_thread(cli, "load", str(EXAMPLE), "--project", "acme")
    assert code == 0, out
    assert "loaded 5 playbook(s) into project acme" in out
    broken = tmp_path / "broken.yaml"
    broken.write_text("playbooks:\n  - {id: x, agent_id: a, action: b, mode: fast}\n")
    code, out = await asyncio.to_thread(cli, "load", str(broken), "--project", "acme")
    assert code == 1
    assert "playbooks[0] (id 'x').mode" in out
    code, out = await asyncio.to_thread(cli, "show", "--project", "acme")
    assert code == 0
    first = yaml.safe_load(out)["playbooks"][0]  # shown as the playbook YAML `load` reads back
    assert (first["id"], first["agent_id"], first["action"], first["mode"], first["requires_approval"]) == (
        "restart-crashlooping-pod",
        "k8s-remediator",
        "rollout-restart",
        "live",
        False,
    )
    headers = await factory.operator_headers()
    listed = (await client.get(URL, headers=headers)).json()["playbooks"]
    assert len(listed) == 5
