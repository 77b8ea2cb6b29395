"""Telegram texts for outbox messages (pure). HTML parse mode: every value is escaped."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

TELEGRAM_TEXT_LIMIT = 4096
PREVIEW_LIMIT = 500
TITLE_LIMIT = 300  # escaping can grow text up to 6x; these caps keep every message under 4096
SEVERITY_ICON = {"critical": "🔴", "error": "🟠", "warning": "🟡", "info": "🔵"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _duration(opened: str | None, resolved: str | None) -> str | None:
    if not opened or not resolved:
        return None
    seconds = int((datetime.fromisoformat(resolved) - datetime.fromisoformat(opened)).total_seconds())
    if seconds < 0:
        return None
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{hours}h {minutes}m" if hours else f"{minutes}m {rest % 60}s"


def _clip(value: Any, limit: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(payload: dict[str, Any]) -> str:
    return f"<b>{_e(_clip(payload.get('title'), TITLE_LIMIT))}</b>"


def _preview(payload: dict[str, Any]) -> list[str]:
    preview = payload.get("preview")
    return [_e(_clip(preview, PREVIEW_LIMIT))] if preview else []


def _source(payload: dict[str, Any]) -> list[str]:
    url = payload.get("source_url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return [f'<a href="{_e(url)}">source</a>']
    return []


def incident_opened(project_id: str, p: dict[str, Any]) -> str:
    icon = SEVERITY_ICON.get(str(p.get("severity")), "⚪")
    lines = [
        f"{icon} <b>{_e(p.get('incident_id'))} opened</b> · {_e(p.get('severity') or 'unknown')} · {_e(project_id)}",
        _title(p),
        *_preview(p),
    ]
    run = p.get("run")
    if isinstance(run, dict):
        lines.append(
            f"Run <code>{_e(run.get('id'))}</code>: {_e(run.get('action'))} by {_e(run.get('agent_id'))}"
            f" (playbook {_e(run.get('playbook_id'))}, {_e(run.get('state'))})"
        )
    else:
        lines.append("No playbook matched: nothing will run automatically.")
    return _fit("\n".join([*lines, *_source(p)]))


def approval_wait(project_id: str, p: dict[str, Any]) -> str:
    lines = [
        f"⏸ <b>Approval needed</b> · {_e(project_id)} · {_e(p.get('incident_id'))}",
        _title(p),
        f"Playbook {_e(p.get('playbook_id'))} wants agent {_e(p.get('agent_id'))} to run"
        f" <b>{_e(p.get('action'))}</b> ({_e(p.get('mode'))}).",
        *_preview(p),
        f"Run <code>{_e(p.get('run_id'))}</code>: approve or reject it in the console or with"
        f" POST /api/v1/platform/runs/{_e(p.get('run_id'))}/approve",
    ]
    return _fit("\n".join([*lines, *_source(p)]))


def incident_resolved(project_id: str, p: dict[str, Any]) -> str:
    took = _duration(p.get("opened_at"), p.get("resolved_at"))
    after = f" after {took}" if took else ""
    return _fit(f"✅ <b>{_e(p.get('incident_id'))} resolved</b>{after} · {_e(project_id)}\n{_title(p)}")


def monitor_expired(project_id: str, p: dict[str, Any]) -> str:
    icon = SEVERITY_ICON.get(str(p.get("severity")), "⚪")
    lines = [
        f"{icon} <b>Heartbeat {_e(p.get('monitor'))} missed</b> · {_e(p.get('incident_id'))} · {_e(project_id)}",
        _title(p),
        f"Last ping: {_e(p.get('last_ping_at') or 'never')}; expected every {_e(p.get('interval_seconds'))}s"
        f" (+{_e(p.get('grace_seconds'))}s grace).",
    ]
    if p.get("owner_team"):
        lines.append(f"Owner team: {_e(p.get('owner_team'))}")
    return _fit("\n".join(lines))


def monitor_recovered(project_id: str, p: dict[str, Any]) -> str:
    took = _duration(p.get("opened_at"), p.get("resolved_at"))
    after = f" after {took}" if took else ""
    return _fit(
        f"✅ <b>Heartbeat {_e(p.get('monitor'))} recovered</b>{after} · {_e(p.get('incident_id'))}"
        f" · {_e(project_id)}\n{_title(p)}"
    )


RENDERERS = {
    "incident_opened": incident_opened,
    "approval_wait": approval_wait,
    "incident_resolved": incident_resolved,
    "monitor_expired": monitor_expired,
    "monitor_recovered": monitor_recovered,
}


def render(kind: str, project_id: str, payload: dict[str, Any]) -> str:
    renderer = RENDERERS.get(kind)
    if renderer is None:
        raise ValueError(f"no renderer for notification kind {kind!r}")
    return renderer(project_id, payload)


def _fit(text: str) -> str:
    # Only a safety net: cutting HTML could break a tag, so the parts are capped before escaping.
    return text if len(text) <= TELEGRAM_TEXT_LIMIT else text[: TELEGRAM_TEXT_LIMIT - 1] + "…"
