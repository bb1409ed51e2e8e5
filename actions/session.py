"""Session start: the privacy notice at first contact; the deployment's emergency number
and the person's earlier consent carried into the conversation."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import settings
from actions.privacy import restored_consent, utter_notice_if_new


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        # At first contact, what is kept and why; an earlier answer to it is restored.
        utter_notice_if_new(dispatcher, tracker)
        # Domain responses say {emergency_number}; Rasa fills it from this slot.
        return [SessionStarted(), SlotSet("emergency_number", settings().emergency_number),
                *restored_consent(tracker), ActionExecuted("action_listen")]
