""""How many cases in Beijing?", "latest numbers": the official figures staff keep in the
console, with their date and source (bot.statistics does the work)."""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import database, language, now, utter
from bot.statistics import answers, store
from bot.statistics.regions import region_asked

logger = logging.getLogger(__name__)
DEFAULT_REGION = "STATISTICS_DEFAULT_REGION"  # what "latest numbers" answers, if set


class ActionStatistics(Action):
    def name(self) -> Text:
        return "action_statistics"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        try:
            latest = store.latest_figures(database())
        except SQLAlchemyError:
            logger.exception("Cannot read the official statistics")
            utter(dispatcher, tracker, "statistics_unavailable")
            return []
        text = (tracker.latest_message or {}).get("text") or ""
        result = answers.answer(latest, region_asked(text, [row.region for row in latest]),
                                now(), os.environ.get(DEFAULT_REGION) or None)
        for key, values in answers.replies(result, language(tracker)):
            utter(dispatcher, tracker, key, **values)
        return []
