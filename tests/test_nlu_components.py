"""NLU components on their own: the language guard's script test, and how the crisis guard
and the fact extractor settle the intent (the whole pipeline runs in the conversation tests)."""

import pytest

from bot.nlu.components import latin_words, non_latin_share


@pytest.mark.parametrize("text, foreign", [
    ("I have a fever", False), ("38度5", False), ("38.5", False), ("😷", False),
    ("我发烧了", False), ("У меня температура", True), ("عندي حمى", True), ("熱があります", True),
    ("我 have fever", False), ("열이 나요", True),
])
def test_non_latin_share(text, foreign):
    assert (non_latin_share(text) >= 0.5) is foreign


def test_latin_words_lowercases_and_ignores_digits():
    assert latin_words("Fever 38.5, COUGH!") == {"fever", "cough"}


def test_the_vocabulary_also_holds_chinese_characters():
    assert latin_words("我发烧 fever") == {"我", "发", "烧", "fever"}


def _parsed(text: str, intent: str) -> str:
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.components import CrisisGuard, FactExtractor

    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9}})
    for component in (CrisisGuard(CrisisGuard.get_default_config()),
                      FactExtractor(FactExtractor.get_default_config())):
        component.process([message])
    return message.get(INTENT)["name"]


@pytest.mark.parametrize("text, intent, expected", [
    # stating symptoms is a report, whatever DIET called it
    ("my flatmate tested positive and now I've got a sore throat", "faq", "report_symptoms"),
    ("my toddler is very sleepy and hard to wake, and burning up", "support", "report_symptoms"),
    # "咳个不停" (coughing without stop) is no request to stop; a bare "stop" is
    ("我妈七十岁了，咳个不停", "stop", "report_symptoms"),
    ("停止", "stop", "stop"),
    # a danger sign always starts the triage, even asked as a question
    ("is it bad that my lips look blue?", "faq", "report_symptoms"),
    # a question about a symptom stays a question
    ("is a temperature of 37.5 a fever?", "faq", "faq"),
    ("can I go out with a cough", "faq", "faq"),
    ("how do masks work", "faq", "faq"),
    # who the person is (work, pregnancy, age, illness) is not a complaint
    ("I'm a nurse and I'm completely burnt out", "support", "support"),
    ("I'm pregnant and so worried about catching it", "support", "support"),
    ("I'm 75 with diabetes, should I get the vaccine", "faq", "faq"),
    ("I work in a hospital and I have a cough", "support", "report_symptoms"),
    # a crisis stays a crisis, facts or not
    ("I have a fever and I want to end my life", "report_symptoms", "crisis"),
])
def test_reports_questions_and_crises(text, intent, expected):
    assert _parsed(text, intent) == expected


def test_an_unsure_model_crisis_without_crisis_words_is_not_a_crisis():
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.components import CrisisGuard

    guard = CrisisGuard(CrisisGuard.get_default_config())
    unsure = Message(data={TEXT: "I'd like to find out if I have the virus",
                           INTENT: {"name": "crisis", "confidence": 0.77},
                           INTENT_RANKING_KEY: [{"name": "crisis", "confidence": 0.77},
                                                {"name": "check_symptoms", "confidence": 0.2}]})
    sure = Message(data={TEXT: "I can't see the point of anything any more",
                         INTENT: {"name": "crisis", "confidence": 0.97},
                         INTENT_RANKING_KEY: [{"name": "crisis", "confidence": 0.97}]})
    guard.process([unsure, sure])
    assert unsure.get(INTENT)["name"] == "check_symptoms"
    assert sure.get(INTENT)["name"] == "crisis"


@pytest.mark.parametrize("text, question", [
    ("被判定为密切接触者后要隔离多久", True), ("哺乳的妈妈感染了，孩子还能吃母乳吗", True),
    ("咳嗽打喷嚏怎么捂嘴才不传染别人", True), ("戴口罩有用吗", True), ("我发烧了", False),
    ("我同事确诊了，我现在嗓子疼", False), ("what is a fever", True), ("I have a fever", False),
])
def test_is_question_in_both_languages(text, question):
    from bot.nlu.components import is_question

    assert is_question(text) is question
