"""Follow-up check-ins: the offer after a result, the check-in itself (run by the
check-in scheduler through Rasa's /execute API), the answer, and "stop"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from actions.common import database, directory, language, now, settings, utter
from bot.checkins import store
from bot.directory.config import display
from bot.directory.hours import describe_date, describe_time

EXPOSURES = ("contact_confirmed_case", "travel_high_risk_area", "cluster_exposure")
# What a "worse" answer asks again; who the person is and where they have been stay known.
CHANGING_FACTS = ("breathing_difficulty", "chest_pain", "confusion", "cyanosis", "fever",
                  "temperature_c", "fever_days", "respiratory_symptoms", "symptoms_resolved")
WECHAT_WINDOW_HOURS = 48
# Results after which the bot offers to check in later (online_specialist: once the
# specialist has closed the case, see action_handoff_resumed).
CHECKIN_ROUTES = {"self_care"}
ANSWERS = {"feel_better": "better", "feel_same": "same", "feel_worse": "worse"}


def describe_interval(hours: float, language: str = "en") -> str:
    """"24 hours", "3 days", "12 hours"; in Chinese "24小时", "3天", "12小时"."""
    whole = int(hours) if hours == int(hours) else hours
    if language == "zh":
        return f"{int(hours // 24)}天" if hours % 24 == 0 and hours > 24 else f"{whole}小时"
    if hours % 24 == 0:
        days = int(hours // 24)
        return f"{days} day{'s' if days > 1 else ''}" if days > 1 else "24 hours"
    return f"{whole} hour{'s' if hours != 1 else ''}"


def _local(moment):
    return moment.astimezone(directory().zone)


def _until(days: int):
    return now() + timedelta(days=days)


def offer_checkin(dispatcher: CollectingDispatcher, tracker: Tracker,
                  facts: Dict[str, Any]) -> List[EventType]:
    """After a self-care or online-specialist result: offer to check on the person later
    (daily until the end of the quarantine when they were exposed)."""
    hours, lang = settings().checkin_hours, language(tracker)
    interval = describe_interval(hours, lang)
    wechat = tracker.get_latest_input_channel() == "wechat"
    if wechat and hours >= WECHAT_WINDOW_HOURS:
        utter(dispatcher, tracker, "checkin_wechat_too_late", interval=interval)
        return [SlotSet("awaiting_answer", None)]
    if any(facts.get(name) is True for name in EXPOSURES):
        until = describe_date(_local(_until(settings().quarantine_days)), lang)
        utter(dispatcher, tracker, "checkin_offer_daily", until=until, interval=interval)
        if wechat:
            utter(dispatcher, tracker, "checkin_wechat_window")
        return [SlotSet("awaiting_answer", "checkin_daily")]
    utter(dispatcher, tracker, "checkin_offer", interval=interval)
    return [SlotSet("awaiting_answer", "checkin_once")]


def accept_checkin_offer(dispatcher: CollectingDispatcher, tracker: Tracker,
                         offer: str) -> List[EventType]:
    entities = (tracker.latest_message or {}).get("entities") or []
    once = offer == "checkin_once" or any(
        e.get("entity") == "checkin_kind" and e.get("value") == "once" for e in entities)
    config, moment = settings(), now()
    daily_until = None if once else _until(config.quarantine_days)
    checkin = store.schedule(database(), conversation_id=tracker.sender_id,
                             channel=tracker.get_latest_input_channel() or "unknown",
                             now=moment, hours=config.checkin_hours, daily_until=daily_until)
    due, here, lang = _local(checkin.due_at), _local(moment), language(tracker)
    when = describe_time(due, here, lang)
    if once:
        utter(dispatcher, tracker, "checkin_scheduled", when=when)
    else:
        utter(dispatcher, tracker, "checkin_scheduled_daily", when=when,
              time=due.strftime("%H:%M"), until=describe_date(_local(daily_until), lang))
    return []


class ActionCheckin(Action):
    """Run by the check-in scheduler (Rasa's /execute API, output_channel=latest)."""

    def name(self) -> Text:
        return "action_checkin"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        listen = [ActionExecuted("action_listen")]  # the person's reply starts a normal turn
        # None when not due or already said (a scheduler that died after sending retries).
        if store.claim_delivery_for(database(), tracker.sender_id, now()) is None:
            return listen
        utter(dispatcher, tracker, "checkin_question",
              hospital=display(directory().hospital.name, language(tracker)))
        events: List[EventType] = [SlotSet("awaiting_answer", None)]
        if tracker.active_loop.get("name") == "triage_form":
            # An unfinished check from earlier: the answer to this question starts afresh.
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events + listen


class ActionCheckinAnswer(Action):
    """Better, the same, or worse (worse asks the symptom questions again)."""

    def name(self) -> Text:
        return "action_checkin_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        answer = ANSWERS.get(intent, "same")
        db, moment = database(), now()
        store.record_answer(db, tracker.sender_id, answer, moment)
        if answer == "worse":
            utter(dispatcher, tracker, "checkin_worse")
            cleared = [SlotSet(name, None) for name in CHANGING_FACTS]
            return cleared + [SlotSet("triage_reprompts", 0), SlotSet("triage_route", None),
                              SlotSet("triage_result_facts", None), SlotSet("triage_rules", None),
                              SlotSet("requested_slot", None)]
        utter(dispatcher, tracker, f"checkin_{answer}")
        if store.pending(db, tracker.sender_id):
            utter(dispatcher, tracker, "checkin_next_daily")
        elif store.last_sent(db, tracker.sender_id) is not None:
            utter(dispatcher, tracker, "checkin_last")
        return []


class ActionStopCheckins(Action):
    """"Stop" outside the triage: ends every check-in (or nothing to stop)."""

    def name(self) -> Text:
        return "action_stop_checkins"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        stopped = store.cancel_all(database(), tracker.sender_id, now=now())
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if stopped:
            utter(dispatcher, tracker, "checkins_stopped")
        elif intent == "stop_checkins":
            utter(dispatcher, tracker, "checkins_none")
        else:
            dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("awaiting_answer", None)]
