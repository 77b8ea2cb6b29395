"""The demo week: recurring problems that end in every run state and every work-item status.

| group | source | ends as |
|---|---|---|
| checkout-api crash loop | Alertmanager | 3 episodes, last repair verified → verified_repair |
| order-worker crash loop | Alertmanager | every repair fails, still firing → failed_repair |
| node disk filling up | Alertmanager | run claimed, agent still working → running |
| checkout p99 latency | SigNoz | approved+verified, then rejected, now waiting → manual_gate |
| 5xx spike checkout/refund | Grafana | one approved but not yet claimed (queued), one waiting |
| replica lag, CPU throttling, nightly jobs, backups | Alertmanager, generic | no playbook → automation_gap |
| checkout exceptions | Sentry | shadow triage runs → open |
| on-call chat | Telegram | messages and an edit |
"""

from __future__ import annotations

from datetime import datetime, timedelta

from awooop.demo import payloads as p
from awooop.demo.steps import Claim, Decide, Heartbeat, Post, Report, Timed, WorkItemAction

PLAYBOOKS_YAML = """
playbooks:
  - id: restart-crashlooping-pod
    description: A pod in CrashLoopBackOff gets a rollout restart.
    match: {provider: alertmanager, alertname: KubePodCrashLooping}
    agent_id: k8s-remediator
    action: rollout-restart
  - id: scale-out-checkout-latency
    description: Checkout latency alerts scale the deployment, after a human says yes.
    match: {provider: signoz, alertname: "*latency*", severity: critical}
    agent_id: k8s-remediator
    action: scale-deployment
    requires_approval: true
  - id: rollback-error-spike
    match: {provider: grafana, alertname: HighErrorRate, severity: critical}
    agent_id: deploy-bot
    action: rollback-last-deploy
    requires_approval: true
  - id: prune-node-disk
    match: {alertname: NodeFilesystemSpaceFillingUp, labels: {mountpoint: "/var/lib/*"}}
    agent_id: node-janitor
    action: prune-images
  - id: triage-sentry-issues
    description: Shadow mode - the triage bot records what it would do; nothing is changed.
    match: {provider: sentry}
    agent_id: triage-bot
    action: summarize-issue
    mode: shadow
"""

CHECKOUT_FP = "b4b99d28110359b4"
ORDERS_FP = "7f3c9a2e5d1b4c60"
DISK_FP = "c0ffee11d15c0001"
LATENCY_FP = "b28af43a3c43d19c"
SPIKE_CHECKOUT_FP = "2cead062d8c0e36c"
SPIKE_REFUND_FP = "ac5dcaac1165854e"
SENTRY_ISSUE = "6123456789"


def key(fingerprint: str) -> str:
    return f"fp:{fingerprint}"


def _minutes(at: datetime, minutes: float) -> datetime:
    return at + timedelta(minutes=minutes)


def _crashloop(status: str, fp: str, *, ns: str, pod: str, starts: datetime, ends: datetime | None = None) -> Post:
    labels = {
        "alertname": "KubePodCrashLooping",
        "namespace": ns,
        "pod": pod,
        "container": "app",
        "severity": "warning",
    }
    alert = p.prometheus_alert(
        status=status,
        labels=labels,
        summary=f"Pod {ns}/{pod} is crash looping.",
        # Rule authors often template the last log line in; it leaks a credential the hub redacts.
        description=(
            f"Pod {ns}/{pod} restarted 5 times in 10 min. Last log: FATAL could not connect to "
            "postgres://orders_app:Demo-Pa55w0rd-7f3c@orders-db.payments.svc:5432/orders (timeout)"
        ),
        fingerprint=fp,
        starts_at=starts,
        ends_at=ends,
        runbook="https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping",
    )
    return Post("alertmanager", p.alertmanager([alert]))


def checkout_crashloop(now: datetime) -> list[Timed]:
    pod = "checkout-api-7d9f8b6c5-x2kqz"
    steps: list[Timed] = []
    k = key(CHECKOUT_FP)
    episodes = (
        (now - timedelta(days=6, hours=5), Report(k, "failed", "restart did not help: OOMKilled after 40 s", "failed")),
        (now - timedelta(days=4, hours=2), Report(k, "completed", "rollout restarted; 3/3 pods ready", "verified")),
    )
    for start, report in episodes:
        steps += [
            Timed(start, _crashloop("firing", CHECKOUT_FP, ns="payments", pod=pod, starts=start)),
            Timed(_minutes(start, 2), Claim("k8s-remediator", k)),
            Timed(_minutes(start, 9), report),
            Timed(
                _minutes(start, 41),
                _crashloop("resolved", CHECKOUT_FP, ns="payments", pod=pod, starts=start, ends=_minutes(start, 40)),
            ),
        ]
    last = now - timedelta(days=1, hours=7)
    firing = _crashloop("firing", CHECKOUT_FP, ns="payments", pod=pod, starts=last)
    return [
        *steps,
        Timed(last, firing),
        Timed(_minutes(last, 0.5), firing),  # the HA peer delivers the same notification: a duplicate
        Timed(_minutes(last, 2), Claim("k8s-remediator", k)),
        Timed(_minutes(last, 3), Report(k, "running", "memory limit raised to 768Mi; restarting")),
        Timed(
            _minutes(last, 9),
            _crashloop("resolved", CHECKOUT_FP, ns="payments", pod=pod, starts=last, ends=_minutes(last, 8)),
        ),
        Timed(_minutes(last, 11), Report(k, "completed", "pods stable for 10 min after restart", "verified")),
    ]


def orders_crashloop(now: datetime) -> list[Timed]:
    pod = "order-worker-5c8d7b9f4-qm2lp"
    k = key(ORDERS_FP)
    steps: list[Timed] = []
    starts = [now - timedelta(days=5, hours=3), now - timedelta(days=3, hours=6), now - timedelta(days=2, hours=1)]
    for start in starts:
        steps += [
            Timed(start, _crashloop("firing", ORDERS_FP, ns="orders", pod=pod, starts=start)),
            Timed(_minutes(start, 1), Claim("k8s-remediator", k)),
            Timed(_minutes(start, 7), Report(k, "failed", "restart loop: migration lock held", "failed")),
            Timed(
                _minutes(start, 55),
                _crashloop("resolved", ORDERS_FP, ns="orders", pod=pod, starts=start, ends=_minutes(start, 54)),
            ),
        ]
    last = now - timedelta(hours=5)
    return [
        *steps,
        Timed(last, _crashloop("firing", ORDERS_FP, ns="orders", pod=pod, starts=last)),
        Timed(_minutes(last, 1), Claim("k8s-remediator", k)),
        Timed(_minutes(last, 6), Report(k, "failed", "restart did not help; escalating to the orders team", "failed")),
    ]


def disk_filling(now: datetime) -> list[Timed]:
    start = now - timedelta(minutes=50)
    labels = {
        "alertname": "NodeFilesystemSpaceFillingUp",
        "instance": "ip-10-0-3-17.eu-west-1.compute.internal:9100",
        "mountpoint": "/var/lib/containerd",
        "namespace": "monitoring",
        "severity": "warning",
    }
    alert = p.prometheus_alert(
        status="firing",
        labels=labels,
        summary="Filesystem on /var/lib/containerd is predicted to run out of space within 24 hours.",
        fingerprint=DISK_FP,
        starts_at=start,
    )
    return [
        Timed(start, Post("alertmanager", p.alertmanager([alert]))),
        Timed(_minutes(start, 2), Claim("node-janitor", key(DISK_FP))),
        Timed(_minutes(start, 4), Report(key(DISK_FP), "running", "pruning unused images (41 found)")),
    ]


def _latency(status: str, start: datetime, ends: datetime | None = None) -> Post:
    labels = {
        "alertname": "Checkout p99 latency high",
        "service.name": "checkout-api",
        "deployment.environment": "production",
        "severity": "critical",
        "ruleId": "0198c2a4-7b1e-7d3a-9f1e-2b6c4d8e0a11",
    }
    alert = p.prometheus_alert(
        status=status,
        labels=labels,
        summary="The rule threshold is set to 2 s, and the observed metric value is 2.84 s",
        fingerprint=LATENCY_FP,
        starts_at=start,
        ends_at=ends,
        generator="https://signoz.demo.example/alerts/overview?ruleId=0198c2a4-7b1e-7d3a-9f1e-2b6c4d8e0a11",
    )
    return Post("signoz", p.signoz([alert]))


def checkout_latency(now: datetime) -> list[Timed]:
    k = key(LATENCY_FP)
    first, second, last = (
        now - timedelta(days=6, hours=1),
        now - timedelta(days=3, hours=4),
        now - timedelta(minutes=40),
    )
    return [
        Timed(first, _latency("firing", first)),
        Timed(_minutes(first, 4), Decide(k, "approve", "traffic is real; scale out")),
        Timed(_minutes(first, 5), Claim("k8s-remediator", k)),
        Timed(_minutes(first, 14), Report(k, "completed", "scaled 4 → 8 replicas; p99 1.1 s", "verified")),
        Timed(_minutes(first, 20), _latency("resolved", first, _minutes(first, 19))),
        Timed(second, _latency("firing", second)),
        Timed(_minutes(second, 7), Decide(k, "reject", "load test in progress; no action")),
        Timed(_minutes(second, 25), _latency("resolved", second, _minutes(second, 24))),
        Timed(last, _latency("firing", last)),
    ]


def _spike(status: str, service: str, fp: str, start: datetime) -> dict[str, object]:
    labels = {
        "alertname": "HighErrorRate",
        "grafana_folder": "Payments",
        "namespace": "payments",
        "service": service,
        "severity": "critical",
        "team": "payments",
    }
    return p.grafana_alert(
        status=status, labels=labels, summary=f"{service}: high 5xx error rate", fingerprint=fp, starts_at=start
    )


def error_spike(now: datetime) -> list[Timed]:
    start = now - timedelta(hours=20)
    both = [
        _spike("firing", "checkout-api", SPIKE_CHECKOUT_FP, start),
        _spike("firing", "refund-api", SPIKE_REFUND_FP, start),
    ]
    refund_ok = [_spike("resolved", "refund-api", SPIKE_REFUND_FP, start)]
    return [
        Timed(start, Post("grafana", p.grafana(both, title="[FIRING:2] HighErrorRate Payments"))),
        Timed(_minutes(start, 6), Decide(key(SPIKE_CHECKOUT_FP), "approve", "bad deploy 2026.8.19; roll back")),
        Timed(_minutes(start, 30), Post("grafana", p.grafana(refund_ok, title="[RESOLVED] HighErrorRate Payments"))),
    ]


def timeline(now: datetime) -> list[Timed]:
    """Every step of the demo week, in time order (ties keep their written order)."""
    from awooop.demo import background  # noqa: PLC0415 - the two halves of one timeline

    groups = (
        checkout_crashloop,
        orders_crashloop,
        disk_filling,
        checkout_latency,
        error_spike,
        background.automation_gaps,
        background.sentry_issues,
        background.oncall_chat,
    )
    steps = [step for build in groups for step in build(now)]
    steps += [
        Timed(now - timedelta(days=2), Post("alertmanager", p.alertmanager([]), wrong_token=True)),
        Timed(now - timedelta(minutes=3), Heartbeat()),
        Timed(now - timedelta(minutes=2), WorkItemAction(key(ORDERS_FP), "dry-run")),
        Timed(now - timedelta(minutes=1), WorkItemAction(key(ORDERS_FP), "handoff")),
    ]
    ordered = [Timed(t.at, t.step, index) for index, t in enumerate(steps)]
    return sorted(ordered, key=lambda t: (t.at, t.order))
