"""Session start: the privacy notice at first contact; the deployment's emergency number
and the person's earlier consent carried into the conversation."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import settings
from actions.privacy import restore_consent


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        consent = restore_consent(dispatcher, tracker)  # or the notice, at first contact
        # Domain responses say {emergency_number}; Rasa fills it from this slot.
        return [SessionStarted(), SlotSet("emergency_number", settings().emergency_number),
                *consent, ActionExecuted("action_listen")]
