"""The triage form: reads each answer and asks the protocol's next question."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import engine, known_facts, language, utter
from actions.handoff import escalate
from actions.privacy import CONSENT, consent_answer, record_consent
from bot.dialogue.answers import MIN_CONFIDENCE, NOT_ANSWERS, read_answer
from bot.texts import choice

REQUESTED_SLOT = "requested_slot"


class ValidateTriageForm(Action):
    """Runs after every message while the form is active (and when it starts).

    Sets the facts the message gave, then requests the first fact of the next
    question, or None, which ends the form, once the route is fixed.
    """

    def name(self) -> Text:
        return "validate_triage_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        known = known_facts(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        message = tracker.latest_message or {}
        if requested == CONSENT:
            return self._consent(dispatcher, tracker, known, message)
        question = engine().question_for_fact(requested) if requested else None
        answer = read_answer(
            engine(),
            text=message.get("text") or "",
            intent=(message.get("intent") or {}).get("name"),
            confidence=(message.get("intent") or {}).get("confidence") or 0.0,
            entities=message.get("entities") or [],
            question=question,
            known=known,
        )
        events: List[EventType] = [SlotSet(name, value) for name, value in answer.facts.items()]
        if answer.hint:
            # Not an answer we can use: say why and keep the form going (asks again).
            utter(dispatcher, tracker, answer.hint)
            reprompts = (tracker.get_slot("triage_reprompts") or 0) + 1
            if reprompts == 2:
                # Twice in a row: staff are asked to look (the case is stored first).
                escalate(tracker, "not_understood")
                utter(dispatcher, tracker, "handoff_not_understood")
            if reprompts >= 2:
                utter(dispatcher, tracker, "hint_keep_going")
            return events + [SlotSet("triage_reprompts", reprompts), SlotSet(REQUESTED_SLOT, requested)]
        if not answer.understood and question is not None:
            # Not an answer (help, stop, ...): the form rejects and a rule answers; when the
            # form resumes, this keeps it asking the same question.
            return [SlotSet(REQUESTED_SLOT, requested)]
        facts = {**known, **answer.facts}
        following = engine().next_question(facts)
        if tracker.get_slot(CONSENT) != "given" and (
                following is not None or engine().assess(facts).route != "emergency"):
            # No health question before consent; emergency advice never waits for it.
            return events + [SlotSet("triage_reprompts", 0), SlotSet(REQUESTED_SLOT, CONSENT)]
        if question is not None and following == question:
            utter(dispatcher, tracker, "noted_still_need")  # took what they said; still need this
        next_slot = engine().open_facts(following, facts)[0] if following else None
        return events + [SlotSet("triage_reprompts", 0), SlotSet(REQUESTED_SLOT, next_slot)]

    @staticmethod
    def _consent(dispatcher: CollectingDispatcher, tracker: Tracker, known: Dict[str, Any],
                 message: Dict[str, Any]) -> List[EventType]:
        """The answer to "may I keep your answers?" (asked before the first health question)."""
        intent = (message.get("intent") or {}).get("name")
        confidence = (message.get("intent") or {}).get("confidence") or 0.0
        given = consent_answer(message.get("text") or "", intent)
        if given is None:
            if intent in NOT_ANSWERS and confidence >= MIN_CONFIDENCE:
                # Not an answer (a question, "help"): the form rejects, a rule answers,
                # then the consent question is asked again.
                return [SlotSet(REQUESTED_SLOT, CONSENT)]
            utter(dispatcher, tracker, "consent_hint")
            # Setting a slot keeps the form from rejecting the message (it asks again).
            return [SlotSet("triage_reprompts", tracker.get_slot("triage_reprompts") or 0),
                    SlotSet(REQUESTED_SLOT, CONSENT)]
        events = record_consent(tracker, given)
        if not given:
            utter(dispatcher, tracker, "consent_declined")
            # What they told us before refusing is not kept in the conversation's state.
            return events + [SlotSet(name, None) for name in known] + [
                SlotSet(REQUESTED_SLOT, None)]
        utter(dispatcher, tracker, "consent_given")
        following = engine().next_question(known)
        next_slot = engine().open_facts(following, known)[0] if following else None
        return events + [SlotSet(REQUESTED_SLOT, next_slot)]


class AskQuestion(Action, ABC):
    """Asks the protocol question that covers `fact`, with its `ask` payload."""

    @property
    @abstractmethod
    def fact(self) -> str:
        """The slot (protocol fact) the form requested."""

    def name(self) -> Text:
        return f"action_ask_{self.fact}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        question = engine().question_for_fact(self.fact)
        asked = engine().open_facts(question, known_facts(tracker)) or [self.fact]
        if question.type == "choice":
            # Only the options still open: what the person already told us is not offered again.
            options = choice(f"question_{question.id}", asked, language(tracker))
            buttons = [{"title": title, "payload": "/inform" + json.dumps({fact: True})}
                       for fact, title in options["options"]]
            buttons.append({"title": options["none"], "payload": "/deny"})
            dispatcher.utter_message(text=options["text"], buttons=buttons)
        else:
            utter(dispatcher, tracker, f"question_{question.id}")
        dispatcher.utter_message(json_message={"ask": asked, "type": question.type})
        return []


def _ask_action(fact: str) -> type:
    return type(f"Ask_{fact}", (AskQuestion,), {"fact": fact})


# One action_ask_<fact> per protocol fact: Rasa's form looks them up by slot name.
ASK_ACTIONS = [_ask_action(fact) for fact in engine().fact_types]
