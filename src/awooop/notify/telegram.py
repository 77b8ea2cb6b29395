"""Telegram Bot API ``sendMessage`` over httpx.

Outcomes: ``sent``; ``retry`` (network error, 5xx, 429 with Telegram's ``retry_after``);
``permanent`` (other 4xx such as a wrong token, unknown chat or a bot blocked by the chat:
retrying the same request cannot succeed). Error texts never contain the bot token, which is
part of the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Literal["sent", "retry", "permanent"]
    error: str | None = None
    retry_after: float | None = None


class TelegramSender:
    def __init__(self, api_base: str, client: httpx.AsyncClient | None = None) -> None:
        self.api_base = api_base.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
        self._owns_client = client is None

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def send_message(self, *, bot_token: str, chat_id: str, text: str) -> SendResult:
        url = f"{self.api_base}/bot{bot_token}/sendMessage"
        body = {"chat_id": chat_id, "text": text, "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}
        try:
            response = await self._client.post(url, json=body)
        except httpx.HTTPError as exc:
            return SendResult("retry", _scrub(f"{type(exc).__name__}: {exc}", bot_token))
        return _interpret(response, bot_token)


def _interpret(response: httpx.Response, bot_token: str) -> SendResult:
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if response.status_code == 200 and data.get("ok") is True:
        return SendResult("sent")
    description = _scrub(str(data.get("description") or response.reason_phrase or "no description"), bot_token)
    error = f"telegram answered {response.status_code}: {description}"
    if response.status_code == 429:
        parameters = data.get("parameters")
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        delay = float(retry_after) if isinstance(retry_after, int | float) else None
        return SendResult("retry", error, delay)
    if response.status_code >= 500 or response.status_code == 408:
        return SendResult("retry", error)
    if 400 <= response.status_code < 500:
        return SendResult("permanent", error)
    return SendResult("retry", error)


def _scrub(text: str, bot_token: str) -> str:
    return text.replace(bot_token, "<bot-token>") if bot_token else text
