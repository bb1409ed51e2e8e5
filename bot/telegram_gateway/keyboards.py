"""Bot buttons as Telegram inline keyboards, and presses back to the buttons' payloads."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.render import Button

MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit
SHORT_TITLE = 14  # two such buttons fit side by side on a phone


class CallbackPayloads:
    """Telegram callback data is at most 64 bytes: longer payloads travel as a digest,
    remembered here (bounded; a press on a long-forgotten button is reported as stale)."""

    def __init__(self, max_size: int = 50_000) -> None:
        self.max_size = max_size
        self._by_digest: OrderedDict[str, str] = OrderedDict()

    def data_for(self, payload: str) -> str:
        if len(payload.encode()) <= MAX_CALLBACK_DATA and not payload.startswith("#"):
            return payload
        digest = "#" + hashlib.sha256(payload.encode()).hexdigest()[:32]
        self._by_digest[digest] = payload
        self._by_digest.move_to_end(digest)
        while len(self._by_digest) > self.max_size:
            self._by_digest.popitem(last=False)
        return digest

    def payload_for(self, data: str) -> str | None:
        if data.startswith("#"):
            return self._by_digest.get(data)
        return data


def keyboard(buttons: list[Button], payloads: CallbackPayloads) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    keys = [InlineKeyboardButton(b.title, callback_data=payloads.data_for(b.payload))
            for b in buttons]
    short = all(len(b.title) <= SHORT_TITLE for b in buttons)
    rows = [keys[i:i + 2] for i in range(0, len(keys), 2)] if short else [[k] for k in keys]
    return InlineKeyboardMarkup(rows)


def pressed_title(markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    """The title of the button whose callback data is `data`."""
    for row in (markup.inline_keyboard if markup else ()):
        for key in row:
            if key.callback_data == data:
                return key.text
    return None
