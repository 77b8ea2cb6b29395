"""The console's Jinja environment: autoescape on for every template, strict about undefined names."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from awooop.console.markdown import render_markdown
from awooop.console.views.common import format_timestamp, format_timestamp_short, iso, safe_href, short_id, short_uuid


def _tojson_attr(value: Any) -> str:
    """JSON for an HTML attribute (hx-headers, hx-vals); autoescape then quotes it safely."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _markdown(text: str | None) -> Markup:
    # render_markdown escapes every piece of input before adding its own tags.
    return Markup(render_markdown(text or ""))  # noqa: S704 - output is built from escaped input


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("awooop.console", "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )
    env.filters["ts"] = format_timestamp
    env.filters["ts_short"] = format_timestamp_short
    env.filters["iso"] = iso
    env.filters["safe_href"] = safe_href
    env.filters["short"] = short_id
    env.filters["short_uuid"] = short_uuid
    env.filters["attr_json"] = _tojson_attr
    env.filters["pretty_json"] = _pretty_json
    env.filters["markdown"] = _markdown
    return env


def render_template(name: str, context: dict[str, Any]) -> str:
    return environment().get_template(name).render(context)
