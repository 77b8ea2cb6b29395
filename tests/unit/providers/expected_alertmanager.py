"""Expected items of the Alertmanager, SigNoz and Grafana samples (see test_samples.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

AM_EXT = "http://alertmanager.monitoring.svc:9093"
GEN_CRASHLOOP = (
    "http://prometheus-k8s-0:9090/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting_reason"
    "%7Breason%3D%22CrashLoopBackOff%22%2Cjob%3D%22kube-state-metrics%22%7D%5B5m%5D%29+%3E%3D+1&g0.tab=1"
)
SILENCE_CRASHLOOP = (
    AM_EXT + "/#/silences/new?filter=%7Balertname%3D%22KubePodCrashLooping%22%2C%20cluster%3D%22prod-eu-1%22"
    "%2C%20container%3D%22api%22%2C%20job%3D%22kube-state-metrics%22%2C%20namespace%3D%22payments%22"
    "%2C%20pod%3D%22checkout-api-7d9f8b6c5-x2kqz%22%2C%20reason%3D%22CrashLoopBackOff%22"
    "%2C%20severity%3D%22warning%22%7D"
)
RUNBOOK_CRASHLOOP = "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping"
GEN_ERROR_RATE = (
    "http://prometheus-k8s-0:9090/graph?g0.expr=sum+by%28service%29%28rate%28http_requests_total"
    "%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29+%2F+sum+by%28service%29%28rate%28http_requests_total%5B5m%5D"
    "%29%29+%3E+0.05&g0.tab=1"
)
SIGNOZ_RULE = "https://signoz.example.com/alerts/overview?ruleId=0198c2a4-7b1e-7d3a-9f1e-2b6c4d8e0a11"
GRAFANA_RULE = "https://grafana.example.com/alerting/grafana/be8rk2q9xw3k0a/view?orgId=1"
GRAFANA_DASH = "https://grafana.example.com/d/checkout-slo?from=1787217160000&orgId=1&to=1787221380000"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
REQUEST = "req_01J5Z8Q4T7K2M9XG3N6B1C0D4E"


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def target_down(fingerprint: str, starts: str, status: str, ip: str, *, provider_ts: str) -> dict[str, Any]:
    return {
        "provider_event_id": f"{fingerprint}:{starts}:{status}",
        "stage": status,
        "alertname": "TargetDown",
        "severity": "critical",
        "namespace": "monitoring",
        "target_resource": f"{ip}:9100",
        "fingerprint": fingerprint,
        "provider_ts": ts(provider_ts),
        "log_correlation": {"host": ip},
        "source_ref_count": 4,
        "recurrence_key": f"fp:{fingerprint}",
    }


CRASHLOOP: dict[str, Any] = {
    "stage": "firing",
    "alertname": "KubePodCrashLooping",
    "severity": "warning",
    "namespace": "payments",
    "target_resource": "checkout-api-7d9f8b6c5-x2kqz",
    "fingerprint": "b4b99d28110359b4",
    "source_url": GEN_CRASHLOOP,
    "source_refs": {
        "alert": {
            "generator_url": GEN_CRASHLOOP,
            "external_url": AM_EXT,
            "silence_url": SILENCE_CRASHLOOP,
            "runbook_url": RUNBOOK_CRASHLOOP,
        }
    },
    "source_ref_count": 4,
    "log_correlation": {"pod": "checkout-api-7d9f8b6c5-x2kqz", "container": "api"},
    "channel_type": "alert",
    "channel_chat_id": None,
    "content_preview": (
        "[firing] KubePodCrashLooping warning payments/checkout-api-7d9f8b6c5-x2kqz: Pod is crash looping."
    ),
}
SIGNOZ: dict[str, Any] = {
    "alertname": "Checkout p99 latency high",
    "severity": "critical",
    "namespace": "production",
    "target_resource": "checkout-api",
    "fingerprint": "b28af43a3c43d19c",
    "source_url": SIGNOZ_RULE,
    "source_ref_count": 5,
    "log_correlation": {"service": "checkout-api"},
}


def grafana_item(fingerprint: str, service: str) -> dict[str, Any]:
    return {
        "provider_event_id": f"{fingerprint}:2026-08-20T10:12:40Z:firing",
        "stage": "firing",
        "alertname": "HighErrorRate",
        "severity": "critical",
        "namespace": "payments",
        "target_resource": service,
        "fingerprint": fingerprint,
        "source_url": GRAFANA_RULE,
        "provider_ts": ts("2026-08-20T10:12:40+00:00"),
        "source_refs": {
            "alert": {
                "generator_url": GRAFANA_RULE,
                "external_url": "https://grafana.example.com/",
                "silence_url": "https://grafana.example.com/alerting/silence/new?alertmanager=grafana"
                "&matcher=__alert_rule_uid__%3Dbe8rk2q9xw3k0a&matcher=namespace%3Dpayments"
                f"&matcher=service%3D{service}&matcher=severity%3Dcritical&matcher=team%3Dpayments&orgId=1",
                "dashboard_url": GRAFANA_DASH,
                "panel_url": GRAFANA_DASH + "&viewPanel=12",
                "runbook_url": "https://runbooks.example.com/payments/high-error-rate",
                "rule_uid": "be8rk2q9xw3k0a",
            }
        },
        "source_ref_count": 7,
        "log_correlation": {"service": service},
    }


EXPECTED_AM_FAMILY: dict[str, list[dict[str, Any]]] = {
    "alertmanager_firing_single": [
        {
            **CRASHLOOP,
            "provider_event_id": "b4b99d28110359b4:2026-08-20T09:41:07.318476211Z:firing",
            "provider_ts": ts("2026-08-20T09:41:07.318476+00:00"),
        }
    ],
    "alertmanager_resolved": [
        {
            **CRASHLOOP,
            "provider_event_id": "b4b99d28110359b4:2026-08-20T09:41:07.318476211Z:resolved",
            "stage": "resolved",
            "provider_ts": ts("2026-08-20T10:03:37.318476+00:00"),  # endsAt
            "content_preview": CRASHLOOP["content_preview"].replace("[firing]", "[resolved]"),
        }
    ],
    "alertmanager_firing_trace_annotations": [
        {
            "provider_event_id": "3859e6f8ec935266:2026-08-20T10:15:52.702Z:firing",
            "stage": "firing",
            "alertname": "CheckoutHighErrorRate",
            "severity": "critical",
            "namespace": "payments",
            "target_resource": "checkout-api",
            "fingerprint": "3859e6f8ec935266",
            "provider_ts": ts("2026-08-20T10:15:52.702+00:00"),
            "source_url": GEN_ERROR_RATE,
            "source_ref_keys": {
                "alert.generator_url",
                "alert.external_url",
                "alert.silence_url",
                "alert.dashboard_url",
                "alert.trace_url",
            },
            "source_ref_count": 5,
            "log_correlation": {
                "trace_id": TRACE,
                "span_id": "00f067aa0ba902b7",
                "request_id": REQUEST,
                "service": "checkout-api",
            },
            "summary": "checkout-api 5xx ratio > 5% (currently 7.31%)",
        }
    ],
    "alertmanager_group_mixed_5": [
        target_down(
            "e4f09956d1a08ce6",
            "2026-08-20T11:02:37.04912Z",
            "firing",
            "10.42.1.17",
            provider_ts="2026-08-20T11:02:37.04912Z",
        ),
        # +02:00 offsets: provider_event_id keeps the text as sent, provider_ts is normalised to UTC.
        target_down(
            "165b48c5bbe28de1",
            "2026-08-20T13:02:37.04912+02:00",
            "firing",
            "10.42.1.18",
            provider_ts="2026-08-20T11:02:37.04912Z",
        ),
        target_down(
            "6ab66cfcf32c91c3",
            "2026-08-20T11:04:07.05511Z",
            "firing",
            "10.42.2.31",
            provider_ts="2026-08-20T11:04:07.05511Z",
        ),
        target_down(
            "3942c9df51195967",
            "2026-08-20T10:31:07.01844Z",
            "resolved",
            "10.42.3.9",
            provider_ts="2026-08-20T11:06:22.51Z",
        ),
        target_down(
            "26807b1832a80dcf",
            "2026-08-20T12:31:07.01844+02:00",
            "resolved",
            "10.42.3.10",
            provider_ts="2026-08-20T11:06:22.51Z",
        ),
    ],
    "alertmanager_truncated_max_alerts": [
        {
            "provider_event_id": f"{fp}:2026-08-20T08:0{minute}:12.5Z:firing",
            "alertname": "KubeContainerOOMKilled",
            "severity": "warning",
            "namespace": "batch",
            "target_resource": pod,
            "fingerprint": fp,
            "source_ref_keys": {"alert.generator_url", "alert.external_url", "alert.silence_url"},
            "log_correlation": {"pod": pod},
        }
        for minute, pod, fp in ((0, "worker-0", "9b31f9f84882a928"), (1, "worker-1", "3aa24980423df35b"))
    ],
    "signoz_firing": [
        {
            **SIGNOZ,
            "provider_event_id": "b28af43a3c43d19c:2026-08-20T10:05:00.412Z:firing",
            "stage": "firing",
            "provider_ts": ts("2026-08-20T10:05:00.412+00:00"),
            "source_ref_keys": {
                "alert.generator_url",
                "alert.external_url",
                "signoz.rule_id",
                "signoz.rule_url",
                "signoz.trace_url",
            },
        }
    ],
    "signoz_resolved": [
        {
            **SIGNOZ,
            "provider_event_id": "b28af43a3c43d19c:2026-08-20T10:05:00.412Z:resolved",
            "stage": "resolved",
            "provider_ts": ts("2026-08-20T10:35:00.377+00:00"),
        }
    ],
    "grafana_firing_two_alerts": [
        grafana_item("2cead062d8c0e36c", "checkout-api"),
        grafana_item("ac5dcaac1165854e", "refund-api"),
    ],
}
