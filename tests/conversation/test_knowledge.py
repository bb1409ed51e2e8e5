"""Beyond triage, with the trained model and the real action server: prevention answers with
their source, feelings answered with the counselling contacts, the crisis path (also from
the middle of a triage), and the online consultation's department and queue."""

from __future__ import annotations

import pytest

from bot.handoff import escalations
from bot.storage import Database

CRISIS_PHONE = "010-82951332"  # hospital.yml's crisis line
COUNSELLING_PHONE = "12356"


@pytest.fixture
def db(database_url) -> Database:
    return Database(database_url)


@pytest.mark.parametrize("question, words", [
    ("do face masks actually work?", ["mask"]),
    ("how long does it take for symptoms to show up after exposure", ["days"]),
    ("how should I wash my hands", ["soap"]),
    ("my husband is sick, how do I look after him at home", ["room"]),
    ("is the vaccine safe?", ["vaccin"]),
])
def test_prevention_questions_get_a_sourced_answer(chat, question, words):
    chat.say(question)
    assert len(chat.replies) == 1, chat.text
    assert any(source in chat.text for source in ("(Source: WHO)", "(Source: China NHC)",
                                                  "(Source: US CDC)")), chat.text
    for word in words:
        assert word in chat.text.lower(), chat.text


def test_a_question_during_the_triage_is_answered_and_the_check_goes_on(chat):
    chat.say("I have a fever")
    question = chat.asked
    assert question
    chat.say("by the way, how do I wash my hands properly?")
    assert "(Source:" in chat.text and "soap" in chat.text
    assert chat.asked == question


@pytest.mark.parametrize("message", [
    "I can't stop worrying about getting sick",
    "I feel so lonely stuck at home in quarantine",
    "my mother died of the virus last month and I can't cope",
    "I haven't been able to sleep for days",
])
def test_feelings_get_support_and_the_counselling_contacts(chat, message):
    chat.say(message)
    assert COUNSELLING_PHONE in chat.text, chat.text
    assert CRISIS_PHONE not in chat.text  # not a crisis


def test_words_of_suicide_get_the_crisis_line_and_the_most_urgent_case(chat, db):
    chat.say("hi")
    chat.say("I don't want to live anymore")
    assert CRISIS_PHONE in chat.text and "120" in chat.text
    case = escalations.open_case(db, chat.sender)
    assert (case.reason, case.priority, case.paused) == ("crisis", 0, True)


def test_the_crisis_path_escalates_from_the_middle_of_a_triage(chat, db):
    chat.say("I have a fever and a cough")
    assert chat.asked
    chat.say("honestly I just want to end it all")
    assert CRISIS_PHONE in chat.text
    assert chat.asked is None  # the check stops: no more fever questions now
    case = escalations.open_case(db, chat.sender)
    assert (case.reason, case.priority) == ("crisis", 0)
    assert case.assessment["finished"] is False  # staff see the facts so far
    chat.say("are you there?")
    assert "added that to your case" in chat.text  # the bot waits for staff, quietly
    chat.say("I'm thinking of hurting myself")
    assert CRISIS_PHONE in chat.text  # the line again, at once, even while waiting


def test_a_crisis_raises_an_open_case_to_the_top(chat, db):
    chat.say("can I talk to a doctor please")
    assert escalations.open_case(db, chat.sender).priority == 3
    chat.say("I want to kill myself")
    assert CRISIS_PHONE in chat.text
    assert escalations.open_case(db, chat.sender).priority == 0


def test_the_online_specialist_route_names_the_department_and_the_queue(chat, db):
    chat.say("I feel fine, I just came back from an area with lots of cases")
    chat.press("None of these")
    chat.say("no")
    chat.say("no")
    assert chat.triage and chat.triage["route"] == "online_specialist"
    assert "Respiratory Medicine" in chat.text
    assert "in the queue" in chat.text or "in its queue" in chat.text
    assert escalations.open_case(db, chat.sender).department == "respiratory"


def test_a_pregnant_woman_is_queued_for_obstetrics(chat, db):
    chat.say("I have a cough, I'm pregnant")
    for _ in range(12):
        if chat.triage:
            break
        asked = chat.asked or []
        if asked == ["age"]:
            chat.say("29")
        elif asked == ["fever"] or asked == ["healthcare_worker"]:
            chat.press("No")
        elif "symptoms_resolved" in asked:
            chat.press("No, still unwell")
        else:
            chat.press("None of these")
    assert chat.triage and chat.triage["route"] == "online_specialist", chat.text
    assert "Obstetrics" in chat.text
    assert escalations.open_case(db, chat.sender).department == "obstetrics"


def test_the_fever_clinic_route_lists_the_clinics_of_the_district_named(chat):
    chat.say("I live in Chaoyang. I've had a fever of 101F for 3 days and my coworker just tested positive")
    chat.press("None of these")
    assert chat.triage and chat.triage["route"] == "fever_clinic"
    assert "Fever clinics in Chaoyang" in chat.text
    assert "Chaoyang Branch Fever Clinic" in chat.text and "Haidian Community" not in chat.text


def test_official_figures_with_date_and_source_and_plain_words_when_old_or_missing(chat, db):
    from datetime import date, timedelta

    from bot.statistics import store
    from bot.statistics.figures import Figures

    today = date.today()
    store.import_figures(db, [
        Figures("Beijing", 1234, 1100, 9, today - timedelta(days=1), "Beijing Health Commission"),
        Figures("Hubei", 68000, 63000, 4512, today - timedelta(days=6), "Hubei Health Commission"),
    ], "test")
    chat.say("how many cases in Beijing?")
    assert "1,234 confirmed" in chat.text and "Beijing Health Commission" in chat.text
    assert "more than 48 hours" not in chat.text
    chat.say("what are the numbers for hubei")
    assert "68,000 confirmed" in chat.text and "more than 48 hours" in chat.text
    chat.say("how many cases in Atlantis")
    assert "no official figures for Atlantis" in chat.text
