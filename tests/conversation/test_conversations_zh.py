"""Chinese conversations with the trained assistant and the real action server (issue 9).

Written the way people in mainland China type on WeChat: short, no punctuation to speak
of, numbers as "38度5" or "三十八度五", answers like 是/对/有点/没有/没量. Each test reads the
bot's machine-readable payloads (`ask`, `triage`) and checks that what it says is Chinese.
Buttons are pressed by their Chinese titles, looked up at run time in bot/texts (zh), so a
change of wording in the catalogue does not break the tests but an English title would.
"""

from __future__ import annotations

import re

import pytest

from bot.texts import catalogue

ZH = catalogue("zh")
EN = catalogue("en")

DANGER = ["breathing_difficulty", "chest_pain", "confusion", "cyanosis"]
EXPOSURE = ["contact_confirmed_case", "travel_high_risk_area", "cluster_exposure"]
RISKS = ["pregnant", "chronic_condition", "immunocompromised"]

HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
URL = re.compile(r"https?://[A-Za-z0-9./_\-?=&%#:~+]+")
LONG_LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
# Latin words a Chinese reply may contain on purpose: the name of the other language
# ("如需切换为英文，随时输入“English”即可").
ALLOWED_LATIN = {"English"}


# ----- helpers ----------------------------------------------------------------------------

def title(key: str, payload: str) -> str:
    """The Chinese title of the button of text `key` that sends `payload`."""
    for button in ZH[key]["buttons"]:
        if button["payload"] == payload:
            return button["title"]
    raise KeyError(f"{key}: no button {payload}")


def option(key: str, fact: str) -> str:
    """The Chinese button title of one option of a choice question."""
    return ZH[key]["options"][fact]["button"]


NONE_DANGER = ZH["question_danger_signs"]["none"]
NONE_EXPOSURE = ZH["question_exposure"]["none"]
NONE_RISKS = ZH["question_risk_factors"]["none"]
FEVER_YES = title("question_fever", "/affirm")
FEVER_NO = title("question_fever", "/deny")
RESP_NO = title("question_respiratory_symptoms", "/deny")
NOT_MEASURED = title("question_temperature", "/dont_know")
STILL_UNWELL = title("question_symptoms_resolved", "/deny")
GONE = title("question_symptoms_resolved", "/affirm")
HCW_NO = title("question_healthcare_worker", "/deny")
MORE_THAN_3_DAYS = title("question_fever_days", '/inform{"fever_days": 4}')
AGREE = title("consent_question", "/affirm")
DISAGREE = title("consent_question", "/deny")


def route(chat) -> str | None:
    return chat.triage["route"] if chat.triage else None


def english_words(text: str) -> list[str]:
    return [w for w in LONG_LATIN_WORD.findall(URL.sub("", text)) if w not in ALLOWED_LATIN]


def assert_chinese(chat) -> None:
    """The last replies are Chinese: Chinese text, no English words, Chinese button titles,
    and Chinese reasons in a result."""
    text = chat.text
    assert HAN.search(text), f"no Chinese in the reply: {text!r}"
    assert not english_words(text), f"English words {english_words(text)} in: {text!r}"
    for reply in chat.replies:
        for button in reply.get("buttons") or []:
            assert HAN.search(button["title"]) or button["title"] in ALLOWED_LATIN, \
                f"button title not Chinese: {button['title']!r} in {text!r}"
    if chat.triage:
        for reason in chat.triage["reasons"]:
            assert HAN.search(reason) and not english_words(reason), f"reason not Chinese: {reason!r}"


def say(chat, text: str):
    chat.say(text)
    assert_chinese(chat)
    return chat


def press(chat, button_title: str):
    chat.press(button_title)
    assert_chinese(chat)
    return chat


def button_titles(chat) -> list[str]:
    return [b["title"] for r in chat.replies for b in r.get("buttons") or []]


def start_check(chat, opener: str = "我想做个症状自查"):
    say(chat, opener)
    assert chat.asked == DANGER
    press(chat, NONE_DANGER)


def answer_until_result(chat, answers: dict[tuple, str], limit: int = 8) -> list[list[str]]:
    """Answer each question from `answers` (by the facts it asks) until a result; returns
    the questions asked."""
    asked = []
    for _ in range(limit):
        if chat.triage:
            break
        assert chat.asked, f"neither a question nor a result: {chat.text!r}"
        asked.append(chat.asked)
        say(chat, answers[tuple(chat.asked)])
    assert chat.triage, f"no result after {asked}: {chat.text!r}"
    return asked


# ----- the openers from the issue, as people type them ------------------------------------

def test_fever_three_days_and_confirmed_colleague_goes_to_fever_clinic(chat):
    say(chat, "我发烧38度5，三天了，同事确诊了")
    assert chat.asked == DANGER  # danger signs first; nothing already said is asked again
    assert ZH["question_danger_signs"]["text"] in chat.text
    press(chat, NONE_DANGER)
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F1"
    facts = chat.triage["facts"]
    assert facts["temperature_c"] == pytest.approx(38.5)
    assert facts["fever_days"] == 3 and facts["contact_confirmed_case"] is True
    assert "发热门诊" in chat.text and "不是诊断" in chat.text


def test_back_from_wuhan_with_a_cough_goes_to_fever_clinic(chat):
    say(chat, "我从武汉回来，有点咳嗽")
    assert chat.asked == DANGER
    press(chat, NONE_DANGER)
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F1"
    facts = chat.triage["facts"]
    assert facts["travel_high_risk_area"] is True and facts["respiratory_symptoms"] is True


def test_blue_lips_and_gasping_is_an_emergency_at_once(chat):
    say(chat, "嘴唇发紫，喘不上气")
    assert chat.asked is None
    assert route(chat) == "emergency"
    assert chat.triage["rules"][0] == "R-E1" and "R-E4" in chat.triage["rules"]
    assert "120" in chat.text and "急诊" in chat.text


def test_baby_of_eight_months_breathing_fast_is_an_emergency(chat):
    say(chat, "孩子8个月，呼吸很急")
    assert chat.asked is None
    assert route(chat) == "emergency"
    assert chat.triage["rules"][0] == "R-E1"
    assert chat.triage["facts"]["age"] == pytest.approx(0.67)
    assert "120" in chat.text


def test_seventy_two_with_a_fever_goes_to_fever_clinic(chat):
    say(chat, "我今年七十二，发烧了")
    press(chat, NONE_DANGER)
    assert chat.asked == ["temperature_c"]  # age already given: never asked
    assert ZH["question_temperature"]["text"] in chat.text
    press(chat, NOT_MEASURED)
    assert chat.asked == ["symptoms_resolved"]
    press(chat, STILL_UNWELL)
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F2"
    assert chat.triage["facts"]["age"] == 72


def test_nurse_with_a_sore_throat_goes_to_fever_clinic(chat):
    say(chat, "我是护士，嗓子疼")
    assert chat.asked == DANGER
    press(chat, NONE_DANGER)
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F1"
    assert chat.triage["facts"]["healthcare_worker"] is True


def test_chest_tightness_alone_is_an_emergency(chat):
    say(chat, "胸闷")
    assert route(chat) == "emergency"
    assert chat.triage["rules"] == ["R-E2"]
    assert "120" in chat.text


def test_grandfather_confused_and_hard_to_wake_is_an_emergency(chat):
    say(chat, "我爸糊涂了，叫不醒")
    assert route(chat) == "emergency"
    assert chat.triage["rules"] == ["R-E3"]


def test_blue_lips_in_passing_still_counts(chat):
    say(chat, "我妈嘴唇有点发紫，应该是冷的吧")
    assert route(chat) == "emergency"
    assert chat.triage["rules"] == ["R-E4"]


# ----- danger signs by button ------------------------------------------------------------

@pytest.mark.parametrize("fact, rule", [
    ("breathing_difficulty", "R-E1"), ("chest_pain", "R-E2"),
    ("confusion", "R-E3"), ("cyanosis", "R-E4"),
])
def test_each_chinese_danger_button_ends_with_emergency(chat, fact, rule):
    say(chat, "帮我看看要不要去医院")
    assert chat.asked == DANGER
    press(chat, option("question_danger_signs", fact))
    assert route(chat) == "emergency"
    assert chat.triage["rules"] == [rule]
    assert "120" in chat.text


def test_yes_to_the_danger_list_asks_which_one(chat):
    say(chat, "我想做个症状自查")
    say(chat, "有")
    assert chat.asked == DANGER
    assert ZH["hint_choice_which"] in chat.text


def test_typed_none_of_these(chat):
    say(chat, "我想做个症状自查")
    say(chat, "都没有")
    assert chat.asked == ["fever"]


def test_a_danger_sign_during_a_later_question_ends_the_check(chat):
    say(chat, "发烧38度6，咳嗽")
    press(chat, NONE_DANGER)
    assert chat.asked and chat.triage is None
    say(chat, "等等，他现在嘴唇有点发紫了")
    assert route(chat) == "emergency"
    assert "R-E4" in chat.triage["rules"]


# ----- every route, through the questions ---------------------------------------------------

def test_no_symptoms_no_exposure_is_self_care(chat):
    start_check(chat)
    assert chat.asked == ["fever"]
    assert ZH["question_fever"]["text"] in chat.text
    say(chat, "没有")
    assert chat.asked == ["respiratory_symptoms"]
    say(chat, "没")
    assert chat.asked == EXPOSURE
    press(chat, NONE_EXPOSURE)
    assert route(chat) == "self_care"
    assert chat.triage["rules"] == ["R-S1"]
    assert "居家" in chat.text and "不是诊断" in chat.text


def test_fever_without_risk_goes_to_the_online_specialist(chat):
    start_check(chat, "我最近不太舒服，能帮我判断一下要不要就医吗")
    say(chat, "是的")
    assert chat.asked == ["temperature_c"]
    say(chat, "38度2")
    assert chat.asked == ["fever_days"]
    say(chat, "两天")
    assert chat.asked == ["symptoms_resolved"]  # with a fever, a cough cannot change the route
    say(chat, "没有")  # "have they gone?" - "no"
    assert chat.asked == ["age"]
    say(chat, "三十四")
    assert chat.asked == EXPOSURE
    press(chat, NONE_EXPOSURE)
    assert chat.asked == ["healthcare_worker"]
    say(chat, "不是")
    assert chat.asked == RISKS
    press(chat, NONE_RISKS)
    assert route(chat) == "online_specialist"
    assert chat.triage["rules"] == ["R-O1"]
    facts = chat.triage["facts"]
    assert facts["temperature_c"] == pytest.approx(38.2)
    assert facts["fever_days"] == 2 and facts["age"] == 34
    assert "互联网医院" in chat.text


def test_high_fever_for_five_days_goes_to_fever_clinic(chat):
    say(chat, "我发烧39度，五天了")
    press(chat, NONE_DANGER)
    assert chat.asked == ["symptoms_resolved"]  # still unwell settles it on its own
    say(chat, "还没好")
    assert route(chat) == "fever_clinic"
    assert "R-F3" in chat.triage["rules"]
    assert chat.triage["facts"]["fever_days"] == 5


def test_fever_in_pregnancy_goes_to_fever_clinic(chat):
    say(chat, "我怀孕了，发烧")
    press(chat, NONE_DANGER)
    assert chat.asked == ["temperature_c"]
    say(chat, "没量")
    assert chat.asked == ["symptoms_resolved"]
    press(chat, STILL_UNWELL)
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F2"
    assert chat.triage["facts"]["pregnant"] is True


def test_toddler_with_a_cough_and_no_fever_goes_to_fever_clinic(chat):
    say(chat, "孩子1岁，咳嗽，不发烧")
    press(chat, NONE_DANGER)
    assert chat.asked == ["symptoms_resolved"]  # fever and age were said: not asked
    say(chat, "没有，还在咳")
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F4"
    assert chat.triage["facts"]["fever"] is False


def test_cough_with_diabetes_goes_online(chat):
    say(chat, "我有糖尿病，一直咳嗽")
    press(chat, NONE_DANGER)
    assert chat.asked == ["fever"]
    press(chat, FEVER_NO)
    assert chat.asked == ["age"]
    say(chat, "五十")
    assert chat.asked == EXPOSURE
    press(chat, NONE_EXPOSURE)
    assert chat.asked == ["healthcare_worker"]
    press(chat, HCW_NO)
    assert route(chat) == "online_specialist"
    assert chat.triage["rules"] == ["R-O3"]
    assert chat.triage["facts"]["chronic_condition"] is True and chat.triage["facts"]["age"] == 50


def test_sick_colleagues_but_feeling_fine_goes_online(chat):
    say(chat, "我没什么不舒服，就是公司好几个人发烧了")
    press(chat, NONE_DANGER)
    assert chat.asked == ["fever"]
    say(chat, "没有")
    assert chat.asked == ["respiratory_symptoms"]
    press(chat, RESP_NO)
    assert route(chat) == "online_specialist"
    assert chat.triage["rules"] == ["R-O2"]
    assert chat.triage["facts"]["cluster_exposure"] is True


@pytest.mark.xfail(strict=True, reason="known weakness of the current model: a past fever "
                   "now gone (上周发烧了，现在已经好了) is read as feel_better, a check-in answer")
def test_fever_gone_without_exposure_is_self_care(chat):
    say(chat, "上周发烧了，现在已经好了")
    press(chat, NONE_DANGER)
    assert chat.asked == ["temperature_c"]
    say(chat, "没量")
    assert chat.asked == ["age"]
    say(chat, "35")
    assert chat.asked == EXPOSURE  # exposure still matters even though it has gone
    press(chat, NONE_EXPOSURE)
    assert chat.asked == ["healthcare_worker"]
    say(chat, "不是")
    assert route(chat) == "self_care"
    assert chat.triage["rules"] == ["R-S2"]


def test_seventy_two_written_as_wo_qishier_le_is_an_age(chat):
    say(chat, "发烧38度6，咳嗽，我七十二了")
    press(chat, NONE_DANGER)
    # fever at 72: only "still unwell?" can change the route, not the fever's length
    assert chat.asked == ["symptoms_resolved"]
    press(chat, STILL_UNWELL)
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F2"
    assert chat.triage["facts"]["age"] == 72


def test_older_person_who_cannot_stop_coughing_goes_online(chat):
    say(chat, "我妈七十岁了，咳个不停")
    press(chat, NONE_DANGER)
    asked = answer_until_result(chat, {
        ("fever",): "没有", ("symptoms_resolved",): "没有", tuple(EXPOSURE): "都没有",
        ("healthcare_worker",): "不是",
    })
    assert ["respiratory_symptoms"] not in asked and ["age"] not in asked  # already said
    assert route(chat) == "online_specialist" and chat.triage["rules"] == ["R-O3"]


def test_children_are_not_asked_about_work_or_pregnancy(chat):
    say(chat, "孩子6岁，发烧38度5，昨天开始的")
    press(chat, NONE_DANGER)
    asked = answer_until_result(chat, {
        ("symptoms_resolved",): "没有", tuple(EXPOSURE): "都没有",
        ("chronic_condition", "immunocompromised"): "都没有",
    })
    flat = [fact for question in asked for fact in question]
    assert "healthcare_worker" not in flat and "pregnant" not in flat
    assert "fever_days" not in flat and "age" not in flat  # "昨天开始的", "6岁"
    assert route(chat) == "online_specialist"
    assert chat.triage["rules"] == ["R-O1"]


# ----- facts up front, negations, numbers and answers in words ------------------------------

def test_no_fever_just_a_sore_throat_is_not_asked_about_fever(chat):
    say(chat, "我30岁，没发烧，就是嗓子疼")
    press(chat, NONE_DANGER)
    asked = answer_until_result(chat, {
        ("symptoms_resolved",): "还没好", tuple(EXPOSURE): "没有", ("healthcare_worker",): "不是",
        tuple(RISKS): "没有",
    })
    flat = [fact for question in asked for fact in question]
    assert "fever" not in flat and "respiratory_symptoms" not in flat and "age" not in flat
    assert route(chat) == "self_care" and chat.triage["rules"] == ["R-S1"]
    assert chat.triage["facts"]["fever"] is False


@pytest.mark.parametrize("answer", ["38度5", "三十八度五", "38.5℃", "38.5度"])
def test_temperature_answers(chat, answer):
    start_check(chat)
    press(chat, FEVER_YES)
    say(chat, answer)
    assert chat.asked == ["fever_days"]
    say(chat, "五天了")
    assert chat.asked == ["symptoms_resolved"]
    say(chat, "还是不舒服")
    assert route(chat) == "fever_clinic" and "R-F3" in chat.triage["rules"]
    assert chat.triage["facts"]["temperature_c"] == pytest.approx(38.5)
    assert chat.triage["facts"]["fever_days"] == 5


@pytest.mark.parametrize("answer", ["是", "是的", "对", "有", "有点"])
def test_ways_of_saying_yes_to_fever(chat, answer):
    start_check(chat)
    say(chat, answer)
    assert chat.asked == ["temperature_c"]


@pytest.mark.parametrize("answer", ["不是", "没有", "没"])
def test_ways_of_saying_no_to_fever(chat, answer):
    start_check(chat)
    say(chat, answer)
    assert chat.asked == ["respiratory_symptoms"]


def test_more_than_three_days_by_button(chat):
    say(chat, "我30岁，发烧38度5")
    press(chat, NONE_DANGER)
    assert chat.asked == ["fever_days"]
    press(chat, MORE_THAN_3_DAYS)
    assert chat.asked == ["symptoms_resolved"]
    press(chat, STILL_UNWELL)
    assert route(chat) == "fever_clinic" and "R-F3" in chat.triage["rules"]


def test_age_in_months_for_a_baby(chat):
    say(chat, "宝宝流鼻涕")
    press(chat, NONE_DANGER)
    press(chat, FEVER_NO)
    assert chat.asked == ["symptoms_resolved"]
    press(chat, STILL_UNWELL)
    assert chat.asked == ["age"]
    say(chat, "10个月")
    assert route(chat) == "fever_clinic"
    assert chat.triage["rules"][0] == "R-F4"
    assert chat.triage["facts"]["age"] == pytest.approx(0.83)


def test_dont_know_about_fever_gets_advice_and_the_question_again(chat):
    start_check(chat)
    say(chat, "不知道")
    assert chat.asked == ["fever"]
    assert ZH["hint_dont_know"] in chat.text


def test_an_oxygen_reading_is_not_a_temperature(chat):
    say(chat, "我发烧了，34岁")
    press(chat, NONE_DANGER)
    assert chat.asked == ["temperature_c"]
    say(chat, "血氧97%")
    assert chat.asked == ["temperature_c"]


def test_this_year_thirty_four_is_an_age_not_a_temperature(chat):
    say(chat, "我发烧了，今年34")
    press(chat, NONE_DANGER)
    assert chat.asked == ["temperature_c"]  # "今年34" is the age, not 34 °C
    say(chat, "38度")
    assert chat.asked == ["fever_days"]
    say(chat, "一天")
    assert chat.asked == ["symptoms_resolved"]
    press(chat, STILL_UNWELL)
    assert chat.asked == EXPOSURE  # the age was given: not asked
    assert chat.triage is None


def test_an_impossible_temperature_is_asked_again(chat):
    start_check(chat)
    press(chat, FEVER_YES)
    say(chat, "45度")
    assert chat.asked == ["temperature_c"]
    assert "°C" in chat.text or "摄氏度" in chat.text


# ----- corrections, start over, stop, help -------------------------------------------------

def test_correction_during_the_check(chat):
    start_check(chat)
    press(chat, FEVER_YES)
    say(chat, "37度")
    assert chat.asked == ["respiratory_symptoms"]  # 37.0 is no fever
    say(chat, "不对，其实是38度9")
    assert chat.asked == ["fever_days"]


def test_correction_after_the_result_updates_it(chat):
    start_check(chat)
    press(chat, FEVER_YES)
    say(chat, "37度1")
    say(chat, "没有")  # respiratory
    press(chat, NONE_EXPOSURE)
    assert route(chat) == "self_care"
    say(chat, "说错了，其实是38.9度")
    assert chat.triage is None and chat.asked  # the new fever opens new questions
    answer_until_result(chat, {
        ("fever_days",): "一天", ("symptoms_resolved",): "没有", ("age",): "40",
        tuple(EXPOSURE): "都没有", ("healthcare_worker",): "不是", tuple(RISKS): "都没有",
        ("respiratory_symptoms",): "没有",
    })
    assert route(chat) == "online_specialist"
    assert chat.triage["facts"]["temperature_c"] == pytest.approx(38.9)


def test_start_over_forgets_the_answers(chat):
    say(chat, "我发烧咳嗽")
    press(chat, NONE_DANGER)
    say(chat, "重新开始")
    assert chat.asked == DANGER
    assert ZH["start_over"] in chat.text
    press(chat, NONE_DANGER)
    assert chat.asked == ["fever"]  # the fever said before starting over is forgotten


def test_stop_ends_the_check(chat):
    start_check(chat)
    say(chat, "停止")
    assert chat.asked is None and chat.triage is None
    assert "已停止" in chat.text


def test_help_during_the_check_explains_the_question_and_asks_again(chat):
    start_check(chat)
    say(chat, "帮助")
    assert chat.asked == ["fever"]
    assert "37.3" in chat.text  # what counts as a fever


def test_how_do_i_answer_asks_the_same_question_again(chat):
    say(chat, "我发烧39度，五天了")
    press(chat, NONE_DANGER)
    assert chat.asked == ["symptoms_resolved"]
    say(chat, "怎么回答")
    assert chat.asked == ["symptoms_resolved"]


def test_help_outside_the_check(chat):
    say(chat, "帮助")
    assert chat.triage is None
    assert ZH["help_general"]["text"].split("。")[0] in chat.text
    press(chat, title("help_general", "/check_symptoms"))
    assert chat.asked == DANGER


def test_why_after_the_result_explains_it(chat):
    say(chat, "我爸嘴唇发紫了")
    assert route(chat) == "emergency"
    say(chat, "为什么？")
    assert "危险信号" in chat.text
    assert chat.asked is None


# ----- questions, feelings, the emergency number --------------------------------------------

@pytest.mark.xfail(strict=True, reason="known weakness of the current model: the answer "
                   "selector's confidence for 戴口罩有用吗 (0.30) is at the actions' bar")
def test_a_prevention_question_is_answered_in_chinese(chat):
    say(chat, "戴口罩有用吗")
    assert chat.triage is None and chat.asked is None
    assert "口罩" in chat.text


def test_anxiety_gets_support_in_chinese(chat):
    say(chat, "我很焦虑")
    assert chat.triage is None and chat.asked is None
    assert "焦虑" in chat.text


def test_the_emergency_number_is_given_when_asked(chat):
    say(chat, "急救电话是多少")
    assert "120" in chat.text


def test_thanks_gets_a_chinese_answer(chat):
    say(chat, "谢谢你")
    assert chat.triage is None


# ----- switching the language ----------------------------------------------------------------

def test_switching_to_english_and_back_mid_triage(chat):
    start_check(chat)
    assert chat.asked == ["fever"]
    chat.say("English")
    assert chat.asked == ["fever"]  # the same question again ...
    assert EN["question_fever"]["text"] in chat.text  # ... in English
    assert ZH["question_fever"]["text"] not in chat.text
    titles = button_titles(chat)
    assert all(b["title"] in titles for b in EN["question_fever"]["buttons"])
    assert not any(HAN.search(t) for t in titles)
    chat.say("中文")
    assert_chinese(chat)
    assert chat.asked == ["fever"]
    assert ZH["question_fever"]["text"] in chat.text
    press(chat, FEVER_NO)
    assert chat.asked == ["respiratory_symptoms"]


def test_asking_to_switch_language_offers_both(chat):
    say(chat, "你好")
    chat.say("切换语言")  # the question is in both languages, on purpose
    assert ZH["language_choose"]["text"] in chat.text
    titles = button_titles(chat)
    assert titles == [b["title"] for b in ZH["language_choose"]["buttons"]]
    chat.press(title("language_choose", '/switch_language{"language": "zh"}'))
    assert_chinese(chat)
    assert ZH["language_switched"] in chat.text


# ----- first contact: the privacy notice in Chinese -------------------------------------------

def test_first_contact_in_chinese_gets_the_notice_in_chinese(new_person, database):
    from bot.privacy.consent import current_decision

    say(new_person, "我发烧38度5，昨天开始的")
    assert "隐私" in new_person.text and "90" in new_person.text
    assert new_person.asked == ["privacy_consent"]
    assert button_titles(new_person) == [AGREE, DISAGREE]
    assert current_decision(database, new_person.sender) is None
    press(new_person, AGREE)
    assert current_decision(database, new_person.sender) == "given"
    assert new_person.asked == DANGER
    press(new_person, NONE_DANGER)
    # what they said before agreeing was kept: fever and temperature are not asked again
    assert new_person.asked not in (["fever"], ["temperature_c"])


def test_typed_agreement_in_chinese(new_person, database):
    from bot.privacy.consent import current_decision

    say(new_person, "你好，帮我看看要不要去医院")
    assert new_person.asked == ["privacy_consent"]
    say(new_person, "同意")
    assert current_decision(database, new_person.sender) == "given"
    assert new_person.asked == DANGER


def test_typed_refusal_in_chinese(new_person, database):
    from bot.privacy.consent import current_decision

    say(new_person, "帮我看看要不要去医院")
    assert new_person.asked == ["privacy_consent"]
    say(new_person, "不同意")
    assert current_decision(database, new_person.sender) == "declined"
    assert new_person.asked is None and new_person.triage is None


def test_a_chinese_refusal_asks_nothing(new_person, database):
    from bot.privacy.consent import current_decision

    say(new_person, "帮我做个症状自查")
    press(new_person, DISAGREE)
    assert new_person.asked is None and new_person.triage is None
    assert current_decision(database, new_person.sender) == "declined"
    assert ZH["consent_declined"].split("：")[0] in new_person.text


def test_a_danger_sign_gets_emergency_advice_in_chinese_without_waiting_for_consent(new_person):
    say(new_person, "喘不上气，嘴唇发紫")
    assert route(new_person) == "emergency"
    assert "120" in new_person.text
