"""Help that fits the moment: what the current question means, why the result is what it
is, or what the assistant does."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import engine, known_facts, language, utter


class ActionExplain(Action):
    def name(self) -> Text:
        return "action_explain"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        if tracker.active_loop.get("name") == "triage_form" and requested:
            question = engine().question_for_fact(requested)
            utter(dispatcher, tracker, f"explain_{question.id}")  # then the form asks again
        elif tracker.get_slot("triage_route"):
            assessment = engine().assess(known_facts(tracker), language=language(tracker))
            utter(dispatcher, tracker, "explain_result", reasons=" ".join(assessment.reasons),
                  protocol_version=assessment.protocol_version)
        else:
            utter(dispatcher, tracker, "help_general")
        return []
