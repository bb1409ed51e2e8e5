"""Rasa input channels for our own gateways (the Telegram gateway, the web app).

A gateway speaks its platform's protocol and posts each message here:

    POST /webhooks/<channel>/webhook          Authorization: Bearer <CHANNEL_TOKEN>
    {"sender": "<id on the platform>", "message": "typed text"}
    {"sender": "...", "payload": "<payload of a button the bot offered>"}
    optional: "message_id" (a retry with the same id is processed once), "metadata" {...}

and gets the bot's replies back as Rasa's REST channel gives them. Only our gateways hold
the token: the webhooks sit on Rasa's port, which may face the internet (WeChat).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import (CollectingOutputChannel, InputChannel, OutputChannel,
                                        UserMessage)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import MAX_TEXT, conversation_id
from bot.channels.buttons import offered_buttons
from bot.channels.once import OnceOnly
from bot.channels.outbound import TelegramOutput, WebChatOutbox
from bot.settings import channel_token
from bot.texts import message as text_message

logger = logging.getLogger(__name__)

MAX_SENDER = 128
# Payloads a gateway may send without a button: platform commands (/start, /help, ...).
COMMAND_PAYLOADS = frozenset({"/greet", "/help", "/start_over", "/forget_me", "/stop_checkins",
                              "/switch_language"})


def typed_text(text: str) -> str:
    """Typed text never triggers an intent directly: "/inform{...}" typed by a person would
    otherwise set any fact it names."""
    return text.lstrip("/").strip() if text.startswith("/") else text.strip()


class GatewayInput(InputChannel):
    """Base of the channels our gateways post to; subclasses give the name."""

    def __init__(self) -> None:
        self.once = OnceOnly()
        self._expected_authorization = f"Bearer {channel_token()}".encode()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "GatewayInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_gateway_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            try:
                body = request.json
            except Exception:  # Sanic raises its own InvalidUsage for bad JSON
                body = None
            problem = self._problem(body)
            if problem:
                return response.json({"error": problem}, status=400)
            sender = conversation_id(self.name(), str(body["sender"]))
            text = body.get("payload")
            if text is None:
                text = typed_text(body["message"])
                if not text:
                    return response.json({"error": "empty message"}, status=400)
            elif text not in COMMAND_PAYLOADS:
                offered = await offered_buttons(getattr(request.app.ctx, "agent", None), sender)
                if text not in {button.payload for button in offered}:
                    # A button of an earlier question: answering it now would answer the
                    # current question with the wrong meaning.
                    return response.json([text_message("channel_stale_button")])

            async def process() -> list[dict[str, Any]]:
                collector = CollectingOutputChannel()
                await on_new_message(UserMessage(
                    text, collector, sender, input_channel=self.name(),
                    message_id=body.get("message_id"), metadata=body.get("metadata") or None))
                return collector.messages

            message_id = body.get("message_id")
            key = f"{sender}/{message_id}" if message_id else None
            return response.json(await self.once.run(key, process))

        return webhook

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "").encode()
        return hmac.compare_digest(header, self._expected_authorization)

    @staticmethod
    def _problem(body: Any) -> str | None:
        if not isinstance(body, dict):
            return "expected a JSON object"
        sender = body.get("sender")
        if not isinstance(sender, (str, int)) or not str(sender) or len(str(sender)) > MAX_SENDER:
            return "sender must be a non-empty id of at most 128 characters"
        has_message, has_payload = "message" in body, "payload" in body
        if has_message == has_payload:
            return "give either message or payload"
        value = body.get("message", body.get("payload"))
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            return f"message must be text of at most {MAX_TEXT} characters"
        if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
            return "metadata must be an object"
        if body.get("message_id") is not None and not isinstance(body["message_id"], (str, int)):
            return "message_id must be a string"
        return None


class WebChatInput(GatewayInput):
    """The web chat page, through the web app (bot.web)."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def get_output_channel(self) -> OutputChannel:
        return WebChatOutbox()


class TelegramInput(GatewayInput):
    """Telegram, through our python-telegram-bot gateway (bot.telegram)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def get_output_channel(self) -> OutputChannel | None:
        return TelegramOutput.from_env()
