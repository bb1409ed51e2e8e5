"""Prevention answers, supportive answers with counselling contacts, and the crisis path.

The answers themselves are domain responses (domain/faq.yml, domain/support.yml) chosen by
Rasa's ResponseSelectors; these actions decide whether the choice is good enough to give.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import directory, language, now, utter
from actions.handoff import escalate, start_handoff
from bot.directory.config import display
from bot.directory.describe import availability, counselling_lines

# Below this the selected answer may be to another question: saying "I don't know" is
# safer than a confident answer to the wrong question. The selector spreads its confidence
# over ~60 answers, so right answers often score 0.3-0.5: on the held-out split, 0.3 kept
# 91 of 98 right answers and stopped half of the wrong ones ("can my goldfish catch it?").
MIN_ANSWER_CONFIDENCE = 0.3


def utter_selected(dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any],
                   family: str, otherwise: str) -> None:
    """The answer Rasa's selector chose for `family` when it is sure enough and in the
    domain; else the text `otherwise`."""
    response, confidence = selected_response(tracker, family)
    if response and confidence >= MIN_ANSWER_CONFIDENCE and response in domain.get("responses", {}):
        dispatcher.utter_message(response=response)
    else:
        utter(dispatcher, tracker, otherwise)


def selected_response(tracker: Tracker, family: str) -> tuple[str | None, float]:
    """The response Rasa's ResponseSelector chose for `family` (faq, support), and how sure."""
    selector = ((tracker.latest_message or {}).get("response_selector") or {}).get(family) or {}
    response = selector.get("response") or {}
    key = response.get("utter_action") or (
        f"utter_{response['intent_response_key']}" if response.get("intent_response_key") else None)
    return key, float(response.get("confidence") or 0.0)


class ActionAnswerQuestion(Action):
    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        utter_selected(dispatcher, tracker, domain, "faq", otherwise="faq_unknown")
        return []


class ActionSupport(Action):
    """A short supportive answer, then who to talk to (open now first)."""

    def name(self) -> Text:
        return "action_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        utter_selected(dispatcher, tracker, domain, "support", otherwise="support_generic")
        utter(dispatcher, tracker, "support_contacts",
              contacts=counselling_lines(directory(), now(), language(tracker)))
        return []


def crisis_values(lang: str = "en") -> Dict[str, str]:
    line = directory().counselling.crisis_line
    return {"crisis_line": display(line.name, lang), "crisis_phone": line.phone,
            "crisis_hours": availability(line, directory(), now(), lang)}


class ActionCrisis(Action):
    """Self-harm or suicide: the crisis line first, then the most urgent case in the
    staff queue, and the bot waits for staff (handoff_form)."""

    def name(self) -> Text:
        return "action_crisis"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        utter(dispatcher, tracker, "crisis", **crisis_values(language(tracker)))
        escalate(tracker, "crisis")
        return start_handoff(tracker)
