"""Messages the Rasa server sends outside a reply to the person (a staff member's reply,
the bot taking the conversation back): Rasa asks the conversation's input channel for an
output channel (`output_channel=latest` in its HTTP API), and these deliver."""

from __future__ import annotations

import asyncio
import logging
import os
from functools import lru_cache
from typing import Any

import httpx
from rasa.core.channels.channel import OutputChannel

from bot.channels import channel_sender
from bot.channels.render import split_text, visible_replies
from bot.settings import Settings

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _database():
    from bot.storage import Database  # imported late: Rasa loads channels before settings matter

    return Database(Settings.from_env().database_url)


class WebChatOutbox(OutputChannel):
    """The web chat page cannot be called: messages wait in our outbox table until the
    page polls for them (GET /chat/api/messages)."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        from bot.handoff.escalations import push_outbox

        if channel_sender("webchat", recipient_id) is None:
            return
        shown = {key: message[key] for key in ("text", "buttons", "custom") if message.get(key)}
        if message.get("staff"):  # Rasa's BotUttered.message() merges the event's metadata in
            shown["metadata"] = {"staff": message["staff"]}
        if shown:  # a blocking write (SQLite may wait for Rasa's lock): off the event loop
            await asyncio.to_thread(push_outbox, _database(), recipient_id, shown)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class TelegramOutput(OutputChannel):
    """Sends with the Bot API directly (the gateway is only needed to receive)."""

    MAX_CALLBACK_DATA = 64

    def __init__(self, token: str, api_base: str) -> None:
        self.url = f"{api_base}{token}/sendMessage"

    @classmethod
    def from_env(cls) -> "TelegramOutput | None":
        token = os.environ.get("TELEGRAM_BOT_TOKEN")
        if not token:
            return None
        return cls(token, os.environ.get("TELEGRAM_API_BASE", "https://api.telegram.org/bot"))

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        chat_id = channel_sender("telegram", recipient_id)
        if chat_id is None:
            return
        async with httpx.AsyncClient(timeout=30) as http:
            for reply in visible_replies([message]):
                pieces = split_text(reply.text, 4096)
                for number, piece in enumerate(pieces, start=1):
                    body: dict[str, Any] = {"chat_id": chat_id, "text": piece}
                    # Buttons whose payload fits Telegram's callback data; longer ones
                    # are only known to the gateway that made them.
                    keys = [[{"text": b.title, "callback_data": b.payload}]
                            for b in reply.buttons
                            if len(b.payload.encode()) <= self.MAX_CALLBACK_DATA]
                    if keys and number == len(pieces):
                        body["reply_markup"] = {"inline_keyboard": keys}
                    try:
                        answer = await http.post(self.url, json=body)
                        if answer.status_code != 200:
                            logger.error("Telegram refused a message (HTTP %s)", answer.status_code)
                    except httpx.HTTPError as error:
                        logger.error("Could not reach Telegram: %s", type(error).__name__)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})
