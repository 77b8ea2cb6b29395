"""The Silences page in Debian's Chromium against a live server: create from the form, the silenced
badge on the events and incidents pages, expire, and the page in 繁體中文. Any console error, page error or
4xx/5xx response fails the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright, expect

from awooop.config import Settings
from awooop.core.db import Database
from tests.browser.live import live_server
from tests.browser.test_console_browser import CHROMIUM, CHROMIUM_ARGS, _signed_in_page
from tests.factories import Factory

pytestmark = pytest.mark.browser


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is required for the browser tests (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def _fire(base: str, token: str, name: str, fingerprint: str) -> None:
    alert = {
        "status": "firing",
        "labels": {"alertname": name, "severity": "critical", "namespace": "payments"},
        "annotations": {"summary": f"{name} fired"},
        "startsAt": "2026-08-20T09:00:00Z",
        "fingerprint": fingerprint,
    }
    async with httpx.AsyncClient(base_url=base) as http:
        sent = await http.post(
            "/api/v1/hub/acme/alertmanager",
            json={"receiver": "awooop", "status": "firing", "alerts": [alert], "version": "4"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert sent.status_code == 202, sent.text


async def test_silences_page_create_badge_expire_and_chinese(
    settings: Settings, clean_db: Database, factory: Factory, chromium: Browser
) -> None:
    del clean_db
    token = (await factory.project("acme")).intake_token
    key = await factory.key(projects_spec="acme", operator_id="mei.lin")
    with live_server(settings) as base:
        page, watch = await _signed_in_page(chromium, base, key)
        await page.click("nav.nav >> text=Silences")
        await expect(page.locator("h1")).to_have_text("Silences")
        await expect(page.get_by_test_id("silences-empty")).to_be_visible()

        await page.fill("#silence-matchers", 'alertname="HighLatency"\nnamespace=~"pay.*"')
        await page.fill("#silence-comment", "deploy 4.2")
        await page.get_by_test_id("silence-create").click()
        row = page.get_by_test_id("silence-table").locator("tbody tr")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text('alertname="HighLatency", namespace=~"pay.*"')
        await expect(row).to_contain_text("Active")
        await expect(row).to_contain_text("mei.lin")

        await _fire(base, token, "HighLatency", "b1")
        await _fire(base, token, "DiskFull", "b2")
        await page.goto(f"{base}/console/events")
        lines = page.locator(".event-list li")
        await expect(lines).to_have_count(2)
        await expect(lines.filter(has_text="HighLatency").locator(".badge", has_text="silenced")).to_be_visible()
        await expect(lines.filter(has_text="DiskFull").locator(".badge", has_text="silenced")).to_have_count(0)

        # Their incidents carry the same badge, in the list and on the incident's page.
        await page.goto(f"{base}/console/incidents")
        incidents = page.locator("table.incidents tbody tr")
        await expect(incidents).to_have_count(2)
        await expect(incidents.filter(has_text="HighLatency").locator(".badge", has_text="silenced")).to_be_visible()
        await expect(incidents.filter(has_text="DiskFull").locator(".badge", has_text="silenced")).to_have_count(0)
        await incidents.filter(has_text="HighLatency").locator("a.id").click()
        await expect(page.get_by_test_id("incident-silence")).to_be_visible()
        await page.goto(f"{base}/console/events")

        # An event's dossier offers a silence pre-filled with its labels.
        await lines.filter(has_text="DiskFull").locator("summary").click()
        await lines.filter(has_text="DiskFull").get_by_test_id("silence-event").click()
        await expect(page.locator("#silence-matchers")).to_have_value('alertname="DiskFull"\nnamespace="payments"')

        # The recurrence page offers a silence pre-filled with a group's labels, and badges silenced groups.
        await page.goto(f"{base}/console/recurrence")
        await page.get_by_test_id("silence-fp:b2").click()
        await expect(page.locator("#silence-matchers")).to_have_value('alertname="DiskFull"\nnamespace="payments"')

        await page.goto(f"{base}/console/silences")
        await page.locator("[data-testid^=expire-]").click()
        await expect(page.locator(".chip[aria-current=true]")).to_have_text("Expired")
        await expect(row).to_contain_text("Expired")
        await page.goto(f"{base}/console/silences?state=active")
        await expect(page.get_by_test_id("silences-empty")).to_be_visible()

        await page.click("text=繁體中文")
        await expect(page.locator("h1")).to_have_text("靜音")
        await expect(page.get_by_test_id("silence-create")).to_have_text("建立靜音")
        watch.check()
