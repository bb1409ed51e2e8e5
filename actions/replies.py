"""Yes and no outside the forms: what they answer depends on the question the bot just
asked (a check-in offer, "delete everything?"), kept in the `awaiting_answer` slot."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.checkins import accept_checkin_offer
from actions.common import utter
from actions.privacy import forget

# The actions that ask such a question; a yes or no counts only right after one of them,
# so "yes" to something else later never deletes data or books a check-in.
ASKING_ACTIONS = {"action_triage_result", "action_ask_forget", "action_handoff_resumed"}


def asked_just_now(tracker: Tracker) -> str | None:
    """The `awaiting_answer` question, if the bot's last action before this message asked it."""
    awaiting = tracker.get_slot("awaiting_answer")
    if not awaiting:
        return None
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return awaiting if event.get("name") in ASKING_ACTIONS else None
    return None


class ActionAnswerYes(Action):
    def name(self) -> Text:
        return "action_answer_yes"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        question = asked_just_now(tracker)
        done = [SlotSet("awaiting_answer", None)]
        if question == "forget":
            return forget(dispatcher, tracker) + done
        if question in {"checkin_once", "checkin_daily"}:
            return accept_checkin_offer(dispatcher, tracker, question) + done
        dispatcher.utter_message(response="utter_anything_else")
        return done


class ActionAnswerNo(Action):
    def name(self) -> Text:
        return "action_answer_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        question = asked_just_now(tracker)
        if question == "forget":
            utter(dispatcher, tracker, "forget_kept")
        elif question in {"checkin_once", "checkin_daily"}:
            utter(dispatcher, tracker, "checkin_declined")
        else:
            dispatcher.utter_message(response="utter_goodbye")
        return [SlotSet("awaiting_answer", None)]
