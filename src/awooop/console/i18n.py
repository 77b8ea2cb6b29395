"""Message catalogs (JSON, one per language) and language negotiation for the console."""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Final

from awooop.workitems.texts import ENGLISH as SERVER_TEXTS

LANGUAGES: Final = ("en", "zh-Hant")
DEFAULT_LANGUAGE: Final = "en"
LANG_COOKIE: Final = "awooop_lang"
LANGUAGE_NAMES: Final = {"en": "English", "zh-Hant": "繁體中文"}

Translator = Callable[..., str]
Sayer = Callable[[str | None, Mapping[str, object] | None, str], str]


@cache
def catalog(language: str) -> Mapping[str, str]:
    """The flat key → text catalog of one language, read once from the package.

    ``locales/<language>.json`` holds the shared texts; each feature may add its own
    ``locales/<feature>.<language>.json`` so features never edit one file. A key defined twice
    is an error, not a silent override."""
    folder = resources.files("awooop.console").joinpath("locales")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(f".{language}.json"))
    # The services' own generated sentences are English at their source (the API's language).
    merged: dict[str, str] = dict(SERVER_TEXTS) if language == DEFAULT_LANGUAGE else {}
    for name in [f"{language}.json", *names]:
        data = json.loads(folder.joinpath(name).read_text("utf-8"))
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"catalog {name} must be a flat object of strings")
        if twice := merged.keys() & data.keys():
            raise ValueError(f"catalog {name} redefines {sorted(twice)[:5]}")
        merged.update(data)
    return merged


def sayer(language: str) -> Sayer:
    """``say(key, params, english)``: a service's generated sentence in ``language``.

    The English text the service rendered is the fallback: for records stored before a key existed,
    or a key this catalog lacks (the catalog test keeps that from shipping)."""
    own = catalog(language)

    def say(key: str | None, params: Mapping[str, object] | None, english: str) -> str:
        text = own.get(key) if key else None
        if text is None:
            return english
        try:
            return text.format(**(params or {}))
        except (KeyError, IndexError, ValueError):
            return english

    return say


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def translator(language: str) -> Translator:
    """``t(key, **values)``: the text in ``language``, falling back to English, then to the key itself.

    A missing key shows as the key rather than crashing a page at 3 a.m.; the catalog test keeps
    the catalogs complete."""
    own, fallback = catalog(language), catalog(DEFAULT_LANGUAGE)

    def t(key: str, /, **values: object) -> str:
        text = own.get(key) or fallback.get(key)
        if text is None:
            return key
        return text.format(**values) if values else text

    return t


def _from_tag(tag: str) -> str | None:
    tag = tag.strip().lower()
    if tag == "en" or tag.startswith("en-"):
        return "en"
    # Every Chinese variant gets the Traditional catalog: closer for a zh-CN reader than English.
    if tag == "zh" or tag.startswith("zh-"):
        return "zh-Hant"
    return None


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The cookie when it names a catalog, else the best Accept-Language match, else English."""
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = _from_tag(tag)
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def has_message(key: str) -> bool:
    return key in catalog(DEFAULT_LANGUAGE)
