"""Gives and stores the triage result once the form has fixed the route."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import database, engine, known_facts, language, settings, utter
from bot.texts import message


class ActionTriageResult(Action):
    def name(self) -> Text:
        return "action_triage_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        facts = known_facts(tracker)
        lang = language(tracker)
        assessment = engine().assess(facts, language=lang)
        if tracker.get_slot("triage_route") and tracker.get_slot("triage_result_facts") == facts:
            # A message after the result that changed nothing: no second copy of it.
            summary = message(f"route_summary_{assessment.route}", lang,
                              emergency_number=settings().emergency_number)["text"]
            utter(dispatcher, tracker, "result_unchanged", route_summary=summary)
            return []
        # Stored before the person is told, so a result shown is a result kept.
        database().save_assessment(
            sender_id=tracker.sender_id,
            channel=(tracker.get_latest_input_channel() or "unknown"),
            facts=facts, route=assessment.route, rules=list(assessment.rules),
            reasons=list(assessment.reasons), protocol_version=assessment.protocol_version,
        )
        utter(dispatcher, tracker, f"route_{assessment.route}")
        utter(dispatcher, tracker, "triage_reasons", reasons=" ".join(assessment.reasons))
        utter(dispatcher, tracker, f"precautions_{assessment.route}")
        dispatcher.utter_message(json_message=assessment.as_payload())
        utter(dispatcher, tracker, "after_result")
        return [SlotSet("triage_route", assessment.route), SlotSet("triage_result_facts", facts)]
