"""The console in Debian's Chromium against a live server holding the demo week (`awooop demo`):
every page, a dry-run and a handoff, an approval, the language switch. Any console error, page error
or 4xx/5xx response fails the test. Screenshots of each page land in $AWOOOP_SCREENSHOT_DIR
(`make screenshots` points it at docs/screenshots/)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Response, async_playwright, expect

from awooop.config import Settings
from awooop.core.db import Database
from tests.browser.live import live_server, load_demo
from tests.factories import Factory

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Test runs must not dirty the work tree; the README's images are refreshed on purpose only.
SCREENSHOTS = Path(os.environ.get("AWOOOP_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "awooop-screenshots")
PROJECT = "demo"


@pytest.fixture
async def live_url(settings: Settings, clean_db: Database) -> AsyncIterator[str]:
    del clean_db  # emptied before the demo week is loaded and the server starts
    await load_demo(settings)
    with live_server(settings) as url:
        yield url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is required for the browser tests (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


class Watch:
    """Collects everything that would be a bug a user could see."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def check(self) -> None:
        assert self.problems == []


async def _shot(page: Page, name: str, *, keep_toasts: bool = False) -> None:
    """A full-page screenshot from the top (the sticky top bar must not land mid-image)."""
    if not keep_toasts:
        await page.evaluate("document.querySelectorAll('#toasts .toast').forEach((t) => t.remove())")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=SCREENSHOTS / name, full_page=True)


async def _signed_in_page(browser: Browser, base: str, key: str, *, locale: str = "en-US") -> tuple[Page, Watch]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale)
    page = await context.new_page()
    watch = Watch(page)
    await page.goto(f"{base}/console")
    await expect(page).to_have_url(re.compile(r"/console/login\?next="))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "login.png")
    await page.fill("#key", key)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/console")
    return page, watch


async def _operator_key(factory: Factory) -> str:
    """The demo loader revokes its own keys: the test signs in with a key of its own."""
    return await factory.key(projects_spec=PROJECT, operator_id="mei.lin")


async def _overview(page: Page) -> None:
    """Both verdicts per provider, coverage, the 24 h chart and the week chart on the demo week."""
    tile = page.locator("#tile-demo-alertmanager")
    await expect(tile).to_contain_text("Last real event")
    await expect(tile).to_contain_text("Intake path")
    await expect(page.locator("#tile-demo-generic .badge", has_text="stale").first).to_be_visible()
    await expect(page.locator("#event-rate svg.chart").first.locator("text").first).to_contain_text(":00")
    await page.click("[data-testid=rate-7d]")
    await expect(page.locator("#event-rate svg.chart")).to_have_count(6)  # every provider sent this week
    await expect(page.locator("#event-rate svg.chart").first.locator("text").first).to_contain_text("-")
    await page.click("[data-testid=rate-24h]")
    await page.click("[data-testid=heartbeat-demo-alertmanager]")
    await expect(page.locator(".toast-ok", has_text="Heartbeat recorded for alertmanager")).to_be_visible()
    await _shot(page, "overview.png", keep_toasts=True)


async def _runs(page: Page) -> None:
    await page.click("nav.nav >> text=Runs")
    await expect(page.locator("table.runs")).to_be_visible()
    await expect(page.locator("table.runs .badge.ok", has_text="in dossier").first).to_be_visible()
    for state in ("awaiting approval", "running", "queued", "failed", "completed", "cancelled"):
        await expect(page.locator("table.runs td .badge", has_text=state).first).to_be_visible()
    ids = await page.locator("table.runs a.id").all_inner_texts()
    assert len(set(ids)) == len(ids)  # runs created in the same minute must not look alike
    await expect(page.locator("table.runs .sev").first).to_be_visible()  # the alert each run is about
    await expect(page.locator("table.runs td", has_text="awooop-heartbeat")).to_have_count(0)
    await expect(page.locator(".filters a", has_text="Show heartbeat runs")).to_be_visible()
    await _shot(page, "runs.png")


async def test_every_page_and_the_operator_workflows(browser: Browser, live_url: str, factory: Factory) -> None:
    page, watch = await _signed_in_page(browser, live_url, await _operator_key(factory))
    await _overview(page)
    await _runs(page)

    await page.click("a.chip >> text=awaiting approval")
    await page.locator("table.runs a.id").first.click()
    await expect(page.locator("#decision")).to_be_visible()
    await expect(page.locator(".dossier-event").first).to_be_visible()
    await _shot(page, "run-detail.png")
    await page.fill("#note", "Checked the pod logs: safe to restart.")
    await page.click("[data-testid=approve]")
    await expect(page.locator("#decision")).to_have_count(0)
    await expect(page.locator(".timeline")).to_contain_text("Checked the pod logs")
    # Earlier toasts may still be on screen: look for this one, not "the" toast.
    await expect(page.locator(".toast-ok", has_text="approved")).to_be_visible()

    await page.click("nav.nav >> text=Recurrence")
    await page.locator("a.wi-link").first.click()
    await expect(page.locator("#wi-panel .checklist")).to_be_visible()
    history = page.locator("#wi-history .history > li")
    before = await history.count()  # the demo week already holds dry-runs and handoffs
    await page.click("[data-testid=dry-run]")
    await expect(page.locator("[data-testid=wi-result-dry_run]")).to_be_visible()
    await page.click("[data-testid=handoff]")
    await expect(page.locator("[data-testid=proposal-markdown] h2")).to_be_visible()
    await expect(history).to_have_count(before + 2)
    await _shot(page, "recurrence.png")

    await page.click("nav.nav >> text=Events")
    first = page.locator(".event-list details").first
    await first.locator("summary").click()
    await expect(first.locator(".dossier-event")).to_be_visible()
    await _shot(page, "events.png")

    await page.click("nav.nav >> text=Overview")
    await page.click(".topbar .lang-switch >> text=繁體中文")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    await expect(page.locator("h1")).to_have_text("總覽")
    await _shot(page, "overview-zh.png")
    watch.check()


async def test_copy_buttons_and_reload_keep_the_panel(browser: Browser, live_url: str, factory: Factory) -> None:
    page, watch = await _signed_in_page(browser, live_url, await _operator_key(factory))
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.goto(f"{live_url}/console/recurrence")
    link = page.locator("a.wi-link").first
    await link.click()
    await expect(page.locator("#wi-panel .checklist")).to_be_visible()
    assert "work_item=wi_" in page.url  # the panel is a shareable URL
    await page.reload()
    await expect(page.locator("#wi-panel .checklist")).to_be_visible()
    copy = page.locator("#wi-panel .copy-btn").first
    await copy.click()
    await expect(copy).to_have_text("Copied")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("wi_")
    watch.check()
