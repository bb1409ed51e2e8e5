"""Handing a conversation to hospital staff, waiting while they handle it, and taking it back.

The case is stored (bot.handoff.escalations) in the same action that tells the person
someone will follow up, so a promise made is a case in the staff queue.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.checkins import offer_checkin
from actions.common import database, engine, known_facts, language, utter
from actions.privacy import forget_while_waiting
from bot.handoff import escalations

DANGER_SIGNS = ("breathing_difficulty", "chest_pain", "confusion", "cyanosis")


def escalate(tracker: Tracker, reason: str, route: str | None = None,
             assessment: Dict[str, Any] | None = None,
             department: str | None = None) -> escalations.Escalation:
    return escalations.escalate(
        database(), conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown", reason=reason,
        route=route or tracker.get_slot("triage_route"),
        assessment=assessment or current_assessment(tracker), department=department)


def current_assessment(tracker: Tracker) -> Dict[str, Any] | None:
    """The facts so far and, once there is a result, its route, rules and reasons."""
    facts = known_facts(tracker)
    if not facts:
        return None
    if engine().next_question(facts) is not None:
        # Unfinished: a route now would be a guess nobody made.
        return {"facts": facts, "finished": False,
                "protocol_version": engine().version}
    return {**engine().assess(facts).as_payload()["triage"], "finished": True}


def start_handoff(tracker: Tracker) -> List[EventType]:
    """Slots that make handoff_form wait for staff, starting after the current message."""
    return [SlotSet("handoff_done", None), SlotSet("handoff_acknowledged", False),
            SlotSet("handoff_message_id", (tracker.latest_message or {}).get("message_id"))]


class ActionRequestHuman(Action):
    """"Can I talk to a doctor?": a case for staff, and the bot waits for them."""

    def name(self) -> Text:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        escalate(tracker, "asked_for_human")
        utter(dispatcher, tracker, "handoff_requested")
        return start_handoff(tracker)


class ActionNotUnderstood(Action):
    """Says the bot did not understand; twice in a row, staff are asked to look."""

    def name(self) -> Text:
        return "action_not_understood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if _fallbacks_in_a_row(tracker) >= 2:
            escalate(tracker, "not_understood")
            utter(dispatcher, tracker, "handoff_not_understood")
        else:
            utter(dispatcher, tracker, "not_understood")
        return []


def _fallbacks_in_a_row(tracker: Tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent != "nlu_fallback":
                break
            count += 1
    return count


class ValidateHandoffForm(Action):
    """Runs for every message while staff have the conversation: the bot stays quiet
    (the message is recorded for staff), except that danger signs get emergency advice
    at once and make the case urgent. Never fills handoff_done: only staff end this."""

    def name(self) -> Text:
        return "validate_handoff_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        message = tracker.latest_message or {}
        # Always set a slot: a validation that sets nothing makes the form reject the
        # message, and the bot's ordinary rules would answer it.
        quiet = [SlotSet("handoff_acknowledged", tracker.get_slot("handoff_acknowledged"))]
        if message.get("message_id") == tracker.get_slot("handoff_message_id"):
            return quiet  # the message that started the handoff: already answered
        intent = (message.get("intent") or {}).get("name")
        if intent == "forget_me" or tracker.get_slot("awaiting_answer") == "forget":
            # "Delete my data" is answered even while staff have the conversation.
            return forget_while_waiting(dispatcher, tracker, intent) + quiet
        if intent == "crisis":
            # Whatever the wait was for: the crisis line again, and the case to the top.
            from actions.knowledge import crisis_values  # late: knowledge imports this module

            escalate(tracker, "crisis")
            utter(dispatcher, tracker, "crisis_again", **crisis_values(language(tracker)))
            return quiet
        danger = [e["entity"] for e in message.get("entities") or []
                  if e.get("entity") in DANGER_SIGNS and e.get("value") is True]
        if danger:
            events: List[EventType] = [SlotSet(name, True) for name in danger]
            facts = {**known_facts(tracker), **{name: True for name in danger}}
            assessment = engine().assess(facts).as_payload()["triage"]
            escalate(tracker, "emergency", route="emergency", assessment=assessment)
            utter(dispatcher, tracker, "route_emergency")
            utter(dispatcher, tracker, "handoff_danger_noted")
            return events + quiet
        if not tracker.get_slot("handoff_acknowledged"):
            utter(dispatcher, tracker, "handoff_received")
            return [SlotSet("handoff_acknowledged", True)]
        return quiet


class ActionAskHandoffDone(Action):
    """The handoff form's "question": nothing to ask, the bot just listens."""

    def name(self) -> Text:
        return "action_ask_handoff_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return []


class ActionHandoffResumed(Action):
    """Run by the console (Rasa's /execute API) when staff close the case."""

    def name(self) -> Text:
        return "action_handoff_resumed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.active_loop_name != "handoff_form":
            return []  # the bot was not waiting (e.g. a case that only needed a look)
        utter(dispatcher, tracker, "handoff_resumed")
        offer: List[EventType] = []
        if tracker.get_slot("triage_route") == "online_specialist":
            offer = offer_checkin(dispatcher, tracker, known_facts(tracker))
        # Ends the wait, and listens: the person's next message starts a normal turn.
        return [ActiveLoop(None), SlotSet("requested_slot", None),
                SlotSet("handoff_done", None), SlotSet("handoff_message_id", None),
                SlotSet("handoff_acknowledged", None)] + offer + [ActionExecuted("action_listen")]
