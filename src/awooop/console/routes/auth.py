"""Sign in with an operator key, sign out, switch language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from awooop.console.i18n import LANG_COOKIE, LANGUAGE_NAMES, LANGUAGES, translator
from awooop.console.templating import render_template
from awooop.console.views.common import safe_next
from awooop.console.web import ConsoleDep, ConsoleRoute, redirect, request_language
from awooop.core.security import constant_time_equals, new_secret
from awooop.deps import DatabaseDep, SettingsDep
from awooop.errors import Forbidden, TooManyRequests, Unauthorized
from awooop.guard.credentials import KEYS, CredentialGuard
from awooop.operators.auth import SESSION_COOKIE, authenticate_session, close_console_session, open_console_session
from awooop.operators.keys import KEY_RE

router = APIRouter(route_class=ConsoleRoute)

# Login CSRF (double submit): the form carries the value of a short-lived cookie set with the form,
# so another site cannot sign a victim's browser into the attacker's session.
LOGIN_CSRF_COOKIE = "awooop_login_csrf"
LOGIN_PATH = "/console/login"
ONE_YEAR = 365 * 24 * 3600


def _login_page(request: Request, *, next_url: str, error: str | None, status: int, secure: bool) -> HTMLResponse:
    language = request_language(request)
    token = new_secret("", 24)
    body = render_template(
        "login.html",
        {
            "t": translator(language),
            "lang": language,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "login_csrf": token,
            "next_url": next_url,
            "error": error,
            "current_url": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        },
    )
    response = HTMLResponse(body, status_code=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, max_age=3600, path=LOGIN_PATH, httponly=True, samesite="strict", secure=secure
    )
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(
    request: Request, db: DatabaseDep, settings: SettingsDep, next: Annotated[str | None, Query()] = None
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            await authenticate_session(db, cookie, csrf_token=None)
        except (Unauthorized, Forbidden):
            pass  # a stale cookie: show the form
        else:
            return redirect(safe_next(next))
    return _login_page(
        request, next_url=safe_next(next), error=None, status=200, secure=settings.console_secure_cookies
    )


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    db: DatabaseDep,
    *,
    settings: SettingsDep,
    key: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/console",
) -> Response:
    secure = settings.console_secure_cookies
    t = translator(request_language(request))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not constant_time_equals(csrf_token, expected):
        return _login_page(request, next_url=safe_next(next), error=t("login.expired"), status=403, secure=secure)
    guard: CredentialGuard = request.app.state.guard
    match = KEY_RE.fullmatch(key.strip())
    try:
        token, csrf, _key = await guard.check(
            KEYS,
            guard.address(request.scope),
            match.group(1) if match else None,
            lambda: open_console_session(db, key.strip(), settings.session_ttl_seconds),
        )
    except TooManyRequests as exc:
        page = _login_page(
            request, next_url=safe_next(next), error=t("guard.login_throttled"), status=429, secure=secure
        )
        page.headers.update(exc.headers())
        return page
    except Unauthorized:
        return _login_page(request, next_url=safe_next(next), error=t("login.invalid"), status=401, secure=secure)
    except Forbidden:
        return _login_page(request, next_url=safe_next(next), error=t("login.not_operator"), status=403, secure=secure)
    del csrf  # read back from the session row on each page
    response = redirect(safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/logout")
async def logout(console: ConsoleDep, db: DatabaseDep) -> RedirectResponse:
    cookie = console.request.cookies.get(SESSION_COOKIE, "")
    await close_console_session(db, cookie)
    response = redirect(LOGIN_PATH)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=console.settings.console_secure_cookies, httponly=True)
    return response


@router.get("/lang/{language}")
async def switch_language(
    language: str, settings: SettingsDep, next: Annotated[str | None, Query()] = None
) -> RedirectResponse:
    """A display preference, not a privileged action: a plain link may change it (no CSRF needed)."""
    response = redirect(safe_next(next))
    if language in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, language, max_age=ONE_YEAR, path="/", samesite="lax", secure=settings.console_secure_cookies
        )
    return response
