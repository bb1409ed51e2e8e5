"""The knowledge, support, crisis and clinic actions on their own (rasa-sdk trackers, no
model): when an answer is given or "I don't know" is said, contacts, the crisis case."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.common as common
from actions.clinics import ActionFeverClinics
from actions.knowledge import ActionAnswerQuestion, ActionCrisis, ActionSupport
from bot.handoff import escalations

DOMAIN = {"responses": {"utter_faq/masks": [{"text": "Masks help. (Source: WHO)"}],
                        "utter_support/anxiety": [{"text": "It's understandable."}]}}


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'assistant.db'}")
    monkeypatch.delenv("EMERGENCY_NUMBER", raising=False)
    monkeypatch.setenv("ASSISTANT_FIXED_TIME", "2026-11-27T21:00:00+08:00")  # Friday night
    common.settings.cache_clear()
    common.database.cache_clear()
    yield common.database
    common.settings.cache_clear()
    common.database.cache_clear()


def tracker(text: str, selector: dict | None = None, intent: str = "faq") -> Tracker:
    return Tracker.from_dict({
        "sender_id": "rest:someone",
        "slots": {},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9},
                           "entities": [], "response_selector": selector or {},
                           "message_id": "m1"},
        "events": [{"event": "user", "text": text, "input_channel": "rest",
                    "parse_data": {"intent": {"name": intent}}}],
        "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    })


def selected(family: str, key: str, confidence: float) -> dict:
    return {family: {"response": {"intent_response_key": f"{family}/{key}",
                                  "utter_action": f"utter_{family}/{key}",
                                  "confidence": confidence}}}


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, DOMAIN))
    return dispatcher.messages, events


def test_a_confident_answer_is_given_by_its_response():
    messages, _ = run(ActionAnswerQuestion(), tracker("do masks work", selected("faq", "masks", 0.93)))
    assert [m.get("response") for m in messages] == ["utter_faq/masks"]


@pytest.mark.parametrize("selector", [selected("faq", "masks", 0.2), {},
                                      selected("faq", "not_in_domain", 0.99)])
def test_an_unsure_or_unknown_answer_says_so_and_offers_triage_or_a_person(selector):
    messages, _ = run(ActionAnswerQuestion(), tracker("can my goldfish catch it", selector))
    assert "don't have a reliable answer" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/check_symptoms", "/request_human"]


def test_support_gives_the_answer_then_the_contacts_open_now_first():
    messages, _ = run(ActionSupport(), tracker("I'm so anxious", selected("support", "anxiety", 0.8),
                                               intent="support"))
    assert messages[0]["response"] == "utter_support/anxiety"
    contacts = messages[1]["text"]
    # Friday 21:00: the hospital line (Mon-Fri 08:30-17:30) is closed, the national one isn't
    assert contacts.index("12356") < contacts.index("010-5555-0199")
    assert "opens Mon 08:30" in contacts and "any time, day or night" in contacts


def test_a_crisis_gives_the_line_and_opens_the_most_urgent_case(database):
    messages, events = run(ActionCrisis(), tracker("I want to end my life", intent="crisis"))
    assert "010-82951332" in messages[0]["text"] and "120" in messages[0]["text"]
    case = escalations.open_case(database(), "rest:someone")
    assert (case.reason, case.priority, case.paused) == ("crisis", 0, True)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["handoff_acknowledged"] is False  # the bot now waits for staff


def test_clinics_asked_at_night_list_the_night_clinic_before_the_closed_day_clinic():
    messages, _ = run(ActionFeverClinics(), tracker("which fever clinic is open now?",
                                                    intent="ask_clinic_hours"))
    text = messages[0]["text"]
    assert text.index("Haidian Community") < text.index("Chaoyang Branch")
    assert "opens tomorrow 08:00" in text


def test_the_district_named_earlier_in_the_conversation_is_used():
    from actions.clinics import district_named

    conversation = tracker("yes")
    conversation.events[:0] = [{"event": "user", "text": "I live in Chaoyang and have a fever"},
                               {"event": "bot", "text": "Do you have a cough?"}]
    assert district_named(conversation) == "Chaoyang"
    assert district_named(tracker("no district here")) is None
