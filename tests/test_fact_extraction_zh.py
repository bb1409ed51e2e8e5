"""Chinese free-text fact extraction (bot/nlu/facts_zh.py, reached through facts.extract_facts).

Each case: a message and the full dict it must give (every other key absent), in the same
spirit as tests/test_fact_extraction.py. Floats are compared with pytest.approx.
"""
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from bot.nlu.facts import OUTPUT_KEYS, extract_facts
from bot.nlu.facts_zh import extract_facts_zh
from bot.nlu.numbers_zh import arabize, chinese_number

C101 = (101 - 32) * 5 / 9  # 38.33 C
SINCE_MONDAY = (date.today().weekday() - 0 - 1) % 7 + 1  # days back to the last Monday before today


def case(text, **expected):
    return pytest.param(text, expected, id=text[:40])


CASES = [
    # --- temperatures in every format
    case("三十八度五", temperature_c=38.5),
    case("38度5", temperature_c=38.5),
    case("38.5度", temperature_c=38.5),
    case("38.5℃", temperature_c=38.5),
    case("三十九度", temperature_c=39.0),
    case("体温38.2", temperature_c=38.2),
    case("体温三十七度二", temperature_c=37.2),
    case("101华氏度", temperature_c=C101),
    case("101F", temperature_c=C101),
    case("体温101度", temperature_c=C101),  # a bare 度 is read by its range, like a bare number
    case("烧到39度，两天了", fever=True, temperature_c=39.0, fever_days=2),
    case("发烧三天了，最高三十八度五，我同事确诊了", fever=True, temperature_c=38.5, fever_days=3,
         contact_confirmed_case=True),
    case("孩子发烧 38度5", fever=True, temperature_c=38.5),
    # --- durations
    case("两天", duration_days=2),
    case("三天了", duration_days=3),
    case("一周", duration_days=7),
    case("一个星期", duration_days=7),
    case("半个月", duration_days=15),
    case("一个半月", duration_days=45),
    case("前天开始发烧", fever=True, fever_days=2),
    case("昨天开始发烧的", fever=True, fever_days=1),
    case("从周一开始发烧", fever=True, fever_days=SINCE_MONDAY),
    case("咳嗽五天，昨天开始发烧", respiratory_symptoms=True, duration_days=5, fever=True, fever_days=1),
    case("发烧超过三天", fever=True, fever_days=4),  # "more than 3 days" is day 4 (R-F3)
    case("孩子发烧五天多了", fever=True, fever_days=6),
    case("发烧不到一天", fever=True, fever_days=0),
    case("发烧一天半了", fever=True, fever_days=2),
    case("5天前见了朋友，今天发烧38.5", fever=True, temperature_c=38.5),  # the date of something else
    # --- ages and bare numbers
    case("我今年七十二", age=72.0),
    case("七十二岁", age=72.0),
    case("72岁", age=72.0),
    case("8个月大的宝宝发烧", fever=True, age=0.67),
    case("孩子3岁，咳嗽一周了", respiratory_symptoms=True, age=3.0, duration_days=7),
    case("我72岁，我3岁的孩子发烧", fever=True, age=3.0),  # the patient, not the parent
    case("七十二", number=72.0),
    case("38.5", number=38.5),
    case("新冠19", ),
    # --- fever and respiratory symptoms, negation, lists
    case("没有发烧", fever=False),
    case("不咳嗽", respiratory_symptoms=False),
    case("没发烧也没咳嗽", fever=False, respiratory_symptoms=False),
    case("没有发烧和咳嗽", fever=False, respiratory_symptoms=False),
    case("没有发烧、咳嗽或者胸闷", fever=False, respiratory_symptoms=False, chest_pain=False),
    case("没有发烧、胸闷", fever=False, chest_pain=True),  # only 或 carries a negation to a danger sign
    case("发烧？没有", fever=False),
    case("咳嗽：无", respiratory_symptoms=False),
    case("有点咳嗽", respiratory_symptoms=True),
    case("嗓子疼，流鼻涕", respiratory_symptoms=True),
    case("嗅觉减退，闻不到味道", respiratory_symptoms=True),
    case("不发烧，就是嗓子有点疼", fever=False, respiratory_symptoms=True),
    case("最近没有出过门，也没有接触过发热病人", travel_high_risk_area=False),  # a febrile person is no case
    case("咳嗽药", ),
    # --- danger signs
    case("呼吸困难", breathing_difficulty=True),
    case("喘不上气", breathing_difficulty=True),
    case("呼吸有点困难", breathing_difficulty=True),
    case("呼吸不困难", breathing_difficulty=False),
    case("爬楼梯有点喘", respiratory_symptoms=True),  # effort, not at rest
    case("胸闷", chest_pain=True),
    case("胸口像压着石头一样", chest_pain=True),
    case("胸口不疼", chest_pain=False),
    case("他意识不清，说胡话", confusion=True),
    case("他叫不醒", confusion=True),
    case("宝宝一直睡，很蔫", confusion=True),  # drowsy counts for a child
    case("我一直睡", ),
    case("我看糊涂了", ),
    case("意识清楚", confusion=False),
    case("嘴唇发紫", cyanosis=True),
    case("嘴唇没有发紫", cyanosis=False),
    case("嘴唇有点发紫，应该没事吧", cyanosis=True),
    case("我不确定嘴唇是不是发紫", cyanosis=True),  # an unsure danger sign still counts
    case("血氧90", oxygen_saturation=90.0, breathing_difficulty=True),
    case("血氧饱和度92%", oxygen_saturation=92.0, breathing_difficulty=True),
    case("血氧97", oxygen_saturation=97.0),
    case("呼吸每分钟35次", breathing_rate=35.0, breathing_difficulty=True),
    case("心率110", heart_rate=110.0),
    case("我38岁，发烧两天，体温38.6，血氧95，心率100", age=38.0, fever=True, fever_days=2,
         temperature_c=38.6, oxygen_saturation=95.0, heart_rate=100.0),
    # --- resolution and "still"
    case("已经不烧了", fever=True, symptoms_resolved=True),
    case("不咳嗽了", respiratory_symptoms=True, symptoms_resolved=True),
    case("吃了退烧药，现在不烧了", fever=True, symptoms_resolved=True),
    case("症状都好了", symptoms_resolved=True),
    case("发烧好了，但还在咳嗽", fever=True, respiratory_symptoms=True),
    case("还在发烧", fever=True, symptoms_resolved=False),
    case("烧一直不退", fever=True, symptoms_resolved=False),
    case("还没好", symptoms_resolved=False),
    # --- questions state nothing; a question naming the person or the finding's state still does
    case("发烧怎么办？", ),
    case("什么是发绀", ),
    case("胸闷算不算危险信号？", ),
    case("嘴唇发紫是什么意思", ),
    case("准妈妈适合打新冠疫苗吗", ),  # a vaccine question names no case
    case("我同事新冠了", contact_confirmed_case=True),
    # a range gives its higher end; no time to measure is not measured
    case("晚上体温在38到39.2之间", temperature_c=39.2),
    case("忙得没来得及测体温", temperature_c="unknown"),
    # ... but Chinese drops the subject: a danger sign asked about (not defined) is stated
    case("嘴唇发紫要紧吗", cyanosis=True),
    case("胸闷怎么办", chest_pain=True),
    case("喘不上气正常吗？", breathing_difficulty=True),
    case("孩子叫不醒怎么办", confusion=True),
    case("要去发热门诊吗？", ),
    case("发烧了怎么办", fever=True),
    case("我发烧了，要去发热门诊吗？", fever=True),
    case("我嘴唇发紫要紧吗", cyanosis=True),
    case("这算呼吸困难吗", breathing_difficulty=True),
    case("没有", ),
    case("不是", ),
    # --- other people
    case("我妈妈发烧了", fever=True),  # the writer may be asking for her
    case("我姐上周发烧了，我没事", ),
    case("我同事确诊了，他也发烧39度", contact_confirmed_case=True),
    case("我的邻居阳了，我们一起吃过饭", contact_confirmed_case=True),
    case("我阳了", ),  # the writer's own test is no contact
    case("密切接触者", contact_confirmed_case=True),
    case("没有接触过确诊病例", contact_confirmed_case=False),
    case("身边没有人确诊", contact_confirmed_case=False),
    case("家里好几个人发烧", cluster_exposure=True),  # their fever, not the writer's
    case("单位多人发热", cluster_exposure=True),
    case("我姐姐和邻居都发烧了", cluster_exposure=True),
    case("我们全家都发烧了", fever=True, cluster_exposure=True),
    case("我和老公都发烧了", fever=True),
    # --- travel, work, risk factors
    case("我从武汉回来", travel_high_risk_area=True),
    case("上周去过中高风险地区", travel_high_risk_area=True),
    case("我没去过武汉", travel_high_risk_area=False),
    case("最近哪儿都没去", travel_high_risk_area=False),
    case("我是护士", healthcare_worker=True),
    case("我在医院上班", healthcare_worker=True),
    case("我不是医生", healthcare_worker=False),
    case("我是医生的家属", ),
    case("怀孕20周", pregnant=True),
    case("我没有怀孕", pregnant=False),
    case("我有高血压和糖尿病", chronic_condition=True),
    case("没有基础病", chronic_condition=False),
    case("我在化疗", immunocompromised=True),
    case("我长期吃激素", immunocompromised=True),
    case("做过肾移植，在吃免疫抑制剂", immunocompromised=True),
    case("没有量体温", temperature_c="unknown"),
    case("家里没有体温计，但摸着额头很烫", fever=True, temperature_c="unknown"),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_extract_facts_zh(text, expected):
    facts = extract_facts(text)
    assert set(facts) == set(expected), facts
    for key, value in expected.items():
        if isinstance(value, float):
            assert facts[key] == pytest.approx(value, abs=1e-6), facts
        else:
            assert facts[key] == value, facts
    assert list(facts) == [k for k in OUTPUT_KEYS if k in facts]  # the documented order


def test_dispatch_sends_only_chinese_to_the_chinese_extractor():
    assert extract_facts("没有发烧") == extract_facts_zh("没有发烧")
    assert extract_facts("I don't have a fever") == {"fever": False}
    # "38度5" is a number notation the English path reads: no Chinese word, no switch
    assert extract_facts("a 2-year-old with a 38度5 fever") == {
        "fever": True, "temperature_c": 38.5, "age": 2.0}


def test_values_have_the_documented_types():
    facts = extract_facts("我45岁，发烧三天，三十八度五，咳嗽两天")
    assert isinstance(facts["age"], float) and isinstance(facts["temperature_c"], float)
    assert isinstance(facts["fever_days"], int) and facts["fever"] is True


@pytest.mark.parametrize("text, expected", [
    ("三十八度五", "38度5"), ("两天", "2天"), ("一个星期", "1个星期"), ("七十二", "72"),
    ("一直咳嗽", "一直咳嗽"), ("有一点儿发烧", "有一点儿发烧"), ("三十八点五", "38.5"),
    ("一百零一华氏度", "101华氏度"), ("十分难受", "十分难受"), ("两三天", "3天"),
])
def test_arabize(text, expected):
    assert arabize(text) == expected


def test_chinese_number():
    assert chinese_number("三十八") == 38 and chinese_number("十五") == 15
    assert chinese_number("一百零一") == 101 and chinese_number("三十八点五") == 38.5


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="发烧咳嗽没有不了胸闷嘴唇紫我同事确诊三十八度五天岁个月，。？吗0123456789.%", max_size=40))
def test_never_crashes_and_returns_known_keys(text):
    assert set(extract_facts_zh(text)) <= set(OUTPUT_KEYS)


DANGER = ["嘴唇发紫", "喘不上气", "胸闷", "他意识不清", "呼吸困难"]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(DANGER),
       st.sampled_from(["", "别担心，", "哈哈，", "我挺好的。", "什么算紧急情况？"]),
       st.sampled_from(["", "，应该没事吧", "，可能没什么", "，不要紧", "。没有发烧", "，怎么办？", "，严重吗？"]))
def test_reassurance_never_clears_a_danger_sign(sign, before, after):
    facts = extract_facts_zh(before + sign + after)
    assert True in {facts.get(k) for k in ("cyanosis", "breathing_difficulty", "chest_pain", "confusion")}


@pytest.mark.parametrize("text, age", [
    ("我发烧了，今年34", 34.0), ("我七十二了", 72.0), ("发烧38度6，咳嗽，我七十二了", 72.0),
])
def test_this_year_and_i_am_n_are_ages(text, age):
    facts = extract_facts(text)
    assert facts["age"] == age
    assert facts.get("temperature_c") != age and "number" not in facts
