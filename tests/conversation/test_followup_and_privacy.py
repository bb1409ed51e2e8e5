"""Consent before health questions, follow-up check-ins and "delete my data", with the
trained model and the real action server (check-ins are claimed as the scheduler claims
them, then run through Rasa's execute path as the scheduler's /execute call does)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.checkins import store
from bot.privacy.consent import current_decision
from bot.storage.models import AssessmentRecord, CheckIn, ConsentRecord, Escalation

DANGER = ["breathing_difficulty", "chest_pain", "confusion", "cyanosis"]
EXPOSURE = ["contact_confirmed_case", "travel_high_risk_area", "cluster_exposure"]


def rows(database, model, **where):
    with database.session() as session:
        query = select(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return list(session.scalars(query))


def self_care(chat):
    chat.say("can you check my symptoms?")
    chat.press("None of these")
    chat.press("No")  # fever
    chat.press("No")  # respiratory symptoms
    chat.press("None of these")  # exposure
    assert chat.triage["route"] == "self_care"


def run_checkin(chat, database, due: datetime) -> str:
    """What the scheduler does at `due`: claim, then run action_checkin for the person."""
    from rasa.core.channels.channel import CollectingOutputChannel

    claimed = store.claim_due(database, due, "test-scheduler", lease_seconds=300)
    assert [c.conversation_id for c in claimed] == [chat.sender]
    output = CollectingOutputChannel()
    chat.loop.run_until_complete(chat.agent.execute_action(
        chat.sender, "action_checkin", output, None, 1.0))
    chat.replies = output.messages
    return chat.text


# ----- consent ------------------------------------------------------------------------------

def test_first_contact_shows_the_notice_and_asks_consent_before_any_health_question(
        new_person, database):
    new_person.say("I've had a fever of 38.5 since yesterday")
    assert "privacy" in new_person.text and "90 days" in new_person.text
    assert new_person.asked == ["privacy_consent"]
    assert current_decision(database, new_person.sender) is None
    new_person.press("I agree")
    assert current_decision(database, new_person.sender) == "given"
    assert new_person.asked == DANGER  # the first health question comes only now
    new_person.press("None of these")
    # what they said before agreeing was kept: the fever is not asked about again
    assert new_person.asked != ["fever"]
    record = rows(database, ConsentRecord, conversation_id=new_person.sender)[0]
    assert record.notice_version and record.decision == "given"


def test_a_refusal_asks_nothing_and_stores_no_assessment(new_person, database):
    new_person.say("check my symptoms please")
    assert new_person.asked == ["privacy_consent"]
    new_person.press("No, thanks")
    assert "won't ask about your health" in new_person.text
    assert new_person.asked is None and new_person.triage is None
    assert current_decision(database, new_person.sender) == "declined"
    assert rows(database, AssessmentRecord, sender_id=new_person.sender) == []
    new_person.say("how long is the incubation period?")
    assert "Source" in new_person.text  # questions are still answered


def test_a_question_about_the_notice_asks_again(new_person):
    new_person.say("check my symptoms")
    new_person.say("what will you do with my answers and who sees them")
    assert new_person.asked == ["privacy_consent"]


def test_a_danger_sign_gets_emergency_advice_without_waiting_for_consent(new_person):
    new_person.say("my lips have gone blue and I can't breathe")
    assert new_person.triage["route"] == "emergency"
    assert "120" in new_person.text


def test_the_notice_is_shown_once(chat, new_person):
    new_person.say("hi")
    assert "privacy" in new_person.text
    chat.say("hi")  # agreed before: no notice
    assert "privacy" not in chat.text


# ----- check-ins ----------------------------------------------------------------------------

def test_self_care_offers_a_check_in_which_is_stored_and_stopped(chat, database):
    self_care(chat)
    assert "check on you in 24 hours" in chat.text
    before = datetime.now(timezone.utc)
    chat.press("Yes, check on me")
    assert "I'll check on you around" in chat.text
    [checkin] = store.pending(database, chat.sender)
    assert checkin.kind == "once"
    assert timedelta(hours=23, minutes=59) < checkin.due_at - before < timedelta(hours=24, minutes=1)
    chat.say("stop")
    assert "stopped your check-ins" in chat.text
    assert store.pending(database, chat.sender) == []
    chat.say("stop")
    assert "stopped your check-ins" not in chat.text


def test_no_thanks_books_nothing(chat, database):
    self_care(chat)
    chat.press("No, thanks")
    assert "no check-ins" in chat.text.lower()
    assert store.pending(database, chat.sender) == []


def test_a_later_yes_books_nothing(chat, database):
    self_care(chat)
    chat.say("do masks work?")
    chat.say("yes")  # not an answer to the offer any more
    assert store.pending(database, chat.sender) == []


def test_worse_at_the_check_in_asks_the_questions_again(chat, database):
    self_care(chat)
    chat.press("Yes, check on me")
    [checkin] = store.pending(database, chat.sender)
    text = run_checkin(chat, database, checkin.due_at + timedelta(minutes=1))
    assert "How do you feel now" in text
    chat.press("Worse")
    assert chat.asked == DANGER
    chat.say("yes I can't breathe properly")
    assert chat.triage["route"] == "emergency"
    [answered] = rows(database, CheckIn, conversation_id=chat.sender, status="answered")
    assert answered.answer == "worse"


def test_better_at_the_check_in_is_recorded_and_it_was_the_last(chat, database):
    self_care(chat)
    chat.press("Yes, check on me")
    [checkin] = store.pending(database, chat.sender)
    run_checkin(chat, database, checkin.due_at)
    chat.say("much better thanks")
    assert "glad" in chat.text and "last check-in" in chat.text
    assert rows(database, CheckIn, conversation_id=chat.sender)[0].answer == "better"


def test_a_check_in_run_twice_is_said_once(chat, database):
    self_care(chat)
    chat.press("Yes, check on me")
    [checkin] = store.pending(database, chat.sender)
    assert "How do you feel" in run_checkin(chat, database, checkin.due_at)
    # a second scheduler whose lease expired re-sends: the action says nothing
    store.claim_due(database, checkin.due_at + timedelta(minutes=10), "other", lease_seconds=60)
    from rasa.core.channels.channel import CollectingOutputChannel

    output = CollectingOutputChannel()
    chat.loop.run_until_complete(chat.agent.execute_action(
        chat.sender, "action_checkin", output, None, 1.0))
    assert output.messages == []


# ----- delete my data -----------------------------------------------------------------------

def test_delete_my_data_asks_first_then_removes_everything_of_the_person(chat, database):
    chat.say("I have a fever and my colleague tested positive")
    chat.press("None of these")
    assert rows(database, AssessmentRecord, sender_id=chat.sender) or chat.asked
    while chat.asked:  # answer whatever is left with the first button
        buttons = [b for r in chat.replies for b in r.get("buttons") or []]
        chat.say(buttons[0]["payload"] if buttons else "35")
    assert rows(database, AssessmentRecord, sender_id=chat.sender)
    chat.say("please delete my data")
    assert "1 assessment" in chat.text and "Delete it all?" in chat.text
    assert rows(database, AssessmentRecord, sender_id=chat.sender)  # nothing deleted yet
    chat.press("Yes, delete everything")
    assert "I deleted" in chat.text and "1 assessment" in chat.text
    assert rows(database, AssessmentRecord, sender_id=chat.sender) == []
    assert rows(database, ConsentRecord, conversation_id=chat.sender) == []
    assert rows(database, Escalation, conversation_id=chat.sender) == []
    with database.session() as session:
        erased = session.scalars(select(Escalation).where(Escalation.erased_at.is_not(None))).all()
    assert erased and all(case.assessment is None for case in erased)


def test_no_keeps_the_data(chat, database):
    self_care(chat)
    chat.say("delete my data")
    chat.press("No, keep it")
    assert "kept everything" in chat.text
    assert rows(database, AssessmentRecord, sender_id=chat.sender)


@pytest.mark.parametrize("text", ["forget me", "I want my data deleted"])
def test_ways_of_asking(chat, text):
    chat.say(text)
    assert "Delete it all?" in chat.text
