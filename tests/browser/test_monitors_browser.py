"""The Monitors page in Debian's Chromium against a live server: a pinged monitor is up, the curl line
copies, pause and resume swap the card in place, and the page reads in 繁體中文."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright, expect

from awooop.config import Settings
from awooop.core.db import Database
from tests.browser.live import live_server
from tests.browser.test_console_browser import CHROMIUM, CHROMIUM_ARGS, Watch
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


async def test_monitors_page(chromium: Browser, settings: Settings, clean_db: Database, factory: Factory) -> None:
    del clean_db
    token = (await factory.project("acme")).intake_token
    key = await factory.key(projects_spec="acme", operator_id="mei.lin")
    with live_server(settings) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            made = await http.post(
                "/api/v1/platform/monitors/acme",
                json={"name": "nightly-backup", "interval_seconds": 86400, "grace_seconds": 900},
                headers={"X-AwoooP-Operator-Key": key},
            )
            assert made.status_code == 201, made.text
            pinged = await http.post(
                "/api/v1/hub/acme/heartbeats/nightly-backup/ping", headers={"Authorization": f"Bearer {token}"}
            )
            assert pinged.status_code == 202
        context = await chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        await context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = await context.new_page()
        watch = Watch(page)
        await page.goto(f"{base}/console/login")
        await page.fill("#key", key)
        await page.click("button[type=submit]")
        await expect(page).to_have_url(f"{base}/console")
        await page.click("nav.nav >> text=Monitors")
        card = page.locator("section.monitor[data-monitor=nightly-backup]")
        await expect(card.locator(".badge", has_text="up")).to_be_visible()
        await expect(card).to_contain_text(f"{base}/api/v1/hub/acme/heartbeats/nightly-backup/ping")
        await expect(card).to_contain_text("0 0 * * * /path/to/job && curl")
        copy = card.locator("pre + .copy-btn").first
        await copy.click()
        await expect(copy).to_have_text("Copied")
        assert (await page.evaluate("navigator.clipboard.readText()")).startswith("curl -fsS")
        await card.locator("button", has_text="Pause").click()
        card = page.locator("section.monitor[data-monitor=nightly-backup]")
        await expect(card).to_have_attribute("data-state", "paused")
        await expect(page.locator(".toast-ok", has_text="nightly-backup paused")).to_be_visible()
        await card.locator("button", has_text="Resume").click()
        await expect(page.locator("section.monitor[data-monitor=nightly-backup]")).to_have_attribute("data-state", "up")
        await page.click(".topbar .lang-switch >> text=繁體中文")
        await expect(page.locator("h1")).to_have_text("心跳監控")
        await expect(page).to_have_url(re.compile(r"/console/monitors"))
        watch.check()
        await context.close()
