"""Expected items of the Sentry and Telegram samples (see test_samples.py)."""

from __future__ import annotations

from typing import Any

from tests.unit.providers.expected_alertmanager import REQUEST, TRACE, ts

SENTRY_EVENT_WEB = "https://sentry.io/organizations/acme/issues/6123456789/events/9c3d1f0e7a5b4c2d8e6f1a0b3c5d7e9f/"
SENTRY_METRIC_WEB = (
    "https://acme.sentry.io/alerts/rules/details/4821/?alert=371&referrer=metric_alert_sentry_app"
    "&detection_type=static&notification_uuid=e3b5c1d2-8f4a-4c6e-9a0b-7d1f2e3c4b5a"
)
SENTRY_CORRELATION = {
    "trace_id": TRACE,
    "span_id": "00f067aa0ba902b7",  # contexts.trace wins over the traceparent header's parent span
    "request_id": REQUEST,
    "host": "checkout-api-7d9f8b6c5-x2kqz",
}


EXPECTED_SENTRY_TELEGRAM: dict[str, list[dict[str, Any]]] = {
    "sentry_issue_created": [
        {
            "provider_event_id": "issue:6123456789:created",
            "stage": "firing",
            "alertname": "QueryCanceled",
            "severity": "error",
            "namespace": None,
            "target_resource": "checkout-api",
            "fingerprint": "6123456789",
            "provider_ts": ts("2026-08-20T10:02:09.481+00:00"),
            "source_url": "https://sentry.io/organizations/acme/issues/6123456789/",
            "source_refs": {
                "sentry": {
                    "issue_id": "6123456789",
                    "issue_url": "https://sentry.io/organizations/acme/issues/6123456789/",
                    "project_slug": "checkout-api",
                }
            },
            "source_ref_count": 3,
            "log_correlation": {},
            "content_preview": (
                "[firing] QueryCanceled error checkout-api: canceling statement due to statement timeout"
            ),
        }
    ],
    "sentry_issue_resolved": [
        {
            # Transitions carry lastSeen so a resolve after a regression is not a duplicate.
            "provider_event_id": "issue:6123456789:resolved:2026-08-20T10:41:55.120000Z",
            "stage": "resolved",
            "fingerprint": "6123456789",
            "provider_ts": None,
            "source_url": None,  # Sentry sends web_url on issue.created only
            "source_refs": {"sentry": {"issue_id": "6123456789", "project_slug": "checkout-api"}},
            "source_ref_count": 2,
            "recurrence_key": "fp:6123456789",
        }
    ],
    "sentry_event_alert": [
        {
            "provider_event_id": "9c3d1f0e7a5b4c2d8e6f1a0b3c5d7e9f",
            "stage": "firing",
            "alertname": "QueryCanceled",
            "severity": "error",
            "namespace": "production",
            "target_resource": "checkout-api",
            "fingerprint": "6123456789",
            "provider_ts": ts("2026-08-20T10:02:09.481273+00:00"),
            "source_url": SENTRY_EVENT_WEB,
            "source_refs": {
                "sentry": {
                    "issue_id": "6123456789",
                    "issue_url": "https://sentry.io/organizations/acme/issues/6123456789/",
                    "event_id": "9c3d1f0e7a5b4c2d8e6f1a0b3c5d7e9f",
                    "project_slug": "checkout-api",
                }
            },
            "source_ref_count": 4,
            "log_correlation": SENTRY_CORRELATION,
            "labels_include": {"rule": "Checkout errors \u2192 alert-intake", "transaction": "POST /api/v1/checkout"},
        }
    ],
    "sentry_legacy_webhook_plugin": [
        {
            "provider_event_id": "9c3d1f0e7a5b4c2d8e6f1a0b3c5d7e9f",
            "stage": "firing",
            "alertname": "QueryCanceled",
            "severity": "error",
            "namespace": "production",
            "target_resource": "checkout-api",
            "fingerprint": "6123456789",
            "provider_ts": ts("2026-08-20T10:02:09.481273+00:00"),
            "source_url": "https://acme.sentry.io/issues/6123456789/?referrer=webhooks_plugin",
            "source_ref_count": 4,
            "log_correlation": SENTRY_CORRELATION,
            # The legacy plugin keeps the `sentry:` tag prefix; labels drop it.
            "labels_include": {"release": "checkout-api@2026.8.19+3f1c2ab", "resource": "webhook_plugin"},
        }
    ],
    "sentry_metric_alert_critical": [
        {
            "provider_event_id": "metric_alert:5521:critical",
            "stage": "firing",
            "alertname": "Checkout 5xx rate",
            "severity": "critical",
            "namespace": "production",
            "target_resource": "checkout-api",
            "fingerprint": "metric_alert:4821",  # the alert rule: every breach is a new incident id
            "provider_ts": ts("2026-08-20T10:04:00+00:00"),
            "source_url": SENTRY_METRIC_WEB,
            "source_refs": {
                "sentry": {
                    "project_slug": "checkout-api",
                    "metric_alert_id": "5521",
                    "alert_rule_id": "4821",
                    "metric_alert_url": SENTRY_METRIC_WEB,
                }
            },
            "source_ref_count": 4,
            "log_correlation": {},
            "content_preview": (
                "[firing] Checkout 5xx rate critical production/checkout-api: 1254 events in the last 5 minutes"
            ),
        }
    ],
    "sentry_metric_alert_resolved": [
        {
            "provider_event_id": "metric_alert:5521:resolved",
            "stage": "resolved",
            "severity": None,
            "fingerprint": "metric_alert:4821",
            "provider_ts": ts("2026-08-20T10:31:00+00:00"),  # date_closed
            "recurrence_key": "fp:metric_alert:4821",
        }
    ],
    "telegram_message_text": [
        {
            "provider_event_id": "update:874512301",
            "stage": "message",
            "channel_type": "chat",
            "channel_chat_id": "318274650",
            "alertname": None,
            "severity": None,
            "fingerprint": None,
            "source_url": None,
            "source_refs": {},
            "source_ref_count": 0,
            "labels": {},
            "provider_ts": ts("2026-08-20T10:30:12+00:00"),
            "content_preview": "[message] @d_orlova: /ack 4821 \u0441\u043c\u043e\u0442\u0440\u044e \U0001f440",
            "recurrence_key": "k:telegram|||@d_orlova",
        }
    ],
    "telegram_edited_message": [
        {
            "provider_event_id": "update:874512302",
            "stage": "edited",
            "channel_type": "chat",
            "channel_chat_id": "318274650",
            "provider_ts": ts("2026-08-20T10:31:09+00:00"),  # edit_date, not the original date
        }
    ],
    "telegram_channel_post": [
        {
            "provider_event_id": "update:874512303",
            "stage": "message",
            "channel_type": "chat",
            "channel_chat_id": "-1002214455667",
            "target_resource": "@acme_payments_oncall",
            "provider_ts": ts("2026-08-20T10:31:45+00:00"),
            "log_correlation": {"trace_id": TRACE},
        }
    ],
}
