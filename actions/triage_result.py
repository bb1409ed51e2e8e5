"""Gives and stores the triage result once the form has fixed the route."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import database, engine, known_facts, language, settings, utter
from actions.handoff import escalate, start_handoff
from bot.handoff.escalations import ESCALATED_ROUTES, PAUSING_REASONS
from bot.texts import message


class ActionTriageResult(Action):
    def name(self) -> Text:
        return "action_triage_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        facts = known_facts(tracker)
        lang = language(tracker)
        assessment = engine().assess(facts, language=lang)
        previous_facts = tracker.get_slot("triage_result_facts")
        if facts != previous_facts:
            # Stored before the person is told, so a result shown is a result kept.
            self._store(tracker, facts, assessment)
        if (tracker.get_slot("triage_route") == assessment.route
                and tracker.get_slot("triage_rules") == list(assessment.rules)):
            # Nothing new for the person (the same route for the same reasons): no second copy.
            summary = message(f"route_summary_{assessment.route}", lang,
                              emergency_number=settings().emergency_number)["text"]
            utter(dispatcher, tracker, "result_unchanged", route_summary=summary)
            return [SlotSet("triage_result_facts", facts)]
        route = assessment.route
        if route in ESCALATED_ROUTES:
            # Stored before the person is told someone will follow up.
            escalate(tracker, route, route=route, assessment=assessment.as_payload()["triage"])
        utter(dispatcher, tracker, f"route_{route}")
        utter(dispatcher, tracker, "triage_reasons", reasons=" ".join(assessment.reasons))
        utter(dispatcher, tracker, f"precautions_{route}")
        dispatcher.utter_message(json_message=assessment.as_payload())
        events = [SlotSet("triage_route", route), SlotSet("triage_result_facts", facts),
                  SlotSet("triage_rules", list(assessment.rules))]
        if route in PAUSING_REASONS:
            # A specialist replies here: the bot waits for them (handoff_form).
            utter(dispatcher, tracker, "after_result_handoff")
            return events + start_handoff(tracker) + [FollowupAction("handoff_form")]
        if route in ESCALATED_ROUTES:
            utter(dispatcher, tracker, "handoff_followup")
        utter(dispatcher, tracker, "after_result")
        return events

    @staticmethod
    def _store(tracker: Tracker, facts, assessment) -> None:
        database().save_assessment(
            sender_id=tracker.sender_id,
            channel=(tracker.get_latest_input_channel() or "unknown"),
            facts=facts, route=assessment.route, rules=list(assessment.rules),
            reasons=list(assessment.reasons), protocol_version=assessment.protocol_version,
        )
