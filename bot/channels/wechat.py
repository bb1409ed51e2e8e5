"""WeChat Official Account channel: WeChat's servers post each message to

    GET/POST /webhooks/wechat/webhook?signature=..&timestamp=..&nonce=..
             [&encrypt_type=aes&msg_signature=..]     (safe mode)

Every request is signed with WECHAT_TOKEN. WeChat waits 5 s for one passive XML reply
and retries (3 tries in all) when none comes: we give the bot WECHAT_REPLY_SECONDS,
answer `success` when it is slower and send its replies later through the
customer-service API. Retries are recognised by MsgId and never processed twice.

Configuration comes from the environment only (see WeChatConfig.from_env).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import aiohttp
from rasa.core.channels.channel import (CollectingOutputChannel, InputChannel, OutputChannel,
                                        UserMessage)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import channel_sender, conversation_id
from bot.channels.buttons import offered_buttons
from bot.channels.gateway import typed_text
from bot.channels.once import OnceOnly
from bot.channels.render import chosen_button, numbered, split_text, visible_replies
from bot.channels.wechat_crypto import (BadMessage, SafeMode, signature_ok, text_reply_xml,
                                        xml_fields)
from bot.nlu.language import LANGUAGES, detect_language, supported
from bot.settings import emergency_number
from bot.texts import message as text_message

logger = logging.getLogger(__name__)

CHANNEL = "wechat"
DEFAULT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_REPLY_SECONDS = 4.5
MAX_REPLY_SECONDS = 4.8  # WeChat gives up after 5 s
MAX_BODY = 64 * 1024  # WeChat's messages are a few KB at most
# In plain mode the signature does not cover the body: a captured signed URL could be
# replayed with another message. Refusing old timestamps keeps that window short
# (WeChat's own retries come within seconds).
MAX_REQUEST_AGE = 300
MAX_TEXT_BYTES = 2048  # WeChat's limit for one text message
TOKEN_ERRORS = {40001, 42001, 40014}  # invalid, expired, malformed access token
GREET = "/greet"
DEFAULT_WECHAT_LANGUAGE = "zh"  # Official Accounts serve people in China


def channel_language() -> str:
    """WECHAT_LANGUAGE (default zh): the language of a WeChat conversation until the person
    writes in another, and of this channel's own notices."""
    value = os.environ.get("WECHAT_LANGUAGE", DEFAULT_WECHAT_LANGUAGE)
    language = supported(value)
    if language is None:
        logger.warning("WECHAT_LANGUAGE must be one of %s; using %s",
                       ", ".join(LANGUAGES), DEFAULT_WECHAT_LANGUAGE)
    return language or DEFAULT_WECHAT_LANGUAGE


def text_of(key: str, language: str | None = None) -> str:
    return text_message(key, language or channel_language(),
                        emergency_number=emergency_number())["text"]


@dataclass(frozen=True)
class WeChatConfig:
    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    encoding_aes_key: str = ""
    api_base: str = DEFAULT_API_BASE
    reply_seconds: float = DEFAULT_REPLY_SECONDS

    @classmethod
    def from_env(cls) -> "WeChatConfig":
        env = os.environ
        return cls(token=env.get("WECHAT_TOKEN", ""), app_id=env.get("WECHAT_APP_ID", ""),
                   app_secret=env.get("WECHAT_APP_SECRET", ""),
                   encoding_aes_key=env.get("WECHAT_ENCODING_AES_KEY", ""),
                   api_base=(env.get("WECHAT_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
                   reply_seconds=reply_seconds(env.get("WECHAT_REPLY_SECONDS")))


def reply_seconds(value: str | None) -> float:
    if not value:
        return DEFAULT_REPLY_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_REPLY_SECONDS:
        logger.warning("WECHAT_REPLY_SECONDS must be a number of seconds above 0 and at most "
                       "%s; using %s", MAX_REPLY_SECONDS, DEFAULT_REPLY_SECONDS)
        return DEFAULT_REPLY_SECONDS
    return seconds


def wechat_pieces(text: str, max_bytes: int = MAX_TEXT_BYTES) -> list[str]:
    """`text` in pieces WeChat accepts: at most `max_bytes` of UTF-8 each (a Chinese
    character takes 3 bytes, so count bytes, not characters)."""
    limit = max_bytes
    while True:
        pieces = split_text(text, limit)
        if all(len(piece.encode("utf-8")) <= max_bytes for piece in pieces):
            return pieces
        limit = limit * 2 // 3


def reply_text(messages: list[dict[str, Any]]) -> str:
    """All the bot's visible replies as one text, buttons as numbered choices."""
    replies = visible_replies(messages)
    # the hint in the language the bot answered in
    language = detect_language(" ".join(reply.text for reply in replies))
    hint = text_of("channel_pick_number", language)
    return "\n\n".join(numbered(reply, hint) for reply in replies)


class WeChatApi:
    """The parts of WeChat's server API we call: access token and customer-service messages."""

    def __init__(self, config: WeChatConfig) -> None:
        self.config = config
        self._token: str | None = None
        self._token_until = 0.0
        self._lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.config.app_id and self.config.app_secret)

    async def _call(self, method: str, path: str, params: dict[str, str],
                    body: dict[str, Any] | None = None) -> dict[str, Any]:
        """WeChat's JSON answer; {} when WeChat could not be reached. (aiohttp, not httpx:
        httpx logs every URL at INFO, and these URLs carry the secret and the token.)"""
        data = None
        if body is not None:
            # WeChat shows \\uXXXX escapes literally: send real UTF-8.
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                async with session.request(method, self.config.api_base + path, params=params,
                                           data=data,
                                           headers={"Content-Type": "application/json"}) as answer:
                    result = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning("WeChat API %s unreachable: %s", path, type(error).__name__)
            return {}
        return result if isinstance(result, dict) else {}

    async def access_token(self, stale: str | None = None) -> str | None:
        """The cached access token, fetched again shortly before it expires or when
        `stale` (a token WeChat refused) is still the cached one."""
        async with self._lock:
            if self._token and self._token != stale and time.monotonic() < self._token_until:
                return self._token
            answer = await self._call("GET", "/cgi-bin/token", {
                "grant_type": "client_credential", "appid": self.config.app_id,
                "secret": self.config.app_secret})
            token = answer.get("access_token")
            if not isinstance(token, str) or not token:
                logger.error("WeChat refused an access token: errcode %s %s (check "
                             "WECHAT_APP_ID, WECHAT_APP_SECRET and the IP whitelist)",
                             answer.get("errcode"), answer.get("errmsg"))
                self._token = None
                return None
            lifetime = float(answer.get("expires_in") or 7200)
            # Renew early: a token must not expire between our check and WeChat's.
            self._token, self._token_until = token, time.monotonic() + max(lifetime - 300,
                                                                            lifetime / 2)
            return token

    async def send_text(self, openid: str, text: str) -> bool:
        """Send `text` (split as needed) as customer-service messages; False if WeChat
        refused (e.g. 45015: the person last wrote more than 48 h ago)."""
        for piece in wechat_pieces(text):
            if not await self._send_piece(openid, piece):
                return False
        return True

    async def _send_piece(self, openid: str, piece: str) -> bool:
        body = {"touser": openid, "msgtype": "text", "text": {"content": piece}}
        token = await self.access_token()
        for attempt in range(2):
            if token is None:
                return False
            answer = await self._call("POST", "/cgi-bin/message/custom/send",
                                      {"access_token": token}, body)
            code = answer.get("errcode")
            if answer and code in (0, None):
                return True
            if code in TOKEN_ERRORS and attempt == 0:
                token = await self.access_token(stale=token)
                continue
            logger.error("WeChat refused a customer-service message: errcode %s %s",
                         code, answer.get("errmsg"))
            return False
        return False


class WeChatOutput(OutputChannel):
    """Sends through the customer-service API: for messages the bot sends outside a
    passive reply (e.g. staff taking over a conversation)."""

    def __init__(self, api: WeChatApi) -> None:
        self.api = api

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        openid = channel_sender(CHANNEL, recipient_id)
        text = reply_text([message])
        if openid and text:
            await self.api.send_text(openid, text)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class Job:
    """One message being processed, shared by WeChat's retries of it.

    The bot's replies go passively to the newest request waiting for them (WeChat
    listens only to its latest try; a retry after a passive reply means WeChat did not
    get it, so it gets the same reply). Once the newest request gives up, they go
    through the customer-service API instead (`send_later`), once.
    """

    def __init__(self, task: asyncio.Task, send_later: Callable[["Job"], None]) -> None:
        self.task = task
        self.send_later = send_later
        self.sent_later = False
        self.latest = 0

    async def passive_reply(self, seconds: float) -> list[dict[str, Any]] | None:
        """The messages to reply passively, or None (answer `success`)."""
        if self.sent_later:
            return None
        self.latest += 1
        ticket, ready = self.latest, False
        try:
            await asyncio.wait_for(asyncio.shield(self.task), max(seconds, 0))
            ready = True
        except asyncio.TimeoutError:
            pass
        finally:  # also when WeChat hung up and Sanic cancelled us
            newest = ticket == self.latest and not self.sent_later
            if newest and not ready:
                self.sent_later = True
                self.send_later(self)
        return self.task.result() if newest and ready else None


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "WeChatInput":
        return cls(WeChatConfig.from_env())

    def __init__(self, config: WeChatConfig | None = None) -> None:
        self.config = config or WeChatConfig.from_env()
        self.api = WeChatApi(self.config)
        self.safe_mode = self._safe_mode()
        self.once = OnceOnly(ttl=600)
        self._background: set[asyncio.Task] = set()
        if not self.config.token:
            logger.warning("WeChat channel off: set WECHAT_TOKEN to connect an Official Account")

    def _safe_mode(self) -> SafeMode | None:
        key = self.config.encoding_aes_key
        if not key:
            return None
        if not self.config.app_id:
            logger.error("WeChat safe mode off: it needs WECHAT_APP_ID too")
            return None
        try:
            return SafeMode(key, self.config.app_id, self.config.token)
        except ValueError as error:
            logger.error("WeChat safe mode off: %s", error)
            return None

    def get_output_channel(self) -> OutputChannel | None:
        return WeChatOutput(self.api) if self.api.configured else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("wechat_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.config.token else "not configured"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            refused = self._refusal(request)
            if refused:
                return refused
            return response.text(request.args.get("echostr", ""))

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            refused = self._refusal(request) or self._stale(request)
            if refused:
                return refused
            body = await read_body(request)
            if body is None:
                logger.warning("WeChat request refused: body over %s bytes", MAX_BODY)
                return response.json({"error": "body too large"}, status=413)
            try:
                message = self._open(request, body)
            except Rejected as rejected:
                logger.warning("WeChat request refused: %s", rejected.reason)
                return response.json({"error": rejected.reason}, status=rejected.status)
            try:
                text = await self._answer(request, message, on_new_message, started)
            except Exception:  # the person gets `success` (silence), never a traceback
                logger.exception("WeChat: could not answer a %s message", message["MsgType"])
                text = None
            return self._reply(request, message, text)

        return webhook

    # --- the request ---------------------------------------------------------------

    def _refusal(self, request: Request) -> HTTPResponse | None:
        if not self.config.token:
            return response.json({"error": "the WeChat channel is not configured "
                                           "(WECHAT_TOKEN is not set)"}, status=503)
        args = request.args
        if not signature_ok(args.get("signature"), self.config.token,
                            args.get("timestamp", ""), args.get("nonce", "")):
            logger.warning("WeChat request with a wrong signature refused")
            return response.json({"error": "wrong signature"}, status=403)
        return None

    @staticmethod
    def _stale(request: Request) -> HTTPResponse | None:
        try:
            age = abs(time.time() - int(request.args.get("timestamp", "")))
        except ValueError:
            age = float("inf")
        if age > MAX_REQUEST_AGE:
            logger.warning("WeChat request refused: timestamp missing or %s s old", int(age))
            return response.json({"error": "stale or missing timestamp"}, status=403)
        return None

    def _open(self, request: Request, body: bytes) -> dict[str, str]:
        """The message's fields, decrypted in safe mode."""
        try:
            message = self._decrypt(request, body) if encrypted(request) else xml_fields(body)
        except BadMessage as error:
            raise Rejected(400, f"not a WeChat message ({error})") from None
        if not message.get("FromUserName") or not message.get("MsgType"):
            raise Rejected(400, "not a WeChat message (no FromUserName or MsgType)")
        return message

    def _decrypt(self, request: Request, body: bytes) -> dict[str, str]:
        if self.safe_mode is None:
            raise Rejected(503, "safe mode is not configured (WECHAT_ENCODING_AES_KEY)")
        encrypted_text = xml_fields(body).get("Encrypt", "")
        args = request.args
        if not encrypted_text or not signature_ok(
                args.get("msg_signature"), self.config.token, args.get("timestamp", ""),
                args.get("nonce", ""), encrypted_text):
            raise Rejected(403, "wrong msg_signature")
        inner, app_id = self.safe_mode.decrypt(encrypted_text)
        if not hmac.compare_digest(app_id.encode(), self.config.app_id.encode()):
            raise Rejected(403, "message encrypted for another AppID")
        return xml_fields(inner)

    def _reply(self, request: Request, message: dict[str, str], text: str | None) -> HTTPResponse:
        if not text:
            return response.text("success")
        xml = text_reply_xml(message["FromUserName"], message.get("ToUserName", ""), text)
        if encrypted(request) and self.safe_mode is not None:
            xml = self.safe_mode.reply_xml(xml, request.args.get("nonce", ""))
        return response.text(xml, content_type="application/xml; charset=utf-8")

    # --- the conversation ------------------------------------------------------------

    async def _answer(self, request: Request, message: dict[str, str],
                      on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      started: float) -> str | None:
        """The passive reply's text, or None for `success`."""
        kind, openid = message["MsgType"], message["FromUserName"]
        msg_id = message.get("MsgId") or message.get("MsgID")
        logger.info("WeChat %s message", kind if kind != "event" else message.get("Event"))
        if kind == "event":
            if message.get("Event", "").lower() != "subscribe":
                return None  # unsubscribe, menu clicks, ...: nothing to say
            text, key = GREET, f"{openid}/event/{message.get('CreateTime', '')}"
        elif kind == "text" or (kind == "voice" and message.get("Recognition", "").strip()):
            text = message.get("Content") if kind == "text" else message["Recognition"]
            key = f"{openid}/{msg_id}" if msg_id else None
        else:
            return text_of("channel_text_only")

        agent = getattr(request.app.ctx, "agent", None)

        async def start() -> Job:
            task = asyncio.ensure_future(
                self._process(on_new_message, agent, openid, text or "", msg_id))
            return Job(task, lambda job: self._send_later(job, openid))

        job: Job = await self.once.run(key, start)
        messages = await job.passive_reply(self.config.reply_seconds
                                           - (time.monotonic() - started))
        if messages is None:
            # Late: the replies follow by customer service, if we can send any.
            return None if self.api.configured else text_of("channel_busy")
        pieces = wechat_pieces(reply_text(messages)) if messages else []
        if len(pieces) > 1:  # a passive reply holds one text message
            self._in_background(self._send_pieces(openid, pieces[1:]))
        return pieces[0] if pieces else None

    async def _process(self, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                       agent: Any, openid: str, text: str,
                       msg_id: str | None) -> list[dict[str, Any]]:
        """The bot's messages for what the person wrote."""
        conversation = conversation_id(CHANNEL, openid)
        try:
            if text != GREET:
                text = await understood(agent, conversation, text)
            if not text:
                return []
            collector = CollectingOutputChannel()
            await on_new_message(UserMessage(text, collector, conversation,
                                             input_channel=CHANNEL, message_id=msg_id,
                                             metadata={"language": channel_language()}))
            return collector.messages
        except Exception:
            logger.exception("WeChat: the bot failed on a message")
            return [{"text": text_of("channel_unavailable")}]

    def _send_later(self, job: Job, openid: str) -> None:
        async def deliver() -> None:
            text = reply_text(await job.task)
            if not text:
                return
            if not self.api.configured:
                logger.error("WeChat: a late reply was dropped; set WECHAT_APP_ID and "
                             "WECHAT_APP_SECRET to send late replies")
                return
            await self.api.send_text(openid, text)

        self._in_background(deliver())

    async def _send_pieces(self, openid: str, pieces: list[str]) -> None:
        if not self.api.configured:
            logger.error("WeChat: a long reply was cut; set WECHAT_APP_ID and "
                         "WECHAT_APP_SECRET to send the rest")
            return
        await self.api.send_text(openid, "\n\n".join(pieces))

    def _in_background(self, work: Awaitable[None]) -> None:
        async def logged() -> None:
            try:
                await work
            except Exception:
                logger.exception("WeChat: a customer-service delivery failed")

        task = asyncio.ensure_future(logged())
        self._background.add(task)  # keep a reference until done, or it may be collected
        task.add_done_callback(self._background.discard)


async def understood(agent: Any, conversation: str, text: str) -> str:
    """A number or title of a button the bot just offered means its payload; anything
    else is typed text."""
    button = chosen_button(text, await offered_buttons(agent, conversation))
    return button.payload if button else typed_text(text)


def encrypted(request: Request) -> bool:
    return request.args.get("encrypt_type", "").lower() == "aes"


async def read_body(request: Request) -> bytes | None:
    """The request body, or None when larger than MAX_BODY (stops reading there)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
