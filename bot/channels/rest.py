"""Rasa's REST channel with namespaced conversation ids.

Anyone can post to the REST webhook with any sender; prefixing `rest:` keeps them out
of Telegram, WeChat and web chat conversations, and the input channel is always "rest"
(Rasa's own lets the client choose it).
"""

from __future__ import annotations

from typing import Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot.channels import conversation_id


class NamespacedRestInput(RestInput):
    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = req.json.get("sender")
        return conversation_id(self.name(), str(sender)) if sender is not None else None

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()
