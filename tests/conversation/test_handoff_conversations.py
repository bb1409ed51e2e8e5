"""Handing conversations to staff, with the trained model and the real action server: who
gets a case, at what priority, and how the bot behaves while staff have it."""

from __future__ import annotations

import pytest

from bot.handoff import escalations
from bot.storage import Database


@pytest.fixture
def db(database_url) -> Database:
    return Database(database_url)


def case_of(db: Database, chat):
    return escalations.open_case(db, chat.sender)


def resume(chat) -> None:
    """What the console does when staff close the case (Rasa's /execute)."""
    from rasa.core.channels.channel import CollectingOutputChannel

    output = CollectingOutputChannel()
    chat.loop.run_until_complete(chat.agent.execute_action(
        chat.sender, "action_handoff_resumed", output, policy=None, confidence=None))
    chat.replies = output.messages


def test_asking_for_a_doctor_opens_a_case_and_the_bot_waits(chat, db):
    chat.say("hi")
    chat.say("can I talk to a real doctor?")
    assert "member of the hospital's staff" in chat.text and "30 minutes" in chat.text
    case = case_of(db, chat)
    assert (case.reason, case.priority, case.paused) == ("asked_for_human", 3, True)
    chat.say("I have had a cough for a week")
    assert "added that to your case" in chat.text  # told once that staff will see it
    chat.say("hello? anyone there?")
    assert chat.replies == []  # then quiet: staff have the conversation
    chat.say("I can't stop coughing and now I'm also feeling dizzy and weak")
    assert chat.replies == []


def test_danger_signs_while_waiting_get_emergency_advice_and_an_urgent_case(chat, db):
    chat.say("I want to speak to a nurse")
    chat.say("my lips are turning blue")
    assert "emergency" in chat.text.lower() and "120" in chat.text
    case = case_of(db, chat)
    assert (case.reason, case.priority, case.route) == ("emergency", 1, "emergency")
    assert case.paused  # staff still have it, now at the top of the queue


def test_the_bot_takes_over_again_when_staff_close_the_case(chat, db):
    chat.say("connect me to a human please")
    chat.say("ok")
    resume(chat)
    assert "closed this conversation" in chat.text
    chat.say("I have a fever")
    assert chat.asked  # back to a normal triage


def test_resuming_a_conversation_that_was_not_waiting_says_nothing(chat):
    chat.say("hi")
    resume(chat)
    assert chat.replies == []


def test_asking_for_a_person_during_the_triage(chat, db):
    chat.say("I have a fever")
    assert chat.asked
    chat.say("can I just talk to a doctor?")
    assert "member of the hospital's staff" in chat.text
    assert case_of(db, chat).reason == "asked_for_human"
    chat.say("yes")
    assert "added that to your case" in chat.text  # not taken as a triage answer


def test_online_specialist_result_hands_over_to_a_specialist(chat, db):
    chat.say("I feel fine, I just came back from an area with lots of cases")
    chat.press("None of these")
    chat.say("no")
    chat.say("no")
    assert chat.triage["route"] == "online_specialist"
    assert "reply here in this chat" in chat.text
    assert not any(r.get("buttons") for r in chat.replies)  # no "start over" while waiting
    case = case_of(db, chat)
    assert (case.reason, case.route, case.paused) == ("online_specialist", "online_specialist", True)
    assert case.assessment["rules"] == ["R-O2"] and case.assessment["facts"]
    chat.say("thanks, how long will it take?")
    assert "added that to your case" in chat.text


def test_an_emergency_result_opens_an_urgent_case_without_pausing(chat, db):
    chat.say("my baby is breathing very fast and her lips are blue")
    assert chat.triage["route"] == "emergency"
    assert "passed your answers to the hospital's staff" in chat.text
    case = case_of(db, chat)
    assert (case.reason, case.priority, case.paused) == ("emergency", 1, False)
    chat.say("thank you")
    assert chat.replies  # the bot still answers


def test_two_answers_in_a_row_not_understood_ask_staff_to_look(chat, db):
    chat.say("I have a fever")
    chat.press("None of these")
    chat.say("🤷")
    assert case_of(db, chat) is None
    chat.say("??")
    assert "asked a member of the hospital's staff" in chat.text
    case = case_of(db, chat)
    assert (case.reason, case.priority, case.paused) == ("not_understood", 4, False)
    assert chat.asked  # the triage goes on


def test_two_messages_in_a_row_not_understood_outside_the_triage(chat, db):
    chat.say("blorf snargle wibbet")
    assert "didn't understand" in chat.text
    assert case_of(db, chat) is None
    chat.say("zorp quanglefax brimbo")
    assert "asked a member of the hospital's staff" in chat.text
    assert case_of(db, chat).reason == "not_understood"
