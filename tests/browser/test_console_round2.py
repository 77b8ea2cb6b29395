"""Console round 2 in Chromium on the demo week: the Incidents page, refused deliveries on the
overview tile and their page, events with provider / stage / folded duplicates, chip counts that
match what they open, the work-item panel fully below the sticky header, and every page at phone
width (390 × 844) without horizontal scrolling, in English and 繁體中文."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser.test_console_browser import (
    PROJECT,
    _operator_key,
    _signed_in_page,
    browser,
    live_url,
    pytestmark,
)
from tests.factories import Factory

__all__ = ["browser", "live_url", "pytestmark"]  # fixtures and marker shared with the first browser suite

PAGES = ("", "/incidents", "/runs", "/recurrence", "/events", "/rejections")


async def _refuse_once(live: str) -> None:
    """A sender with a wrong token: Alertmanager would retry this every few seconds."""
    async with httpx.AsyncClient(base_url=live, timeout=10) as http:
        refused = await http.post(
            f"/api/v1/hub/{PROJECT}/alertmanager", json={}, headers={"Authorization": "Bearer ait_wrong"}
        )
        assert refused.status_code == 401


async def test_incidents_refusals_and_events_in_both_languages(
    browser: Browser, live_url: str, factory: Factory
) -> None:
    await _refuse_once(live_url)
    page, watch = await _signed_in_page(browser, live_url, await _operator_key(factory))
    refused = page.locator(f"[data-testid=refused-{PROJECT}-alertmanager]")
    await expect(refused).to_contain_text("1 refused in the last hour")
    await refused.locator("a").click()
    await expect(page).to_have_url(re.compile(r"/console/rejections\?.*provider=alertmanager"))
    newest = page.locator("table.rejections tbody tr").first
    await expect(newest).to_contain_text("bad_credentials")
    await expect(newest).to_contain_text("intake token is not valid")

    await page.click("nav.nav >> text=Incidents")
    rows = page.locator("table.incidents tbody tr")
    assert await rows.count() > 1
    await page.locator("a.chip", has_text="open").first.click()
    await expect(page.locator("table.incidents tbody tr .badge", has_text="resolved")).to_have_count(0)
    await page.locator("table.incidents a.id").first.click()
    await expect(page.locator("[data-testid=incident-timeline] li").first).to_contain_text("Incident opened")
    first_event = page.locator(".event-list details").first
    await first_event.locator("summary").click()
    await expect(first_event.locator(".dossier-event")).to_be_visible()

    await page.click("nav.nav >> text=Events")
    await expect(page.locator("[data-testid=event-provider]").first).to_be_visible()
    await expect(page.locator("[data-testid=event-stage]").first).to_be_visible()
    await page.select_option("#event-stage", "resolved")
    await expect(page).to_have_url(re.compile(r"stage=resolved"))
    stages = await page.locator("[data-testid=event-stage]").all_inner_texts()
    assert stages
    assert set(stages) == {"resolved"}

    await page.click(".topbar .lang-switch >> text=繁體中文")
    await expect(page.locator("h1")).to_have_text("事件")
    await page.click("nav.nav >> text=事故")
    await expect(page.locator("h1")).to_have_text("事故")
    await page.click("nav.nav >> text=拒絕")
    await expect(page.locator("h1")).to_have_text("被拒絕的投遞")
    watch.check()


async def test_chips_open_what_they_count_and_the_panel_clears_the_header(
    browser: Browser, live_url: str, factory: Factory
) -> None:
    page, watch = await _signed_in_page(browser, live_url, await _operator_key(factory))
    await page.goto(f"{live_url}/console/recurrence")
    chips = page.locator("nav.filters a.chip:has(.count)")
    for index in range(await chips.count()):
        chip = chips.nth(index)
        count = int(await chip.locator(".count").inner_text())
        await chip.click()
        await expect(page.locator("table.groups tbody tr")).to_have_count(count) if count else None
        if count == 0:
            await expect(page.locator("table.groups")).to_have_count(0)
        await page.goto(f"{live_url}/console/recurrence")
    await page.set_viewport_size({"width": 900, "height": 700})  # one column: the panel sits below the list
    await page.locator("a.wi-link").last.click()
    await expect(page.locator("#wi-panel .checklist")).to_be_visible()
    await page.wait_for_timeout(400)  # htmx's show: scroll
    header = await page.locator("header.topbar").bounding_box()
    panel = await page.locator("#wi-panel").bounding_box()
    assert header is not None
    assert panel is not None
    assert panel["y"] >= header["y"] + header["height"] - 1, (panel, header)
    watch.check()


async def _no_horizontal_scroll(page: Page, where: str) -> None:
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where}: page is {widths[0]} px wide in a {widths[1]} px window"


async def test_every_page_fits_a_phone_in_both_languages(browser: Browser, live_url: str, factory: Factory) -> None:
    key = await _operator_key(factory)
    for locale, language in (("en-US", "en"), ("zh-TW", "zh-Hant")):
        page, watch = await _signed_in_page(browser, live_url, key, locale=locale)
        await page.set_viewport_size({"width": 390, "height": 844})
        await expect(page.locator("html")).to_have_attribute("lang", language)
        for path in PAGES:
            await page.goto(f"{live_url}/console{path}")
            await _no_horizontal_scroll(page, f"{language} /console{path}")
        for list_path, link in (("/runs", "table.runs a.id"), ("/incidents", "table.incidents a.id")):
            await page.goto(f"{live_url}/console{list_path}")
            await page.locator(link).first.click()
            await page.wait_for_load_state()
            await _no_horizontal_scroll(page, f"{language} detail from {list_path}")
        await page.goto(f"{live_url}/console/recurrence")
        await page.locator("a.wi-link").first.click()
        await expect(page.locator("#wi-panel .checklist")).to_be_visible()
        await _no_horizontal_scroll(page, f"{language} work-item panel")
        watch.check()
        await page.context.close()
