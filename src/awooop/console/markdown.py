"""A tiny, safe Markdown subset for ticket proposals: headings, lists, fenced code, inline code,
bold, links and pipe tables.

Every piece of input is HTML-escaped before a tag of ours is put around it, so the output can
never contain markup that was not generated here. Links are kept only for absolute http(s)
URLs and always open with ``rel="noopener noreferrer"``."""

from __future__ import annotations

import re

from markupsafe import escape

from awooop.console.views.common import safe_href

_INLINE = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)\)"
    r"|<(?P<auto>https?://[^>\s]+)>"
    r"|\*\*(?P<bold>[^*]+)\*\*"
    r"|(?<![\w\\])_(?P<em>[^_\n]+)_(?!\w)"
    r"|(?P<bare>https?://[^\s<>()\[\]`]+)"
)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_ORDERED = re.compile(r"^(\s*)\d+[.)]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _link(url: str, label_html: str) -> str:
    href = safe_href(url)
    if href is None:
        return label_html
    return f'<a href="{escape(href)}" rel="noopener noreferrer" target="_blank">{label_html}</a>'


def render_inline(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _INLINE.finditer(text):
        out.append(str(escape(text[pos : match.start()])))
        if match.group("code") is not None:
            out.append(f"<code>{escape(match.group('code'))}</code>")
        elif match.group("url") is not None:
            # An unsafe target (javascript:, relative…) is shown as the literal source text.
            if safe_href(match.group("url")) is None:
                out.append(str(escape(match.group(0))))
            else:
                out.append(_link(match.group("url"), str(escape(match.group("text")))))
        elif match.group("auto") is not None:
            out.append(_link(match.group("auto"), str(escape(match.group("auto")))))
        elif match.group("bold") is not None:
            out.append(f"<strong>{escape(match.group('bold'))}</strong>")
        elif match.group("em") is not None:
            out.append(f"<em>{escape(match.group('em'))}</em>")
        else:
            bare = match.group("bare").rstrip(".,;:")
            out.append(_link(bare, str(escape(bare))))
            out.append(str(escape(match.group("bare")[len(bare) :])))
        pos = match.end()
    out.append(str(escape(text[pos:])))
    return "".join(out)


def _cells(row: str) -> list[str]:
    """Split a table row on unescaped pipes; ``\\|`` and ``\\\\`` stand for a literal pipe and backslash."""
    cells, current, i = [], [], 0
    text = row.strip()
    text = text[1:] if text.startswith("|") else text
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "|\\":
            current.append(text[i + 1])
            i += 2
            continue
        if ch == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    if "".join(current).strip():
        cells.append("".join(current).strip())
    return cells


def _table(rows: list[str]) -> str:
    head, body = _cells(rows[0]), [_cells(r) for r in rows[2:]]
    th = "".join(f"<th>{render_inline(c)}</th>" for c in head)
    trs = "".join("<tr>" + "".join(f"<td>{render_inline(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


class _Blocks:
    """Collects output blocks; open lists (two levels) and paragraphs close before any other block."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.lists: list[str] = []  # open list tags, outermost first; their last <li> is still open
        self.paragraph: list[str] = []

    def _flush_paragraph(self) -> None:
        if self.paragraph:
            self.out.append("<p>" + "<br>".join(render_inline(line) for line in self.paragraph) + "</p>")
            self.paragraph = []

    def _close_lists(self, depth: int) -> None:
        while len(self.lists) > depth:
            self.out.append(f"</li></{self.lists.pop()}>")

    def close(self) -> None:
        self._flush_paragraph()
        self._close_lists(0)

    def item(self, tag: str, text: str, depth: int) -> None:
        self._flush_paragraph()
        depth = min(depth, len(self.lists), 1)
        self._close_lists(depth + 1)
        if len(self.lists) == depth + 1:
            if self.lists[-1] == tag:
                self.out.append("</li>")
            else:
                self._close_lists(depth)
        if len(self.lists) == depth:
            self.out.append(f"<{tag}>")
            self.lists.append(tag)
        self.out.append(f"<li>{render_inline(text)}")


def render_markdown(source: str) -> str:
    """HTML for the supported subset; anything else is shown as escaped text."""
    lines = source.replace("\r\n", "\n").split("\n")
    blocks = _Blocks()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("```"):
            blocks.close()
            code: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                code.append(lines[i])
                i += 1
            blocks.out.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
        elif line.strip().startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            blocks.close()
            rows = [line, lines[i + 1]]
            while i + 2 < len(lines) and lines[i + 2].strip().startswith("|"):
                rows.append(lines[i + 2])
                i += 1
            blocks.out.append(_table(rows))
            i += 1
        elif heading := _HEADING.match(line):
            blocks.close()
            level = len(heading.group(1))
            blocks.out.append(f"<h{level}>{render_inline(heading.group(2).strip())}</h{level}>")
        elif item := (_BULLET.match(line) or _ORDERED.match(line)):
            tag = "ul" if _BULLET.match(line) else "ol"
            blocks.item(tag, item.group(2), 1 if len(item.group(1).expandtabs(4)) >= 2 else 0)
        elif not line.strip():
            blocks.close()
        else:
            if blocks.lists:
                blocks.close()
            blocks.paragraph.append(line.strip())
        i += 1
    blocks.close()
    return "".join(blocks.out)
