"""Session start: carries the deployment's emergency number into the conversation."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import settings


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        # Domain responses say {emergency_number}; Rasa fills it from this slot.
        return [SessionStarted(), SlotSet("emergency_number", settings().emergency_number),
                ActionExecuted("action_listen")]
