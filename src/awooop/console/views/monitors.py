"""The Monitors page as plain data (pure): per monitor its state, last ping, ping URL, curl and cron lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from awooop.monitors.schemas import MonitorRead

STATE_BADGE = {"new": "neutral", "up": "ok", "expired": "bad", "paused": "warn"}
TOKEN_PLACEHOLDER = "$AWOOOP_INTAKE_TOKEN"  # noqa: S105 - a shell variable name, not a secret


@dataclass(frozen=True, slots=True)
class MonitorCard:
    monitor: MonitorRead
    dom_id: str
    badge: str
    ping_url: str
    curl: str
    cron: str


def _cron_schedule(interval_seconds: int) -> str:
    """A crontab schedule at (about) the monitor's interval: minutes, hours, else daily."""
    minutes = max(1, interval_seconds // 60)
    if minutes < 60:
        return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    hours = minutes // 60
    if hours < 24:
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    return "0 0 * * *"


def monitor_card(monitor: MonitorRead, base_url: str) -> MonitorCard:
    url = base_url.rstrip("/") + monitor.ping_path
    curl = f'curl -fsS -m 10 --retry 3 -H "Authorization: Bearer {TOKEN_PLACEHOLDER}" {url}'
    cron = f"{_cron_schedule(monitor.interval_seconds)} /path/to/job && {curl}"
    dom_id = "monitor-" + "".join(c if c.isalnum() else "-" for c in f"{monitor.project_id}-{monitor.name}")
    return MonitorCard(monitor, dom_id, STATE_BADGE.get(monitor.state, "neutral"), url, curl, cron)


def monitor_cards(monitors: Sequence[MonitorRead], base_url: str) -> list[MonitorCard]:
    return [monitor_card(m, base_url) for m in monitors]
