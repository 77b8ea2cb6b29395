"""Console plumbing: the route class (security headers), the signed-in context dependency,
page/partial rendering, and turning domain errors into a page or an htmx toast."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from awooop.config import Settings
from awooop.console.i18n import (
    LANG_COOKIE,
    LANGUAGE_NAMES,
    LANGUAGES,
    Sayer,
    Translator,
    has_message,
    negotiate,
    sayer,
    translator,
)
from awooop.console.templating import render_template
from awooop.console.views.common import format_age, format_duration, query_string, safe_next
from awooop.core.clock import utcnow
from awooop.deps import SAFE_METHODS, DatabaseDep, SettingsDep
from awooop.errors import BadRequest, DatabaseUnavailable, DomainError, Unauthorized
from awooop.operators.auth import SESSION_COOKIE, authenticate_session, console_csrf_token
from awooop.operators.principal import AwoooPOperatorPrincipal
from awooop.operators.projects import list_projects

CONSOLE_PREFIX = "/console"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNAVAILABLE_REFRESH_SECONDS = 5  # the "database unreachable" page reloads itself this often
# No inline script or style anywhere: htmx is configured (meta tag) not to inject its indicator CSS.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class ConsoleRoute(APIRoute):
    """Every console response carries the security headers (errors get them in ``error_response``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            return add_security_headers(await handler(request))

        return console_handler


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def request_language(request: Request) -> str:
    return negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


@dataclass(slots=True)
class Console:
    """What every signed-in console page knows: who, which language, which project, the CSRF token."""

    request: Request
    settings: Settings
    principal: AwoooPOperatorPrincipal
    csrf_token: str
    language: str
    project: str | None
    available_projects: tuple[str, ...] = ()
    now: datetime = field(default_factory=utcnow)

    @property
    def t(self) -> Translator:
        return translator(self.language)

    @property
    def say(self) -> Sayer:
        return sayer(self.language)

    @property
    def projects(self) -> tuple[str, ...] | None:
        """The project filter for services, exactly as the API computes it (403 outside the scope)."""
        return self.principal.project_filter(self.project)

    @property
    def single_project(self) -> str | None:
        """The project in view when there is exactly one (selected, or the only one the key sees)."""
        if self.project:
            return self.project
        return self.available_projects[0] if len(self.available_projects) == 1 else None

    def url(self, path: str, **params: Any) -> str:
        """A console URL that keeps the selected project."""
        return f"{CONSOLE_PREFIX}{path}{query_string({'project': self.project, **params})}"

    def age(self, value: object) -> str:
        return format_age(value, self.now, self.t)

    def duration(self, seconds: float | None) -> str:
        return format_duration(seconds, self.t)

    def base_context(self) -> dict[str, Any]:
        return {
            "console": self,
            "t": self.t,
            "say": self.say,
            "has_text": has_message,
            "lang": self.language,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "principal": self.principal,
            "csrf_token": self.csrf_token,
            "csrf_headers": {"X-CSRF-Token": self.csrf_token},
            "project": self.project,
            "url": self.url,
            "age": self.age,
            "duration": self.duration,
            "current_path": self.request.url.path,
            "current_url": _current_url(self.request),
        }


def _current_url(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def _presented_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def console_context(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    project: Annotated[str | None, Query(max_length=64)] = None,
) -> Console:
    """The signed-in console context; unsafe methods must present the session's CSRF token."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized("sign in to use the console")
    csrf = None if request.method in SAFE_METHODS else await _presented_csrf(request)
    principal = await authenticate_session(db, cookie, csrf_token=csrf)
    token = await console_csrf_token(db, cookie)
    if token is None:
        raise Unauthorized("console session expired; sign in again")
    console = Console(request, settings, principal, token, request_language(request), project or None)
    _ = console.projects  # refuses a project outside the key's scope before any page work
    async with db.reader() as session:  # the project picker; a small table read by primary key
        rows = await list_projects(session, None if principal.all_projects else principal.projects)
    console.available_projects = tuple(row.id for row in rows)
    return console


ConsoleDep = Annotated[Console, Depends(console_context)]


def render(
    console: Console, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    body = render_template(template, {**console.base_context(), **(context or {})})
    return HTMLResponse(body, status_code=status)


def toast(console: Console, message: str, *, kind: str = "ok") -> str:
    """An out-of-band toast to append to a partial response (htmx swaps it into #toasts)."""
    return render_template("partials/toast.html", {"t": console.t, "message": message, "kind": kind, "oob": True})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _login_redirect(request: Request) -> Response:
    target = f"{CONSOLE_PREFIX}/login?next={quote(safe_next(_current_url(request)), safe='/')}"
    if is_htmx(request):
        # htmx follows HX-Redirect with a full page load instead of swapping a login form into a panel.
        return Response(status_code=401, headers={"HX-Redirect": target})
    return redirect(target)


def error_response(request: Request, exc: Exception) -> Response | None:
    """The console's rendering of an error raised under /console; None for other paths."""
    if not request.url.path.startswith(CONSOLE_PREFIX):
        return None
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        field_name = ".".join(str(p) for p in first.get("loc", ()))
        exc = BadRequest(f"{field_name}: {first.get('msg', 'invalid')}")
    if not isinstance(exc, DomainError):
        return None
    if isinstance(exc, Unauthorized):
        return add_security_headers(_login_redirect(request))
    language = request_language(request)
    t = translator(language)
    if is_htmx(request):
        message = t("faults.unavailable.title") if isinstance(exc, DatabaseUnavailable) else exc.detail
        body = render_template("partials/toast.html", {"t": t, "message": message, "kind": "error", "oob": False})
        # The error lands in the toast area whatever the element targeted or selected.
        headers = {"HX-Retarget": "#toasts", "HX-Reswap": "beforeend", "HX-Reselect": ".toast"}
        return add_security_headers(HTMLResponse(body, status_code=exc.status_code, headers=headers))
    if isinstance(exc, DatabaseUnavailable):
        # A page that reloads itself until the database answers again (no script: meta refresh).
        context = {"t": t, "lang": language, "status": exc.status_code, "retry_seconds": UNAVAILABLE_REFRESH_SECONDS}
        body = render_template("unavailable.html", context)
        return add_security_headers(HTMLResponse(body, status_code=exc.status_code, headers=exc.headers()))
    title_key = f"error.{exc.code}"
    title = t(title_key) if has_message(title_key) else t("error.generic")
    context = {
        "t": t,
        "lang": language,
        "status": exc.status_code,
        "code": exc.code,
        "detail": exc.detail,
        "title": title,
    }
    body = render_template("error.html", context)
    return add_security_headers(HTMLResponse(body, status_code=exc.status_code, headers=exc.headers()))
