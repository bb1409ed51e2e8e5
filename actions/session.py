"""Session start: the privacy notice at first contact; the deployment's emergency number
and the person's earlier consent carried into the conversation."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import settings
from bot.nlu.language import WRITTEN_LANGUAGE, supported
from actions.privacy import restore_consent


SESSION_START_METADATA = "session_started_metadata"  # Rasa's slot for the first message's metadata


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        language = session_language(tracker)
        tracker.slots["language"] = language  # the notice below is in it
        consent = restore_consent(dispatcher, tracker)  # or the notice, at first contact
        # Domain responses say {emergency_number}; Rasa fills it from this slot.
        return [SessionStarted(), SlotSet("emergency_number", settings().emergency_number),
                SlotSet("language", language), *consent, ActionExecuted("action_listen")]


def session_language(tracker: Tracker) -> str | None:
    """The language a session starts in: the one its first message is written in, else
    the one the person used last time, else the channel's (WeChat: WECHAT_LANGUAGE; the
    web chat page's; the Telegram app's)."""
    metadata = tracker.get_slot(SESSION_START_METADATA) or {}
    return (supported(metadata.get(WRITTEN_LANGUAGE)) or supported(tracker.get_slot("language"))
            or supported(metadata.get("language")))
