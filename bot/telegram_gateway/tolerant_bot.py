"""A Bot that survives malformed updates.

python-telegram-bot parses a whole getUpdates batch at once: one update it cannot parse
fails the batch, and polling fetches the same batch again forever. Here an update that
does not parse is replaced by an empty one with the same id, which no handler takes, so
the offset moves past it and the rest of the batch is handled.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

logger = logging.getLogger(__name__)


class TolerantBot(ExtBot):
    async def _post(self, endpoint: str, data: Any = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            result = [parsable for update in result
                      if (parsable := self._parsable(update)) is not None]
        return result

    def _parsable(self, update: Any) -> dict | None:
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            logger.warning("Skipped an update without an id")
            return None
        try:
            Update.de_json(copy.deepcopy(update), self)
        except Exception as error:  # whatever the library trips on, one update must not stop us
            logger.warning("Skipped malformed update %s (%s)", update["update_id"],
                           type(error).__name__)
            return {"update_id": update["update_id"]}
        return update
