"""The rest of the demo week: recurring alerts with no playbook, Sentry issues, on-call chat."""

from __future__ import annotations

from datetime import datetime, timedelta

from awooop.demo import payloads as p
from awooop.demo.steps import Claim, Post, Report, Timed

SENTRY_TIMEOUT_ISSUE = "6123456789"
SENTRY_KEYERROR_ISSUE = "6123457001"


def _flapping(
    name: str, *, fp: str, labels: dict[str, str], summary: str, starts: list[datetime], minutes: int
) -> list[Timed]:
    steps: list[Timed] = []
    for start in starts:
        ends = start + timedelta(minutes=minutes)
        for status, at in (("firing", start), ("resolved", ends)):
            alert = p.prometheus_alert(
                status=status,
                labels={"alertname": name, **labels},
                summary=summary,
                fingerprint=fp,
                starts_at=start,
                ends_at=ends if status == "resolved" else None,
            )
            steps.append(Timed(at, Post("alertmanager", p.alertmanager([alert]))))
    return steps


def automation_gaps(now: datetime) -> list[Timed]:
    week = [now - timedelta(days=7) + timedelta(hours=h) for h in range(6, 7 * 24, 36)]
    throttling = [now - timedelta(days=7) + timedelta(hours=h) for h in range(3, 7 * 24 - 2, 8)]
    nightly = [(now - timedelta(days=d)).replace(hour=2, minute=5, second=0, microsecond=0) for d in range(7, 0, -1)]
    steps = [
        *_flapping(
            "PostgresReplicationLag",
            fp="9a1d3e5f7b2c4d6e",
            labels={"namespace": "db", "pod": "postgres-replica-1", "severity": "warning"},
            summary="Replica postgres-replica-1 is 94 s behind the primary.",
            starts=week,
            minutes=25,
        ),
        *_flapping(
            "CPUThrottlingHigh",
            fp="41d2c7a9e3b5f601",
            labels={"namespace": "search", "pod": "search-api-6f7d8c9b5-7xk2p", "container": "api", "severity": "info"},
            summary="38% throttling of CPU in namespace search for container api.",
            starts=throttling,
            minutes=12,
        ),
        *_flapping(  # still firing: Alertmanager delivered minutes ago, so it shows as fresh
            "CPUThrottlingHigh",
            fp="41d2c7a9e3b5f601",
            labels={"namespace": "search", "pod": "search-api-6f7d8c9b5-7xk2p", "container": "api", "severity": "info"},
            summary="41% throttling of CPU in namespace search for container api.",
            starts=[now - timedelta(minutes=6)],
            minutes=0,
        )[:1],
        *_flapping(
            "KubeJobFailed",
            fp="5e6f7a8b9c0d1e2f",
            labels={"namespace": "batch", "job_name": "nightly-report", "severity": "warning"},
            summary="Job batch/nightly-report failed to complete.",
            starts=[n for n in nightly if n < now],
            minutes=40,
        ),
    ]
    for days, resolves in ((4, True), (1, False)):
        night = (now - timedelta(days=days)).replace(hour=1, minute=30, second=0, microsecond=0)
        steps.append(Timed(night, _backup("firing", night)))
        if resolves:
            steps.append(Timed(night + timedelta(hours=2), _backup("resolved", night + timedelta(hours=2))))
    return steps


def _backup(status: str, at: datetime) -> Post:
    body = p.generic(
        event_id=f"backup-{at:%Y%m%dT%H%M}-{status}",
        status=status,
        title="BackupJobFailed",
        fingerprint="backup-nightly-db",
        at=at,
        namespace="db",
        target_resource="pg-backup",
        severity="error",
        summary="pg_dump exited 1: could not connect to the primary",
    )
    return Post("generic", body)


def _issue(action: str, issue_id: str, title: str, *, first_seen: datetime, last_seen: datetime) -> Post:
    body = p.sentry_issue(action, issue_id, title, first_seen=first_seen, last_seen=last_seen)
    return Post("sentry", body, "issue")


def _triage(at: datetime, issue_id: str, note: str) -> list[Timed]:
    k = f"fp:{issue_id}"
    return [
        Timed(at + timedelta(minutes=1), Claim("triage-bot", k)),
        Timed(at + timedelta(minutes=2), Report(k, "completed", note)),
    ]


def sentry_issues(now: datetime) -> list[Timed]:
    title = "QueryCanceled: canceling statement due to statement timeout"
    created = now - timedelta(days=5, hours=2)
    steps = [
        Timed(created, _issue("created", SENTRY_TIMEOUT_ISSUE, title, first_seen=created, last_seen=created)),
        *_triage(created, SENTRY_TIMEOUT_ISSUE, "would add an index on payments(reservation_id)"),
    ]
    for n, ago in enumerate((timedelta(days=4, hours=6), timedelta(days=2, hours=9), timedelta(minutes=9))):
        at = now - ago
        event_id = f"9c3d1f0e7a5b4c2d8e6f1a0b3c5d7e{n:02d}"
        trace_id = f"4bf92f3577b34da6a3ce929d0e0e47{n:02d}"
        body = p.sentry_event_alert(event_id, SENTRY_TIMEOUT_ISSUE, title, at=at, trace_id=trace_id)
        steps += [Timed(at, Post("sentry", body, "event_alert")), *_triage(at, SENTRY_TIMEOUT_ISSUE, "same root cause")]
    key_error = "KeyError: 'currency'"
    opened, closed = now - timedelta(days=2, hours=3), now - timedelta(days=1, hours=20)
    return [
        *steps,
        Timed(opened, _issue("created", SENTRY_KEYERROR_ISSUE, key_error, first_seen=opened, last_seen=opened)),
        *_triage(opened, SENTRY_KEYERROR_ISSUE, "would default currency to EUR for legacy carts"),
        Timed(closed, _issue("resolved", SENTRY_KEYERROR_ISSUE, key_error, first_seen=opened, last_seen=closed)),
    ]


def oncall_chat(now: datetime) -> list[Timed]:
    lines = [
        (timedelta(days=6, hours=4, minutes=55), "/ack checkout-api crash loop, looking"),
        (timedelta(days=6, hours=4, minutes=45), "restart did not help, OOMKilled. Raising the memory limit"),
        (timedelta(days=3, hours=3, minutes=55), "latency alert is the load test, rejected the scale-out"),
        (timedelta(days=2, minutes=40), "who owns order-worker? it keeps crash looping after every restart"),
        (timedelta(minutes=45), "disk cleanup on ip-10-0-3-17 is running"),
    ]
    steps = [
        Timed(now - ago, Post("telegram", p.telegram_message(874512300 + n, 4400 + n, text, at=now - ago)))
        for n, (ago, text) in enumerate(lines)
    ]
    edited_at = now - timedelta(days=2, minutes=35)
    edit = "who owns order-worker? it keeps crash looping after every restart (cc @orders-oncall)"
    steps.append(
        Timed(edited_at, Post("telegram", p.telegram_message(874512399, 4403, edit, at=edited_at, edited=True)))
    )
    return steps
