"""Switching the conversation's language ("中文", "English", /language)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import utter
from bot.nlu.language import requested_language, supported


def asked_language(tracker: Tracker) -> str | None:
    """The language the last message asks for by name or by button, if any."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    if not text.startswith("/"):
        return requested_language(text)
    for entity in message.get("entities") or []:  # a button: /switch_language{"language": "zh"}
        if entity.get("entity") == "language":
            return supported(entity.get("value"))
    return None


class ActionSwitchLanguage(Action):
    def name(self) -> Text:
        return "action_switch_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        language = asked_language(tracker)
        if language is None:  # "/language", "change language": offer both
            utter(dispatcher, tracker, "language_choose")
            return []
        slot = SlotSet("language", language)
        tracker.slots["language"] = language  # the confirmation is in the new language
        utter(dispatcher, tracker, "language_switched")
        return [slot]
