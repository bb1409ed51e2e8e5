"""Starting, restarting and stopping the triage."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import engine, utter


def _forget_answers() -> List[EventType]:
    cleared = [SlotSet(name, None) for name in engine().fact_types]
    return cleared + [SlotSet("triage_reprompts", 0), SlotSet("triage_route", None),
                      SlotSet("triage_result_facts", None), SlotSet("triage_rules", None),
                      SlotSet("requested_slot", None)]


class ActionStartTriage(Action):
    """A fresh check ("check my symptoms"): earlier answers no longer apply."""

    def name(self) -> Text:
        return "action_start_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        utter(dispatcher, tracker, "triage_intro")
        return _forget_answers()


class ActionStartOver(Action):
    def name(self) -> Text:
        return "action_start_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        utter(dispatcher, tracker, "start_over")
        return [ActiveLoop(None)] + _forget_answers()


class ActionStopTriage(Action):
    def name(self) -> Text:
        return "action_stop_triage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        utter(dispatcher, tracker, "triage_stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
