"""Ticket proposals as HTML: markdown-it-py (CommonMark plus tables) with raw HTML disabled.

Raw HTML in the source is rendered as text, never as markup, so the output holds only tags the
renderer made. A link is kept only for an absolute http(s) URL (``safe_href``) and always opens
with ``rel="noopener noreferrer"`` in a new tab; any other target stays as the literal source text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from awooop.console.views.common import safe_href


def _link_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    token.attrSet("rel", "noopener noreferrer")
    token.attrSet("target", "_blank")
    return self.renderToken(tokens, idx, options, env)


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.validateLink = lambda url: safe_href(url) is not None  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    return md


_MARKDOWN = _build()


def render_markdown(source: str, **env: Any) -> str:
    html: str = _MARKDOWN.render(source, env)
    return html
