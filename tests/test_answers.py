"""Reading a message as an answer to the question asked (no Rasa involved)."""

import pytest

from bot.dialogue.answers import read_answer
from bot.nlu.facts import extract_facts
from bot.triage import load_engine

ENGINE = load_engine()
NO_DANGER = dict.fromkeys(["breathing_difficulty", "chest_pain", "confusion", "cyanosis"], False)


def answer(text, intent="inform", question=None, known=None):
    entities = [{"entity": k, "value": v} for k, v in extract_facts(text).items()]
    q = ENGINE.question_for_fact(question) if question else None
    return read_answer(ENGINE, text=text, intent=intent, entities=entities, question=q,
                       known=known or {})


@pytest.mark.parametrize("intent, value", [("affirm", True), ("deny", False)])
def test_yes_and_no_answer_a_bool_question(intent, value):
    assert answer("x", intent, "fever", NO_DANGER).facts == {"fever": value}


def test_none_of_these_clears_every_open_fact_of_a_choice():
    known = {"chest_pain": False}
    result = answer("none of these", "deny", "breathing_difficulty", known)
    assert result.facts == {"breathing_difficulty": False, "confusion": False, "cyanosis": False}


def test_yes_to_a_list_asks_which_one():
    result = answer("yes", "affirm", "breathing_difficulty")
    assert not result.understood and result.hint == "hint_choice_which"


def test_a_fact_named_in_a_choice_answer_is_taken():
    result = answer("yes my chest hurts", "affirm", "breathing_difficulty")
    assert result.facts["chest_pain"] is True


@pytest.mark.parametrize("text, celsius", [
    ("38,5", 38.5), ("38度5", 38.5), ("101", 38.333), ("thirty eight point five", 38.5),
    ("99.1 F", 37.278), ("99.2F", 37.333),
])
def test_temperature_answers(text, celsius):
    facts = answer(text, "inform", "temperature_c", {"fever": True}).facts
    assert facts["temperature_c"] == pytest.approx(celsius, abs=0.001)


@pytest.mark.parametrize("text", ["45", "12", "hot", "110 F"])
def test_impossible_temperatures_are_asked_again(text):
    result = answer(text, "inform", "temperature_c", {"fever": True})
    assert not result.understood and result.hint == "hint_temperature"


def test_not_measured_is_an_answer():
    result = answer("I didn't measure it", "dont_know", "temperature_c", {"fever": True})
    assert result.facts == {"temperature_c": "unknown"}


@pytest.mark.parametrize("text, years", [("8 months", 0.67), ("42", 42.0), ("I'm 70", 70.0)])
def test_age_answers(text, years):
    assert answer(text, "inform", "age").facts["age"] == pytest.approx(years)


def test_a_bare_number_outside_a_number_question_is_a_temperature_correction():
    facts = answer("actually it was 38.9", "inform", "respiratory_symptoms", {"fever": True}).facts
    assert facts == {"temperature_c": pytest.approx(38.9)}


def test_numbers_in_a_yes_to_fever():
    facts = answer("yes, 39.2 for 4 days", "affirm", "fever", NO_DANGER).facts
    assert facts == {"fever": True, "temperature_c": pytest.approx(39.2), "fever_days": 4}


def test_a_duration_without_fever_is_not_a_fever_duration():
    facts = answer("coughing for 5 days", "report_symptoms", None, {"fever": False}).facts
    assert "fever_days" not in facts and facts["respiratory_symptoms"] is True


@pytest.mark.parametrize("intent", ["help", "stop", "start_over", "greet", "out_of_scope"])
def test_requests_that_are_not_answers_get_no_hint(intent):
    result = answer("help", intent, "fever")
    assert not result.understood and result.hint is None


def test_gibberish_gets_the_question_type_hint():
    assert answer("asdkjh", "nlu_fallback", "fever").hint == "hint_bool"
    assert answer("asdkjh", "nlu_fallback", "age").hint == "hint_age"


def test_unsure_about_danger_signs_is_told_to_err_on_yes():
    assert answer("not sure", "dont_know", "breathing_difficulty").hint == "hint_dont_know_danger"


@pytest.mark.parametrize("text", ["?", "...", "🤒🤒🤒"])
def test_punctuation_and_emoji_are_never_yes_or_no(text):
    result = answer(text, "affirm", "fever", NO_DANGER)
    assert not result.understood and result.hint == "hint_bool"


def test_a_leading_no_answers_whatever_the_intent():
    facts = answer("no, still coughing", "report_symptoms", "symptoms_resolved",
                   {**NO_DANGER, "respiratory_symptoms": True}).facts
    assert facts["symptoms_resolved"] is False


def test_an_unsure_stop_does_not_end_the_check():
    entities = []
    q = ENGINE.question_for_fact("fever")
    unsure = read_answer(ENGINE, text="one sec let me check", intent="stop", entities=entities,
                         question=q, known={}, confidence=0.52)
    sure = read_answer(ENGINE, text="stop", intent="stop", entities=entities,
                       question=q, known={}, confidence=0.99)
    assert unsure.hint == "hint_bool" and sure.hint is None


def test_no_to_the_temperature_question_means_not_measured():
    assert answer("no", "deny", "temperature_c", {"fever": True}).facts == {"temperature_c": "unknown"}


def test_a_bare_number_is_not_a_temperature_when_no_fever_is_in_question():
    assert answer("38", "inform", "respiratory_symptoms", {"fever": False}).facts == {}


def test_one_sec_is_not_an_age():
    q = ENGINE.question_for_fact("age")
    result = read_answer(ENGINE, text="one sec", intent="wait", entities=[{"entity": "number", "value": 1.0}],
                         question=q, known={}, confidence=0.99)
    assert result.facts == {} and result.hint is None


@pytest.mark.parametrize("said, intent", [(False, "affirm"), (True, "deny")])
def test_a_self_contradicting_answer_keeps_the_safer_value(said, intent):
    q = ENGINE.question_for_fact("symptoms_resolved")
    result = read_answer(ENGINE, text="yes, still hot", intent=intent,
                         entities=[{"entity": "symptoms_resolved", "value": said}],
                         question=q, known={**NO_DANGER, "fever": True})
    assert result.facts["symptoms_resolved"] is False  # still unwell: never the less urgent route


def test_a_reading_is_not_an_answer_to_a_number_question():
    q = ENGINE.question_for_fact("temperature_c")
    result = read_answer(ENGINE, text="my oxygen is 97%", intent="inform",
                         entities=[{"entity": "oxygen_saturation", "value": 97}],
                         question=q, known={"fever": True})
    assert "temperature_c" not in result.facts and result.hint == "hint_temperature"
