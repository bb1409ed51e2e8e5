"""Languages without Rasa's models: which language a message is in or asks for, the
tokenizer and entity the NLU pipeline gets from it, and Chinese answers to the triage."""

import pytest

from bot.dialogue.answers import read_answer
from bot.nlu.facts import extract_facts
from bot.nlu.language import detect_language, message_language, requested_language, supported
from bot.triage import load_engine

ENGINE = load_engine()
NO_DANGER = dict.fromkeys(["breathing_difficulty", "chest_pain", "confusion", "cyanosis"], False)


@pytest.mark.parametrize("text, language", [
    ("我发烧三天了", "zh"), ("I have a fever", "en"), ("是", "zh"), ("no", "en"),
    ("我有fever", "zh"), ("CT检查结果正常", "zh"), ("OK了", "zh"),
    # no letters, or only words Chinese speakers type too: the conversation keeps its language
    ("38.5", None), ("3", None), ("ok", None), ("OK", None), ("hi", None), ("😷", None),
    ("/affirm", None), ("/inform{\"age\": 72}", None),
    ("Привет", None),
])
def test_detect_language(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text, language", [
    ("中文", "zh"), ("请用中文", "zh"), ("do you speak Chinese?", "zh"), ("Mandarin please", "zh"),
    ("English", "en"), ("english please", "en"), ("请用英文回复", "en"), ("说英语", "en"),
    ("用中文还是英文？", None), ("我发烧了", None), ("change language", None),
])
def test_requested_language(text, language):
    assert requested_language(text) == language


def test_a_request_wins_over_the_script():
    assert message_language("请用英文回复") == "en"
    assert message_language("can we speak Chinese") == "zh"
    assert message_language("我咳嗽") == "zh"


@pytest.mark.parametrize("value, language", [
    ("zh", "zh"), ("zh-CN", "zh"), ("zh-hans", "zh"), ("zh_TW", "zh"), ("en-GB", "en"), ("EN", "en"),
    ("fr", None), ("", None), (None, None), (3, None),
])
def test_supported(value, language):
    assert supported(value) == language


# ------------------------------------------------------------ the NLU components

def _message(text):
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    return Message(data={TEXT: text})


def test_the_tokenizer_gives_chinese_characters_and_leaves_english_alone():
    from bot.nlu.components import ChineseAwareTokenizer

    tokenizer = ChineseAwareTokenizer.create(ChineseAwareTokenizer.get_default_config(),
                                             None, None, None)
    tokens = tokenizer.tokenize(_message("发烧三天，还咳嗽 38.5"), "text")
    assert [t.text for t in tokens] == ["发", "烧", "三", "天", "还", "咳", "嗽", "38.5"]
    assert [(t.start, t.end) for t in tokens][-2:] == [(7, 8), (9, 13)]  # offsets in the text
    english = tokenizer.tokenize(_message("I have a fever, 38.5"), "text")
    assert [t.text for t in english] == ["I", "have", "a", "fever", "38.5"]
    mixed = tokenizer.tokenize(_message("我有fever"), "text")
    assert [t.text for t in mixed] == ["我", "有", "fever"]


@pytest.mark.parametrize("text, language", [
    ("我发烧了", "zh"), ("I have a fever", "en"), ("请用英文", "en"), ("38.5", None),
])
def test_the_language_detector_adds_a_language_entity(text, language):
    from rasa.shared.nlu.constants import ENTITIES

    from bot.nlu.components import LanguageDetector

    message = _message(text)
    LanguageDetector({}).process([message])
    found = [e["value"] for e in message.get(ENTITIES, []) if e["entity"] == "language"]
    assert found == ([language] if language else [])


# ------------------------------------------------------------ Chinese answers to the triage

def answer(text, intent="inform", question=None, known=None):
    entities = [{"entity": k, "value": v} for k, v in extract_facts(text).items()]
    q = ENGINE.question_for_fact(question) if question else None
    return read_answer(ENGINE, text=text, intent=intent, entities=entities, question=q,
                       known=known or {})


@pytest.mark.parametrize("text, value", [
    ("是", True), ("是的，还在烧", True), ("有点", True), ("有", True), ("对", True),
    ("没有", False), ("不是", False), ("没", False), ("否", False),
])
def test_chinese_yes_and_no_answer_a_bool_question_whatever_the_intent(text, value):
    # the leading word decides even when the model's intent was something else
    assert answer(text, "inform", "fever", NO_DANGER).facts["fever"] is value


def test_a_word_starting_like_no_is_no_answer():
    result = answer("不知道", "inform", "fever", NO_DANGER)
    assert "fever" not in result.facts


@pytest.mark.parametrize("text, fact, value", [
    ("七十二", "age", 72.0), ("我今年七十二", "age", 72.0), ("三天了", "fever_days", 3.0),
    ("38度5", "temperature_c", 38.5), ("三十八度五", "temperature_c", 38.5),
])
def test_chinese_number_answers(text, fact, value):
    known = {**NO_DANGER, "fever": True}
    assert answer(text, "inform", fact, known).facts[fact] == pytest.approx(value, abs=0.01)


@pytest.mark.parametrize("text, years", [
    ("10个月", 0.83), ("七十二", 72.0), ("72岁", 72.0), ("3岁半", 3.5), ("我今年七十二", 72.0),
])
def test_chinese_age_answers(text, years):
    assert answer(text, "inform", "age", NO_DANGER).facts["age"] == pytest.approx(years, abs=0.01)


@pytest.mark.parametrize("text, given", [
    ("同意", True), ("我同意", True), ("好的", True), ("不同意", False), ("我不同意", False),
    ("拒绝", False), ("这是什么意思？", None),
])
def test_typed_chinese_consent(text, given):
    from actions.privacy import consent_answer

    assert consent_answer(text, None) is given
