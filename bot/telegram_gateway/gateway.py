"""What the gateway does with each kind of Telegram update."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

from telegram import Bot, BotCommand, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (Application, CallbackQueryHandler, CommandHandler, ContextTypes,
                          MessageHandler, filters)

from bot.channels.client import RasaClient, RasaRefused, RasaUnavailable
from bot.channels.render import split_text, visible_replies
from bot.telegram_gateway.config import TelegramSettings
from bot.telegram_gateway.keyboards import CallbackPayloads, keyboard, pressed_title
from bot.nlu.language import DEFAULT_LANGUAGE, supported
from bot.texts import message as text_message

logger = logging.getLogger(__name__)

# Telegram commands and the bot intents they stand for.
COMMANDS = {"start": "/greet", "restart": "/start_over", "help": "/help",
            "forget": "/forget_me", "stop": "/stop_checkins", "language": "/switch_language"}
# The command menu in each of the bot's languages (Telegram shows the one of the user's app).
COMMAND_DESCRIPTIONS = {
    "en": {"start": "Check your symptoms", "restart": "Start over", "help": "What I can do",
           "stop": "Stop follow-up check-ins", "forget": "Delete my data",
           "language": "中文 / English"},
    "zh": {"start": "症状自查", "restart": "重新开始", "help": "我能做什么",
           "stop": "停止随访", "forget": "删除我的数据", "language": "中文 / English"},
}
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing..." for 5 s
SEND_ATTEMPTS = 5


def app_language(update: Update) -> str:
    """The language of the person's Telegram app, if it is one of ours ("zh-hans": zh)."""
    user = update.effective_user
    return supported(user.language_code if user else None) or DEFAULT_LANGUAGE


class Gateway:
    def __init__(self, settings: TelegramSettings, rasa: RasaClient) -> None:
        self.settings = settings
        self.rasa = rasa
        self.payloads = CallbackPayloads()
        # One message at a time per chat, so each chat's answers keep their order while
        # other chats go on (updates are handled concurrently).
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._users: defaultdict[int, int] = defaultdict(int)

    def register(self, app: Application) -> None:
        private = filters.ChatType.PRIVATE
        new = filters.UpdateType.MESSAGE
        # Group chats first: health questions do not belong where others can read them.
        app.add_handler(MessageHandler(filters.ChatType.GROUPS & new, self.on_group_message))
        app.add_handler(CommandHandler(list(COMMANDS), self.on_command, filters=private & new))
        app.add_handler(MessageHandler(private & new & filters.COMMAND, self.on_unknown_command))
        app.add_handler(MessageHandler(private & new & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        app.add_handler(MessageHandler(private & new, self.on_not_text))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)

    async def set_commands(self, app: Application) -> None:
        with contextlib.suppress(TelegramError):
            for language, descriptions in COMMAND_DESCRIPTIONS.items():
                await app.bot.set_my_commands(
                    [BotCommand(name, descriptions[name]) for name in COMMANDS],
                    language_code=None if language == DEFAULT_LANGUAGE else language)

    # --- updates --------------------------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = update.effective_message.text.split()[0][1:].split("@")[0].lower()
        await self.forward(update, context.bot, payload=COMMANDS[command])

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.say(context.bot, update.effective_chat.id, "channel_unknown_command",
                       language=app_language(update))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.forward(update, context.bot, message=update.effective_message.text)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        with contextlib.suppress(TelegramError):
            await query.answer()  # stops the button's loading spinner
        message = query.message
        if message is None or update.effective_chat is None:
            return  # a button on an inline message: not ours
        if update.effective_chat.type != "private":
            return
        title = pressed_title(message.reply_markup, query.data or "")
        # Show the choice and remove the keyboard, so an old question cannot be answered twice.
        with contextlib.suppress(TelegramError):
            await query.edit_message_text(f"{message.text}\n\n✓ {title}" if title else message.text)
        payload = self.payloads.payload_for(query.data or "")
        if payload is None:
            await self.say(context.bot, update.effective_chat.id, "channel_stale_button",
                           language=app_language(update))
            return
        await self.forward(update, context.bot, payload=payload)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.say(context.bot, update.effective_chat.id, "channel_edited",
                       language=app_language(update))

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.say(context.bot, update.effective_chat.id, "channel_text_only",
                       language=app_language(update))

    async def on_group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        me = context.bot.username
        addressed = (
            (message.text or "").startswith("/")
            or f"@{me}".lower() in (message.text or "").lower()
            or (message.reply_to_message is not None
                and message.reply_to_message.from_user is not None
                and message.reply_to_message.from_user.id == context.bot.id))
        if addressed:
            await self.say(context.bot, update.effective_chat.id, "channel_private_only",
                           language=app_language(update), bot_link=f"https://t.me/{me}")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Logged without the update: it holds what the person wrote.
        logger.error("Error while handling an update: %r", context.error,
                     exc_info=context.error if not isinstance(context.error, NetworkError) else None)

    # --- talking to Rasa and to the person ---------------------------------------------------
    async def forward(self, update: Update, bot: Bot, *, message: str | None = None,
                      payload: str | None = None) -> None:
        chat_id = update.effective_chat.id
        language = app_language(update)
        async with self._chat_lock(chat_id):
            typing = asyncio.create_task(self._keep_typing(bot, chat_id))
            try:
                replies = await self.rasa.send_with_retries(
                    str(chat_id), message=message, payload=payload,
                    message_id=f"telegram-update-{update.update_id}",
                    # the app's language answers a first "38" or /start in it
                    metadata={"language": language},
                    on_first_failure=lambda: self.say(bot, chat_id, "channel_busy",
                                                      language=language),
                    delays=self.settings.retry_delays)
            except RasaUnavailable:
                logger.error("Gave up on update %s: Rasa stayed unavailable", update.update_id)
                replies = [text_message("channel_unavailable", language,
                                        emergency_number=self.settings.emergency_number)]
            except RasaRefused as error:
                logger.error("Rasa refused update %s: %s", update.update_id, error)
                replies = [text_message("channel_not_understood", language)]
            finally:
                typing.cancel()
            await self.send_replies(bot, chat_id, replies)

    async def send_replies(self, bot: Bot, chat_id: int, messages: list[dict[str, Any]]) -> None:
        for reply in visible_replies(messages):
            pieces = split_text(reply.text, MessageLimit.MAX_TEXT_LENGTH) or [""]
            for number, piece in enumerate(pieces, start=1):
                markup = keyboard(reply.buttons, self.payloads) if number == len(pieces) else None
                await self._send(bot, chat_id, piece or "…", markup)

    async def say(self, bot: Bot, chat_id: int, key: str, language: str = DEFAULT_LANGUAGE,
                  **values: Any) -> None:
        values.setdefault("emergency_number", self.settings.emergency_number)
        await self.send_replies(bot, chat_id, [text_message(key, language, **values)])

    async def _send(self, bot: Bot, chat_id: int, text: str,
                    markup: InlineKeyboardMarkup | None) -> None:
        """Send one message, waiting out Telegram's flood control and short network errors."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await bot.send_message(chat_id, text, reply_markup=markup)
                return
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
            except (Forbidden, BadRequest) as error:
                logger.warning("Telegram refused a message to a chat: %s", error)
                return  # blocked by the person, or chat gone: retrying cannot help
            except NetworkError as error:
                if attempt == SEND_ATTEMPTS:
                    logger.error("Could not send a message to Telegram: %s", error)
                    return
                await asyncio.sleep(2 ** attempt)

    async def _keep_typing(self, bot: Bot, chat_id: int) -> None:
        with contextlib.suppress(TelegramError):
            while True:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(TYPING_EVERY)

    @contextlib.asynccontextmanager
    async def _chat_lock(self, chat_id: int):
        self._users[chat_id] += 1
        try:
            async with self._locks[chat_id]:
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:  # nobody waiting: forget the chat
                del self._users[chat_id], self._locks[chat_id]


def _seconds(retry_after: Any) -> float:
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)
