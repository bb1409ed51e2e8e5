"""Gives and stores the triage result once the form has fixed the route."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinics import district_named, utter_clinics
from actions.common import (database, directory, engine, known_facts, language, now, settings,
                            utter)
from actions.checkins import CHECKIN_ROUTES, offer_checkin
from actions.handoff import escalate, start_handoff
from actions.privacy import CONSENT
from bot.directory.consultations import describe_minutes, estimate_wait, need_of
from bot.handoff.escalations import ESCALATED_ROUTES, PAUSING_REASONS, queue_position
from bot.texts import message


class ActionTriageResult(Action):
    def name(self) -> Text:
        return "action_triage_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        facts = known_facts(tracker)
        lang = language(tracker)
        assessment = engine().assess(facts, language=lang)
        if tracker.get_slot(CONSENT) != "given" and assessment.route != "emergency":
            return []  # the person refused the notice: nothing assessed, nothing stored
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
        department = None
        if route == "online_specialist":
            department, _ = directory().department_for(need_of(directory(), facts))
        case = None
        if route in ESCALATED_ROUTES:
            # Stored before the person is told someone will follow up.
            case = escalate(tracker, route, route=route,
                            assessment=assessment.as_payload()["triage"], department=department)
        utter(dispatcher, tracker, f"route_{route}")
        if case is not None and department:
            self._queue(dispatcher, tracker, case, department)
        utter(dispatcher, tracker, "triage_reasons", reasons=" ".join(assessment.reasons))
        utter(dispatcher, tracker, f"precautions_{route}")
        if route == "fever_clinic":
            utter_clinics(dispatcher, tracker, district_named(tracker))
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
        if route in CHECKIN_ROUTES:
            events += offer_checkin(dispatcher, tracker, facts)
        return events

    @staticmethod
    def _queue(dispatcher, tracker: Tracker, case, department: str) -> None:
        """Which department's consultation, the place in its queue, the rough wait."""
        position = queue_position(database(), case)
        lang = language(tracker)
        wait = estimate_wait(directory().departments[department], position, now(), directory(),
                             lang)
        if wait.opens:
            utter(dispatcher, tracker, "consultation_queue_closed", department=wait.department,
                  position=position, opens=wait.opens)
        else:
            utter(dispatcher, tracker, "consultation_queue", department=wait.department,
                  position=position, wait=describe_minutes(wait.minutes, lang))

    @staticmethod
    def _store(tracker: Tracker, facts, assessment) -> None:
        database().save_assessment(
            sender_id=tracker.sender_id,
            channel=(tracker.get_latest_input_channel() or "unknown"),
            facts=facts, route=assessment.route, rules=list(assessment.rules),
            reasons=list(assessment.reasons), protocol_version=assessment.protocol_version,
        )
