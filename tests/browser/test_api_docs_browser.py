"""/docs (Swagger UI) and /redoc in Debian's Chromium with every request off this server refused:
the assets come from the package, the pages pass their Content-Security-Policy, and the
operations are listed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, Route, expect

from awooop.config import Settings
from awooop.core.db import Database
from tests.browser.live import live_server
from tests.browser.test_console_browser import Watch, browser

pytestmark = pytest.mark.browser
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
__all__ = ["browser"]  # the Chromium fixture, shared with the console's browser tests


@pytest.fixture
async def docs_url(settings: Settings, clean_db: Database) -> AsyncIterator[str]:
    del clean_db
    with live_server(settings) as url:
        yield url


async def offline_page(browser: Browser, base: str) -> tuple[Page, list[str]]:
    """A page that can reach only the live server: anything else is refused and recorded."""
    page = await browser.new_page()
    outside: list[str] = []
    local = urlsplit(base).netloc

    async def _route(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == local or url.startswith(("data:", "blob:")):
            await route.continue_()
        else:
            outside.append(url)
            await route.abort()

    await page.route("**/*", _route)
    return page, outside


async def test_swagger_ui_lists_the_operations_offline(browser: Browser, docs_url: str) -> None:
    page, outside = await offline_page(browser, docs_url)
    watch = Watch(page)
    response = await page.goto(f"{docs_url}/docs")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    operations = page.locator(".opblock")
    await expect(operations.first).to_be_visible(timeout=90_000)
    assert await operations.count() > 20
    await expect(page.locator(".opblock-summary-path", has_text="/api/v1/hub/{project_id}/alertmanager")).to_have_count(
        1
    )
    await expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/platform/events/dossier").first
    ).to_be_visible()
    assert outside == []
    watch.check()


async def test_redoc_lists_the_operations_offline(browser: Browser, docs_url: str) -> None:
    page, outside = await offline_page(browser, docs_url)
    watch = Watch(page)
    await page.goto(f"{docs_url}/redoc")
    await expect(page.get_by_text("/api/v1/platform/events/dossier/coverage").first).to_be_attached(timeout=90_000)
    assert outside == []
    # ReDoc's "API docs by Redocly" badge always tries its logo from a CDN; the CSP refuses it (the
    # badge then hides the image). That refusal is expected; anything else is a problem.
    watch.problems = [p for p in watch.problems if REDOC_LOGO not in p]
    watch.check()
