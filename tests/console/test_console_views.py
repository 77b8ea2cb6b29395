"""Pure view builders, helpers and catalogs of the console (no database, no HTTP)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest

from awooop.console.i18n import LANGUAGES, catalog, negotiate, placeholders, translator
from awooop.console.markdown import render_markdown
from awooop.console.templating import environment
from awooop.console.views.charts import bar_chart, bucket_times, nice_ceiling
from awooop.console.views.common import format_age, safe_href, safe_next
from awooop.console.views.dossier import correlation_pairs, flatten_refs, pretty_content
from awooop.console.views.onboarding import intake_setup, pick_project
from awooop.console.views.overview import build_overview
from awooop.console.views.recurrence import RecurrenceGroupRow, build_recurrence_view, spark_window
from awooop.console.views.runs import recurrence_label
from tests.console.view_data import (
    coverage_of,
    freshness_of,
    recurrence_item,
    recurrence_summary,
    tile,
    work_item,
)

NOW = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)


def test_both_catalogs_have_the_same_keys_and_placeholders() -> None:
    english, chinese = catalog("en"), catalog("zh-Hant")
    assert set(english) == set(chinese)
    for key, text in english.items():
        assert placeholders(text) == placeholders(chinese[key]), key
        assert text.strip(), key
        assert chinese[key].strip(), key


def test_catalog_files_are_plain_json_objects_of_strings() -> None:
    for language in LANGUAGES:
        text = resources.files("awooop.console").joinpath("locales", f"{language}.json").read_text("utf-8")
        data = json.loads(text)
        assert all(isinstance(v, str) for v in data.values())


def test_every_literal_key_used_in_templates_exists() -> None:
    used: set[str] = set()
    folder = resources.files("awooop.console").joinpath("templates")
    for path in [*folder.iterdir(), *folder.joinpath("partials").iterdir()]:
        if path.name.endswith(".html"):
            used |= set(re.findall(r"""\bt\(["']([a-z_]+\.[a-z_.]*[a-z_])["'][,)]""", path.read_text("utf-8")))
    assert used
    assert used - set(catalog("en")) == set()


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "en"),
        (None, "zh-TW,zh;q=0.9,en;q=0.8", "zh-Hant"),
        (None, "en-US,en;q=0.9,zh-Hant;q=0.8", "en"),
        (None, "fr-FR, zh-HK;q=0.5", "zh-Hant"),
        (None, "de, fr;q=0.5", "en"),
        (None, "en;q=0.2, zh-Hant;q=0.9", "zh-Hant"),
        (None, "zh;q=0", "en"),
        ("zh-Hant", "en", "zh-Hant"),
        ("klingon", "zh-TW", "zh-Hant"),
    ],
)
def test_language_negotiation(cookie: str | None, header: str | None, expected: str) -> None:
    assert negotiate(cookie, header) == expected


def test_translator_formats_and_falls_back_to_the_key() -> None:
    t = translator("zh-Hant")
    assert t("unit.minutes", n=5) == "5 分鐘"
    assert t("time.ago", age=t("unit.minutes", n=5)) == "5 分鐘前"
    assert t("no.such.key") == "no.such.key"


def test_ages_are_compact_and_localised() -> None:
    en = translator("en")
    assert format_age(NOW - timedelta(seconds=42), NOW, en) == "42s ago"
    assert format_age(NOW - timedelta(minutes=90), NOW, en) == "1h ago"
    assert format_age(NOW - timedelta(days=3), NOW, en) == "3d ago"
    assert format_age(None, NOW, en) == ""
    assert format_age("2026-08-20T11:59:00Z", NOW, en) == "1m ago"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://grafana.example/d/abc?x=1", "https://grafana.example/d/abc?x=1"),
        ("http://prometheus:9090/graph", "http://prometheus:9090/graph"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//evil.example/x", None),
        ("/relative/path", None),
        ("https://ok.example/\nSet-Cookie: x", None),
        ("", None),
        (42, None),
    ],
)
def test_only_absolute_http_links_are_links(url: object, expected: str | None) -> None:
    assert safe_href(url) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/console/runs?state=failed", "/console/runs?state=failed"),
        ("https://evil.example", "/console"),
        ("//evil.example", "/console"),
        ("/api/v1/platform/whoami", "/console"),
        ("/console\\@evil", "/console"),
        (None, "/console"),
    ],
)
def test_redirect_targets_stay_in_the_console(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_markdown_escapes_first_and_links_only_http() -> None:
    html = render_markdown(
        "## Title <b>\n\n- **PASS** `<x>` [ok](https://a.example/?q=1&r=2) [bad](javascript:alert(1))\n"
        "  - nested <https://b.example/>\n\n| k | v |\n|---|---|\n| a\\|b | `c` |\n\n```\n<script>\n```\n"
        "\n<img src=x onerror=alert(1)> [rel](/console/runs)\n"
    )
    assert "<h2>Title &lt;b&gt;</h2>" in html
    assert "<strong>PASS</strong> <code>&lt;x&gt;</code>" in html
    assert '<a href="https://a.example/?q=1&amp;r=2" rel="noopener noreferrer" target="_blank">ok</a>' in html
    assert "[bad](javascript:alert(1))" in html
    assert 'href="javascript' not in html
    assert "[rel](/console/runs)" in html  # relative targets are not links either
    assert '<a href="https://b.example/" rel="noopener noreferrer" target="_blank">https://b.example/</a>' in html
    assert "<td>a|b</td>" in html
    assert "<pre><code>&lt;script&gt;\n</code></pre>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>" not in html
    assert "<img" not in html


def test_templates_autoescape_everything() -> None:
    env = environment()
    rendered = env.from_string("{{ value }}").render(value="<script>x</script>")
    assert rendered == "&lt;script&gt;x&lt;/script&gt;"


def test_bar_chart_geometry() -> None:
    starts = [NOW + timedelta(hours=i) for i in range(4)]
    chart = bar_chart([0, 5, 10, 3], starts, width=400, height=60, axis_height=10, tick_every=2)
    assert chart.max_count == 10
    assert chart.total == 18
    assert next(b.height for b in chart.bars) == 0
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.count == 10
    assert tallest.y == pytest.approx(chart.plot_top)
    assert [tick.label for tick in chart.ticks] == ["12:00", "14:00"]
    assert chart.bars[1].label.endswith(": 5")


@pytest.mark.parametrize(("value", "expected"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (250, 500), (1000, 1000)])
def test_nice_axis_maximum(value: int, expected: int) -> None:
    assert nice_ceiling(value) == expected


def test_bucket_times_counts_inside_the_window_only() -> None:
    moments = [NOW - timedelta(minutes=5), NOW - timedelta(minutes=65), NOW - timedelta(hours=5), "junk"]
    counts, starts = bucket_times(moments, end=NOW, buckets=3, bucket=timedelta(hours=1))
    assert counts == [0, 1, 1]
    assert starts[0] == NOW - timedelta(hours=3)


def test_overview_puts_stale_providers_first_and_hides_silent_ones() -> None:
    freshness = freshness_of(
        [
            tile("acme", "alertmanager", "alert", "fresh", NOW),
            tile("acme", "sentry", "alert", "stale", NOW - timedelta(hours=2)),
            tile("acme", "telegram", "chat", "never"),
        ],
        fresh_total=1, stale_total=1, never_total=1,
    )  # fmt: skip
    coverage = coverage_of([{"provider": "alertmanager", "total": 4, "missing_source_refs_total": 1}],
                         source_count=4, source_envelope_total=4, with_source_refs_total=3)  # fmt: skip
    rate = {"buckets": [NOW - timedelta(hours=1), NOW], "total": 7, "since": NOW, "until": NOW,
            "providers": [{"provider": "alertmanager", "counts": [3, 4], "total": 7}]}  # fmt: skip
    view = build_overview(freshness, coverage, rate)
    tiles = view.projects[0]
    assert [t.provider for t in tiles.active] == ["sentry", "alertmanager"]
    assert [t.provider for t in tiles.quiet] == ["telegram"]
    assert not tiles.quiet[0].can_heartbeat
    assert view.envelope_pct == 100
    assert view.refs_pct == 75
    assert view.coverage_rows[0].with_refs_pct == 75
    assert view.rate_rows[0].chart.total == 7
    assert not view.empty


def test_overview_is_empty_only_when_nothing_ever_arrived() -> None:
    freshness = freshness_of([tile("p", "grafana", "alert", "never")])
    view = build_overview(freshness, coverage_of([]), {"providers": [], "buckets": []})
    assert view.empty
    assert view.rate_rows == []


def test_dossier_refs_and_correlation_are_flattened_safely() -> None:
    refs = flatten_refs({"alert": {"generator_url": "https://prom/x", "runbook_url": "javascript:x"},
                         "sentry": {"issue_id": 42, "issue_url": None}})  # fmt: skip
    assert [(r.kind, r.name, r.href) for r in refs] == [
        ("alert", "generator_url", "https://prom/x"),
        ("alert", "runbook_url", None),
        ("sentry", "issue_id", None),
    ]
    pairs = correlation_pairs({"pod": "web-1", "trace_id": "abc", "zone": "b", "span_id": ""})
    assert pairs == [("trace_id", "abc"), ("pod", "web-1"), ("zone", "b")]
    assert pretty_content('{"b":1,"a":"<x>"}') == '{\n  "a": "<x>",\n  "b": 1\n}'
    assert pretty_content("not json") == "not json"


def test_recurrence_view_filters_by_work_item_status_on_a_shared_axis() -> None:
    gated = work_item("manual_gate", "wi_1")
    items = [
        RecurrenceGroupRow(recurrence_item(alertname="A", work_item={"status": "manual_gate", "work_item_id": "wi_1"}),
                           gated, None, [NOW - timedelta(minutes=1), NOW - timedelta(minutes=30)]),
        RecurrenceGroupRow(recurrence_item(alertname="B", work_item=None), None, None, [NOW - timedelta(minutes=2)]),
    ]  # fmt: skip
    summary = recurrence_summary(manual_gate_group_total=1)
    view = build_recurrence_view(
        summary, items, window_start=NOW - timedelta(hours=2), now=NOW, status="manual_gate", provider=None
    )
    assert [row.title for row in view.rows] == ["A"]
    assert view.hidden_total == 1
    assert dict(view.status_counts)["manual_gate"] == 1
    assert view.rows[0].spark.total == 2
    start, bucket = spark_window(None, NOW)
    assert start < NOW
    assert bucket > timedelta(0)


def test_run_subjects_read_like_alerts() -> None:
    assert recurrence_label("k:alertmanager|HighErrorRate|prod|checkout") == "HighErrorRate · prod · checkout"
    assert recurrence_label("fp:abc123") == "fp:abc123"
    assert recurrence_label(None) == ""


def test_onboarding_snippet_targets_this_server_and_project() -> None:
    setup = intake_setup("http://awooop.internal:8080/", "payments")
    assert setup.webhook_url == "http://awooop.internal:8080/api/v1/hub/payments/alertmanager"
    assert "credentials: <intake token>" in setup.alertmanager_yaml
    assert "url: http://awooop.internal:8080/api/v1/hub/payments/alertmanager" in setup.alertmanager_yaml
    assert pick_project(None, ["only"]) == "only"
    assert pick_project(None, ["a", "b"]) == "<project>"
    assert pick_project("b", ["a", "b"]) == "b"
