"""What a new user is told to do next: where to point Alertmanager, ready to paste."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PROJECT_PLACEHOLDER = "<project>"
TOKEN_PLACEHOLDER = "<intake token>"  # noqa: S105 - a placeholder shown to the user, not a secret


@dataclass(frozen=True, slots=True)
class IntakeSetup:
    project_id: str
    webhook_url: str
    auth_header: str
    alertmanager_yaml: str
    curl_heartbeat: str
    rotate_command: str


def pick_project(selected: str | None, available: Sequence[str]) -> str:
    if selected:
        return selected
    return available[0] if len(available) == 1 else PROJECT_PLACEHOLDER


def intake_setup(base_url: str, project_id: str) -> IntakeSetup:
    """Webhook URL, header and an alertmanager.yml receiver for ``project_id`` on this server."""
    root = base_url.rstrip("/")
    url = f"{root}/api/v1/hub/{project_id}/alertmanager"
    yaml = (
        "receivers:\n"
        "  - name: awooop\n"
        "    webhook_configs:\n"
        f"      - url: {url}\n"
        "        send_resolved: true\n"
        "        http_config:\n"
        "          authorization:\n"
        "            type: Bearer\n"
        f"            credentials: {TOKEN_PLACEHOLDER}\n"
        "\n"
        "route:\n"
        "  receiver: awooop\n"
    )
    curl = (
        f"curl -sS -X POST {root}/api/v1/platform/events/dossier/provider-heartbeat \\\n"
        "  -H 'X-AwoooP-Operator-Key: <operator key>' -H 'Content-Type: application/json' \\\n"
        f"""  -d '{{"project_id": "{project_id}", "providers": ["alertmanager"]}}'"""
    )
    return IntakeSetup(
        project_id=project_id,
        webhook_url=url,
        auth_header=f"Authorization: Bearer {TOKEN_PLACEHOLDER}",
        alertmanager_yaml=yaml,
        curl_heartbeat=curl,
        rotate_command=f"awooop projects rotate-token {project_id}",
    )
