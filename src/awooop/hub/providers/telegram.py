"""Telegram Bot API updates delivered to a webhook: chat messages, one item per update."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from awooop.hub.providers._common import epoch_ts, id_str, nonempty, require_object
from awooop.hub.providers.base import ParsedItem, PayloadSchemaError, ProviderSpec, Stage

# Update types that carry a Message; everything else (reactions, polls, member changes,
# callback queries…) is acknowledged and ignored, so it never blocks the chat's queue.
UPDATE_STAGES: dict[str, Stage] = {
    "message": "message",
    "channel_post": "message",
    "business_message": "message",
    "edited_message": "edited",
    "edited_channel_post": "edited",
    "edited_business_message": "edited",
}
_MEDIA = ("photo", "video", "animation", "document", "audio", "voice", "sticker", "location")
# Our own alert posts carry `trace_id=<32 hex>`; only these unambiguous forms are picked up.
_TRACE_ID_HEX = 32  # span ids are 16
_TEXT_IDS = re.compile(r"\b(trace_id|span_id)[=:]\s*([0-9a-f]{32}|[0-9a-f]{16})\b")


def parse_telegram(body: Any, headers: Mapping[str, str]) -> list[ParsedItem]:
    update = require_object(body, "body")
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise PayloadSchemaError("update_id", "must be an integer")
    kind = next((key for key in UPDATE_STAGES if key in update), None)
    if kind is None:
        return []
    message = require_object(update[kind], kind)
    chat = require_object(message.get("chat"), f"{kind}.chat")
    chat_id = id_str(chat.get("id"))
    if chat_id is None:
        raise PayloadSchemaError(f"{kind}.chat.id", "must be an integer")
    stage = UPDATE_STAGES[kind]
    text = nonempty(message.get("text")) or nonempty(message.get("caption")) or _media(message)
    sent = message.get("edit_date") if stage == "edited" else message.get("date")
    return [
        ParsedItem(
            content=update,
            provider_event_id=f"update:{update_id}",
            stage=stage,
            channel_type="chat",
            alertname=None,
            severity=None,
            namespace=None,
            # The sender, so the preview reads "[message] @user: text".
            target_resource=_sender(message),
            fingerprint=None,
            provider_ts=epoch_ts(sent) if isinstance(sent, int) else None,
            labels={},
            summary=text,
            source_url=None,
            source_refs={},
            log_correlation=_text_ids(text),
            channel_chat_id=chat_id,
        )
    ]


def _sender(message: Mapping[str, Any]) -> str | None:
    for key in ("from", "sender_chat"):
        who = message.get(key)
        if not isinstance(who, dict):
            continue
        username = nonempty(who.get("username"))
        if username:
            return f"@{username}"
        name = " ".join(part for part in (nonempty(who.get(k)) for k in ("first_name", "last_name")) if part)
        title = nonempty(who.get("title"))
        if name or title:
            return name or title
    return nonempty(message.get("author_signature"))


def _media(message: Mapping[str, Any]) -> str | None:
    kind = next((key for key in _MEDIA if key in message), None)
    return f"<{kind}>" if kind else None


def _text_ids(text: str | None) -> dict[str, str]:
    if not text or "_id" not in text:
        return {}
    found: dict[str, str] = {}
    for name, value in _TEXT_IDS.findall(text):
        if (name == "trace_id") == (len(value) == _TRACE_ID_HEX):
            found.setdefault(name, value)
    return found


SPEC = ProviderSpec(
    name="telegram",
    channel_type="chat",
    parse=parse_telegram,
    auth="telegram_secret",
    summary="Telegram Bot API update",
    description="An `Update` posted by Telegram (`setWebhook` with `secret_token`). Auth: "
    "`X-Telegram-Bot-Api-Secret-Token`. Update types other than messages, edits and channel posts "
    "are accepted with no events.",
    heartbeat=None,  # a chat, not an alert source
)
