"""Console sign-in, CSRF, sign-out and language: what an operator's browser experiences."""

from __future__ import annotations

import httpx

from awooop.operators.auth import SESSION_COOKIE
from tests.console.console_data import csrf_from, login, signed_in_csrf
from tests.factories import Factory


async def test_pages_redirect_to_login_when_signed_out(client: httpx.AsyncClient) -> None:
    for path in ("/console", "/console/runs", "/console/recurrence", "/console/events"):
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/console/login?next=/console")


async def test_htmx_request_without_session_asks_for_a_full_redirect(client: httpx.AsyncClient) -> None:
    response = await client.get("/console/events", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/console/login")


async def test_login_sets_a_hardened_session_cookie_and_lands_on_next(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    key = await factory.key(operator_id="alice")
    response = await login(client, key, next_url="/console/runs")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/runs"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # console_secure_cookies is off in tests
    page = await client.get("/console/runs")
    assert page.status_code == 200
    assert "alice" in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert page.headers["X-Frame-Options"] == "DENY"


async def test_login_refuses_open_redirects(client: httpx.AsyncClient, factory: Factory) -> None:
    key = await factory.key()
    for target in ("https://evil.example/", "//evil.example/x", "/api/v1/platform/whoami"):
        client.cookies.clear()
        response = await login(client, key, next_url=target)
        assert response.headers["location"] == "/console", target


async def test_wrong_key_and_agent_key_are_refused_on_the_form(client: httpx.AsyncClient, factory: Factory) -> None:
    response = await login(client, "awk_000000000000_notarealsecretnotarealsecret")
    assert response.status_code == 401
    assert "not valid" in response.text
    agent = await factory.key(role="agent", operator_id="robot")
    response = await login(client, agent)
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


async def test_login_form_needs_its_csrf_cookie(client: httpx.AsyncClient, factory: Factory) -> None:
    key = await factory.key()
    form = await client.get("/console/login")
    client.cookies.clear()  # a cross-site post carries no login-CSRF cookie
    response = await client.post("/console/login", data={"key": key, "csrf_token": csrf_from(form.text)})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


async def test_unsafe_requests_without_the_csrf_token_are_refused(client: httpx.AsyncClient, factory: Factory) -> None:
    await factory.project("acme")
    await login(client, await factory.key())
    data = {"project_id": "acme", "provider": "alertmanager"}
    refused = await client.post("/console/overview/heartbeat", data=data)
    assert refused.status_code == 403
    wrong = await client.post("/console/overview/heartbeat", data=data, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    accepted = await client.post(
        "/console/overview/heartbeat", data=data, headers={"X-CSRF-Token": await signed_in_csrf(client)}
    )
    assert accepted.status_code == 200
    assert "Heartbeat recorded for alertmanager" in accepted.text


async def test_csrf_refusal_in_htmx_is_a_toast_not_json(client: httpx.AsyncClient, factory: Factory) -> None:
    await login(client, await factory.key())
    response = await client.post("/console/logout", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#toasts"
    assert 'class="toast toast-error"' in response.text
    assert "CSRF" in response.text


async def test_logout_ends_the_session(client: httpx.AsyncClient, factory: Factory) -> None:
    await login(client, await factory.key())
    old_cookie = client.cookies[SESSION_COOKIE]
    csrf = await signed_in_csrf(client)
    response = await client.post("/console/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    assert (await client.get("/console")).status_code == 303
    client.cookies.set(SESSION_COOKIE, old_cookie)  # a stolen cookie is dead after logout
    assert (await client.get("/console")).status_code == 303


async def test_language_follows_accept_language_then_the_cookie(client: httpx.AsyncClient, factory: Factory) -> None:
    await login(client, await factory.key())
    english = await client.get("/console/runs")
    assert '<html lang="en">' in english.text
    assert "Runs" in english.text
    chinese = await client.get("/console/runs", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hant">' in chinese.text
    assert "執行" in chinese.text
    switched = await client.get("/console/lang/zh-Hant", params={"next": "/console/events"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/console/events"
    page = await client.get("/console/events", headers={"Accept-Language": "en"})
    assert '<html lang="zh-Hant">' in page.text
    assert "事件" in page.text
    back = await client.get("/console/lang/en", params={"next": "https://evil.example"})
    assert back.headers["location"] == "/console"


async def test_login_page_is_translated_before_sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/login", headers={"Accept-Language": "zh-Hant"})
    assert "以 operator 金鑰登入" in page.text


async def test_unknown_console_path_is_a_page(client: httpx.AsyncClient, factory: Factory) -> None:
    await login(client, await factory.key())
    response = await client.get("/console/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


async def test_static_files_are_served(client: httpx.AsyncClient) -> None:
    htmx = await client.get("/console/static/htmx.min.js")
    assert htmx.status_code == 200
    assert "htmx" in htmx.text[:200]
    css = await client.get("/console/static/console.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
