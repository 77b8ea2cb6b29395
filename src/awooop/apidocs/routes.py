"""/docs and /redoc pages; their assets are served from this package under /docs/assets."""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import Final

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS: Final = "/docs/assets"
_BASE_POLICY: Final = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SWAGGER_POLICY: Final = f"{_BASE_POLICY}; style-src 'self'"
# ReDoc renders with styled-components (<style> elements) and runs its search index in a blob: worker.
REDOC_POLICY: Final = f"{_BASE_POLICY}; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"

router = APIRouter(include_in_schema=False)


def _headers(policy: str) -> dict[str, str]:
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def _page(title: str, head: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    openapi_url = escape(app.openapi_url or "/openapi.json")
    head = f'<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">\n'
    body = (
        f'<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>\n'
        f'<script src="{ASSETS}/swagger-ui-bundle.js"></script>\n'
        f'<script src="{ASSETS}/swagger-init.js"></script>\n'
    )
    return HTMLResponse(_page(f"{app.title} API", head, body), headers=_headers(SWAGGER_POLICY))


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    openapi_url = escape(app.openapi_url or "/openapi.json")
    body = f'<redoc spec-url="{openapi_url}"></redoc>\n<script src="{ASSETS}/redoc.standalone.js"></script>\n'
    return HTMLResponse(_page(f"{app.title} API", "", body), headers=_headers(REDOC_POLICY))


router.mount(
    "/docs/assets",
    StaticFiles(directory=str(resources.files("awooop.apidocs").joinpath("static"))),
    name="apidocs-static",
)
