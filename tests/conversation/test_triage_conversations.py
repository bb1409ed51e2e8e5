"""Scripted conversations with the trained assistant and the real action server.

Each test reads the bot's machine-readable payloads (`ask` for questions, `triage` for
the result), which are part of its public interface, and some of its words.
"""

from __future__ import annotations

import pytest

from bot.triage import load_engine

ENGINE_VERSION = load_engine().version

DANGER = ["breathing_difficulty", "chest_pain", "confusion", "cyanosis"]
EXPOSURE = ["contact_confirmed_case", "travel_high_risk_area", "cluster_exposure"]
RISKS = ["pregnant", "chronic_condition", "immunocompromised"]


def route(chat) -> str | None:
    return chat.triage["route"] if chat.triage else None


def start_check(chat):
    chat.say("can you check my symptoms?")
    assert chat.asked == DANGER
    chat.press("None of these")


# ----- the openers from the issue --------------------------------------------------------

def test_fever_and_positive_coworker_goes_to_fever_clinic_after_one_question(chat):
    chat.say("I've had a fever of 101F for 3 days and my coworker just tested positive")
    assert chat.asked == DANGER  # danger signs first; nothing already said is asked again
    chat.press("None of these")
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F1"
    facts = chat.triage["facts"]
    assert facts["fever_days"] == 3 and facts["contact_confirmed_case"] is True
    assert facts["temperature_c"] == pytest.approx(38.33, abs=0.01)
    assert "fever clinic" in chat.text.lower()


def test_baby_breathing_fast_is_an_emergency_at_once(chat):
    chat.say("my 8 month old is breathing really fast")
    assert chat.asked is None
    assert route(chat) == "emergency"
    assert chat.triage["facts"]["age"] == pytest.approx(0.67)
    assert "120" in chat.text


def test_hi_gets_a_greeting_with_a_check_button(chat):
    chat.say("hi")
    assert chat.triage is None and chat.asked is None
    assert "not a diagnosis" in chat.text
    chat.press("Check my symptoms")
    assert chat.asked == DANGER


def test_check_my_symptoms_starts_with_danger_signs(chat):
    chat.say("can you check my symptoms?")
    assert chat.asked == DANGER
    assert chat.custom("ask") and chat.replies  # words and buttons come with the payload
    assert any(b["title"] == "None of these" for r in chat.replies for b in r.get("buttons") or [])


def test_feeling_fine_after_travel_goes_to_online_specialist(chat):
    chat.say("I feel fine, I just came back from an area with lots of cases")
    assert chat.asked == DANGER
    chat.press("None of these")
    assert chat.asked == ["fever"]
    chat.say("no")
    assert chat.asked == ["respiratory_symptoms"]
    chat.say("no")
    assert route(chat) == "online_specialist"
    assert chat.triage["rules"] == ["R-O2"]


# ----- every route ------------------------------------------------------------------------

def test_no_symptoms_no_exposure_is_self_care(chat):
    start_check(chat)
    chat.press("No")  # fever
    chat.press("No")  # respiratory symptoms
    assert chat.asked == EXPOSURE
    chat.press("None of these")
    assert route(chat) == "self_care"
    assert chat.triage["rules"] == ["R-S1"]
    assert "not a diagnosis" in chat.text


def test_fever_without_risk_goes_online(chat):
    start_check(chat)
    chat.press("Yes")
    assert chat.asked == ["temperature_c"]
    chat.say("38.2")
    assert chat.asked == ["fever_days"]
    chat.say("2 days")
    assert chat.asked == ["symptoms_resolved"]  # with a fever, a cough cannot change the route
    chat.press("No, still unwell")
    assert chat.asked == ["age"]
    chat.say("34")
    assert chat.asked == EXPOSURE
    chat.press("None of these")
    assert chat.asked == ["healthcare_worker"]
    chat.press("No")
    assert chat.asked == RISKS
    chat.press("None of these")
    assert route(chat) == "online_specialist"
    assert chat.triage["rules"] == ["R-O1"]



def test_long_high_fever_goes_to_fever_clinic(chat):
    chat.say("I have had a temperature of 38.6 for 5 days")
    chat.press("None of these")
    assert chat.asked == ["symptoms_resolved"]  # still unwell settles it on its own
    chat.press("No, still unwell")
    assert route(chat) == "fever_clinic"
    assert "R-F3" in chat.triage["rules"]



def test_fever_in_pregnancy_goes_to_fever_clinic(chat):
    chat.say("I'm pregnant and I have a fever")
    chat.press("None of these")
    assert chat.asked == ["temperature_c"]
    chat.press("I didn't measure it")
    chat.press("No, still unwell")
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F2"



def test_infant_with_a_cough_goes_to_fever_clinic(chat):
    chat.say("my 1 year old has a cough but no fever")
    chat.press("None of these")
    assert chat.asked == ["symptoms_resolved"]
    chat.press("No, still unwell")
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F4"



def test_cough_with_a_chronic_condition_goes_online(chat):
    chat.say("I have a bad cough and I have diabetes")
    chat.press("None of these")
    chat.press("No")  # fever
    chat.press("No, still unwell")
    assert chat.asked == ["age"]
    chat.say("I'm 50")
    chat.press("None of these")  # exposure
    chat.press("No")  # health-care worker
    assert route(chat) == "online_specialist"
    assert chat.triage["rules"] == ["R-O3"]



def test_health_care_worker_with_fever_goes_to_fever_clinic(chat):
    chat.say("I'm a nurse and I've had a fever since yesterday")
    chat.press("None of these")
    chat.say("38.4")  # fever and work in health care: nothing else can change the route
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F1"


def test_symptoms_gone_without_exposure_is_self_care(chat):
    chat.say("I had a fever last week but it's gone now")
    chat.press("None of these")  # danger
    assert chat.asked == ["temperature_c"]
    chat.say("I didn't measure it")
    assert chat.asked == ["age"]  # a child would not be asked about work in health care
    chat.say("35")
    assert chat.asked == EXPOSURE  # exposure still matters even though it has gone
    chat.press("None of these")
    chat.press("No")  # health-care worker
    assert route(chat) == "self_care"
    assert chat.triage["rules"] == ["R-S2"]


# ----- danger signs ----------------------------------------------------------------------

@pytest.mark.parametrize("button, rule", [
    ("Trouble breathing", "R-E1"), ("Chest pain", "R-E2"),
    ("Confusion or hard to wake", "R-E3"), ("Bluish lips or face", "R-E4"),
])
def test_each_danger_button_ends_with_emergency(chat, button, rule):
    chat.say("can you check my symptoms?")
    chat.press(button)
    assert route(chat) == "emergency"
    assert chat.triage["rules"] == [rule]


def test_danger_sign_in_passing_still_counts(chat):
    chat.say("my lips look bluish lol, probably just the cold")
    assert route(chat) == "emergency"


def test_danger_sign_mentioned_later_ends_the_triage(chat):
    start_check(chat)
    chat.say("yes, and now my chest hurts a lot")
    assert route(chat) == "emergency"


def test_yes_to_the_danger_list_asks_which_one(chat):
    chat.say("can you check my symptoms?")
    chat.say("yes")
    assert "which one" in chat.text.lower()
    assert chat.asked == DANGER


# ----- answers in words and numbers ------------------------------------------------------

@pytest.mark.parametrize("answer, celsius", [
    ("38,5", 38.5), ("38度5", 38.5), ("thirty eight point five", 38.5),
    ("101 F", 38.33), ("it was 39.1C", 39.1),
])
def test_temperature_answers(chat, answer, celsius):
    start_check(chat)
    chat.press("Yes")
    chat.say(answer)
    assert chat.asked == ["fever_days"]
    chat.say("4 days")
    assert route(chat) == "fever_clinic" or chat.asked  # then carries on
    chat.say("start over")
    assert chat.asked == DANGER


def test_an_impossible_temperature_is_asked_again(chat):
    start_check(chat)
    chat.press("Yes")
    chat.say("45")
    assert chat.asked == ["temperature_c"]
    assert "°C" in chat.text


def test_several_facts_in_one_answer(chat):
    start_check(chat)
    chat.say("yes, 39.2 for 4 days")
    assert chat.asked == ["symptoms_resolved"]
    assert chat.history  # fever, temperature and duration were all taken: none is asked



def test_typed_none_of_these(chat):
    chat.say("can you check my symptoms?")
    chat.say("none of these")
    assert chat.asked == ["fever"]


def test_age_in_months(chat):
    chat.say("my baby has a runny nose")
    chat.press("None of these")
    chat.press("No")  # fever
    chat.press("No, still unwell")
    assert chat.asked == ["age"]
    chat.say("10 months")
    assert route(chat) == "fever_clinic"
    assert chat.triage["facts"]["age"] == pytest.approx(0.83)


# ----- corrections, restart, stop, help ---------------------------------------------------

def test_correction_during_the_check(chat):
    start_check(chat)
    chat.press("Yes")
    chat.say("37.0")
    assert chat.asked == ["respiratory_symptoms"]  # 37.0 is no fever
    chat.say("actually it was 38.9")
    assert chat.asked == ["fever_days"]


def test_correction_after_the_result_updates_it(chat):
    start_check(chat)
    chat.press("Yes")
    chat.say("37.1")
    chat.press("No")  # respiratory
    chat.press("None of these")  # exposure
    assert route(chat) == "self_care"
    chat.say("actually it was 38.9")
    # the new fever opens new questions, then a new result
    for _ in range(6):
        if chat.triage:
            break
        if chat.asked == ["fever_days"]:
            chat.say("1 day")
        elif chat.asked == ["age"]:
            chat.say("40")
        else:
            chat.say("none of these" if chat.asked in (EXPOSURE, RISKS) else "no")
    assert route(chat) == "online_specialist"


def test_a_message_after_the_result_that_changes_nothing_does_not_repeat_it(chat, database_url):
    from bot.storage import Database

    chat.say("my lips look blue")
    assert route(chat) == "emergency"
    chat.say("45")
    assert chat.triage is None
    assert "doesn't change my advice" in chat.text and "120" in chat.text
    assert len(Database(database_url).assessments_for(chat.sender)) == 1


def test_start_over_forgets_the_answers(chat):
    chat.say("I have a fever and a cough")
    chat.press("None of these")
    chat.say("start over")
    assert chat.asked == DANGER
    chat.press("None of these")
    assert chat.asked == ["fever"]  # the fever said before starting over is forgotten


def test_stop_ends_the_check(chat):
    start_check(chat)
    chat.say("stop")
    assert chat.asked is None and chat.triage is None
    assert "stopped" in chat.text


def test_help_during_the_check_explains_the_question_and_asks_again(chat):
    start_check(chat)
    chat.say("help")
    assert chat.asked == ["fever"]
    assert "37.3" in chat.text  # what counts as a fever


def test_help_asks_the_same_question_again_not_an_earlier_one(chat):
    chat.say("I have had a temperature of 38.6 for 5 days")
    chat.press("None of these")
    assert chat.asked == ["symptoms_resolved"]  # fever itself was never asked: the reading settles it
    chat.say("what do you mean?")
    assert chat.asked == ["symptoms_resolved"]



def test_unsure_about_danger_signs_gets_advice_and_the_question_again(chat):
    chat.say("can you check my symptoms?")
    chat.say("I'm not sure")
    assert "safer" in chat.text
    assert chat.asked == DANGER


def test_gibberish_during_the_check_asks_again(chat):
    start_check(chat)
    chat.say("asdkjhqwe")
    assert chat.asked == ["fever"]
    chat.say("zzzxq plm")
    assert chat.asked == ["fever"]
    assert "button" in chat.text


def test_new_check_after_a_result_starts_fresh(chat):
    chat.say("my lips look blue")
    assert route(chat) == "emergency"
    chat.say("can you check my symptoms?")
    assert chat.asked == DANGER
    chat.press("None of these")
    assert chat.asked == ["fever"]


# ----- small talk and other languages ----------------------------------------------------

@pytest.mark.parametrize("message, words", [
    ("thank you so much", "welcome"),
    ("bye", "take care"),
    ("are you a bot?", "bot"),
    ("what's the weather like tomorrow?", "can't help"),
    ("tell me a joke", "can't help"),
])
def test_small_talk(chat, message, words):
    chat.say(message)
    assert words in chat.text.lower()
    assert chat.triage is None


# Chinese is understood (tests/conversation/test_conversations_zh.py); other languages are not.
@pytest.mark.parametrize("message", ["hola, tengo fiebre y tos", "У меня температура"])
def test_other_languages_get_a_clear_answer(chat, message):
    chat.say(message)
    assert "only understand English and Chinese" in chat.text


def test_other_language_during_the_check_asks_again(chat):
    start_check(chat)
    chat.say("Я не знаю")
    assert "only understand English and Chinese" in chat.text
    assert chat.asked == ["fever"]


def test_result_is_stored(chat, database_url):
    from bot.storage import Database

    chat.say("my lips look blue")
    records = Database(database_url).assessments_for(chat.sender)
    assert [r.route for r in records] == ["emergency"]
    assert records[0].rules == ["R-E4"] and records[0].protocol_version == ENGINE_VERSION


# ----- found by exploratory testing --------------------------------------------------------

def test_a_question_about_a_danger_sign_is_not_a_danger_sign(chat):
    chat.say("can you check my symptoms?")
    chat.say("what do you mean by confusion")
    assert chat.triage is None
    assert "muddled" in chat.text
    assert chat.asked == DANGER


def test_asking_whether_chest_pain_is_a_symptom_is_not_an_emergency(chat):
    chat.say("is chest pain a symptom of covid?")
    assert route(chat) != "emergency"


@pytest.mark.parametrize("non_answer", ["?", "...", "🤒🤒🤒"])
def test_punctuation_and_emoji_are_not_yes_or_no(chat, non_answer):
    start_check(chat)
    chat.say(non_answer)
    assert chat.asked == ["fever"]
    chat.say("no")
    assert chat.asked == ["respiratory_symptoms"]


def test_hang_on_waits_without_answering(chat):
    chat.say("can you check my symptoms?")
    chat.say("hang on")
    assert "take your time" in chat.text.lower() and chat.asked == DANGER
    chat.say("/deny")
    assert chat.asked == ["fever"]


def test_still_have_it_means_not_gone(chat):
    chat.say("I'm 30 and have a sore throat, no fever")
    chat.press("None of these")
    assert chat.asked == ["symptoms_resolved"]
    chat.say("still have it")
    assert chat.triage is None and "stopped" not in chat.text
    assert chat.asked == EXPOSURE


def test_a_danger_sign_during_a_later_question_ends_the_check(chat):
    chat.say("fever 38.6 and cough, I'm seventy-two")
    chat.press("None of these")
    chat.say("no, but hang on, his lips are going a bit blue now")
    assert route(chat) == "emergency"


def test_the_emergency_number_is_given_when_asked(chat):
    chat.say("what number do I call for an ambulance")
    assert "120" in chat.text


def test_another_language_still_gets_the_emergency_number(chat):
    chat.say("我喘不上气，嘴唇发紫")
    assert "120" in chat.text


def test_choices_already_answered_are_not_offered_again(chat):
    chat.say("no chest pain, no trouble breathing, not confused. just a fever of 38 and a sore throat")
    assert chat.asked == ["cyanosis"]
    titles = [b["title"] for r in chat.replies for b in r.get("buttons") or []]
    assert titles == ["Bluish lips or face", "None of these"]


def test_children_are_not_asked_about_work_or_pregnancy(chat):
    chat.say("my 6 year old has a fever of 38.5 since yesterday")
    chat.press("None of these")
    asked = []
    for _ in range(8):
        if chat.triage:
            break
        asked += chat.asked
        chat.say("/deny")
    assert "healthcare_worker" not in asked and "pregnant" not in asked
    assert route(chat) == "online_specialist"


def test_why_after_the_result_explains_it(chat):
    chat.say("my lips look blue")
    chat.say("why?")
    assert "because" in chat.text and "danger sign" in chat.text
    assert chat.asked is None


def test_thanks_during_the_check_carries_on(chat):
    start_check(chat)
    chat.say("thanks")
    assert "carry on" in chat.text and chat.asked == ["fever"]


def test_no_still_there_is_not_gone(chat):
    chat.say("I'm on chemo for breast cancer and have a temp of 37.5 since last night")
    chat.say("none")
    assert chat.asked == ["symptoms_resolved"]
    chat.say("no still there")
    assert route(chat) == "fever_clinic"


def test_more_than_three_days_typed_in_words(chat):
    chat.say("I'm 30, fever 38.5")
    chat.press("None of these")
    assert chat.asked == ["fever_days"]
    chat.say("More than 3 days")
    assert chat.asked == ["symptoms_resolved"]
    chat.press("No, still unwell")
    assert route(chat) == "fever_clinic"


def test_an_oxygen_reading_is_not_a_temperature(chat):
    chat.say("I've got a fever, I'm 34")
    chat.press("None of these")
    assert chat.asked == ["temperature_c"]
    chat.say("my oxygen is 97%")
    assert chat.asked == ["temperature_c"]


def test_an_answer_after_waiting_gets_no_stray_reply(chat):
    start_check(chat)
    chat.say("hang on")
    assert chat.asked == ["fever"]
    chat.say("no")
    assert "take care" not in chat.text.lower()
    assert chat.asked == ["respiratory_symptoms"]


def test_ok_after_a_result(chat):
    chat.say("my lips look blue")
    chat.say("ok")
    assert "here if anything changes" in chat.text


def test_a_cough_that_wont_go_away_in_a_toddler(chat):
    chat.say("my 1 year old has a cough that won't go away")
    chat.press("None of these")
    for _ in range(6):
        if chat.triage:
            break
        chat.say("no")
    assert route(chat) == "fever_clinic" and chat.triage["rules"][0] == "R-F4"


def test_cant_stop_coughing_at_seventy(chat):
    chat.say("I'm 70 and I can't stop coughing")
    chat.press("None of these")
    for _ in range(6):
        if chat.triage:
            break
        assert chat.asked != ["respiratory_symptoms"]  # already said
        chat.say("/deny")
    assert route(chat) == "online_specialist" and chat.triage["rules"] == ["R-O3"]
