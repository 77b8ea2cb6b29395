"""The Telegram texts of monitor notifications: name, incident, last ping, duration; HTML escaped."""

from __future__ import annotations

from awooop.notify.messages import render


def test_expired_and_recovered_texts() -> None:
    payload = {
        "incident_id": "INC-000042",
        "monitor": "<nightly>",
        "title": "Heartbeat <nightly> missed: backup & restore silent",
        "severity": "critical",
        "owner_team": "ops_team",
        "interval_seconds": 3600,
        "grace_seconds": 300,
        "last_ping_at": "2026-08-20T02:00:00+00:00",
        "opened_at": "2026-08-20T03:05:01+00:00",
    }
    expired = render("monitor_expired", "acme", payload)
    assert expired.startswith("🔴 <b>Heartbeat &lt;nightly&gt; missed</b> · INC-000042 · acme")
    assert "backup &amp; restore silent" in expired
    assert "Last ping: 2026-08-20T02:00:00+00:00; expected every 3600s (+300s grace)." in expired
    assert "Owner team: ops_team" in expired
    recovered = render("monitor_recovered", "acme", {**payload, "resolved_at": "2026-08-20T03:17:01+00:00"})
    assert recovered.startswith("✅ <b>Heartbeat &lt;nightly&gt; recovered</b> after 12m 0s · INC-000042 · acme")
