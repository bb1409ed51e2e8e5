"""Official statistics asked and answered in Chinese: regions stored in English ("Beijing")
are found by their Chinese names (bot/statistics/region_names.yml) and named in Chinese in
a Chinese conversation, while English works as before."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.statistics import ActionStatistics
from bot.statistics import answers, regions
from bot.statistics.figures import Figures
from bot.statistics.regions import RegionAsked, chinese_name, region_asked, region_name
from bot.texts import message
from tests.test_statistics_action import add, days_ago, db  # noqa: F401 (db: a fixture)

STORED = ["Beijing", "China", "Hubei", "Inner Mongolia", "Mongolia", "Japan", "Wuhan",
          "Hong Kong", "United States", "Atlantis City"]
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
LATIN = re.compile(r"[A-Za-z]")


# ----- the table --------------------------------------------------------------------------

def table() -> dict:
    with open(regions.REGION_NAMES, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


PROVINCIAL = (
    "Beijing Tianjin Shanghai Chongqing Hebei Shanxi Liaoning Jilin Heilongjiang Jiangsu "
    "Zhejiang Anhui Fujian Jiangxi Shandong Henan Hubei Hunan Guangdong Hainan Sichuan "
    "Guizhou Yunnan Shaanxi Gansu Qinghai Taiwan Guangxi Ningxia Xinjiang Tibet").split() + [
    "Inner Mongolia", "Hong Kong", "Macao"]


def test_the_table_names_the_country_every_provincial_division_wuhan_and_countries():
    names = table()
    assert len(PROVINCIAL) == 34 and set(PROVINCIAL) <= set(names)
    assert names["China"][:2] == ["中国", "全国"]
    for english, chinese in [("Beijing", ["北京", "北京市"]), ("Hubei", ["湖北", "湖北省"]),
                             ("Inner Mongolia", ["内蒙古", "内蒙古自治区"]),
                             ("Wuhan", ["武汉", "武汉市"]), ("United States", ["美国"]),
                             ("Japan", ["日本"]), ("South Korea", ["韩国"]),
                             ("Italy", ["意大利"]), ("United Kingdom", ["英国"])]:
        assert names[english][:len(chinese)] == chinese
    assert names["Macau"] == names["Macao"]  # another English spelling, the same region


def test_every_name_is_chinese_and_belongs_to_one_region_only():
    owner: dict[str, str] = {}
    for english, chinese in table().items():
        assert isinstance(chinese, list) and chinese, english
        for name in chinese:
            assert re.fullmatch(r"[\u4e00-\u9fff]+", name), (english, name)
            assert owner.setdefault(name, chinese[0]) == chinese[0], (english, name)


# ----- which region a Chinese message asks about ------------------------------------------

@pytest.mark.parametrize("text, asked", [
    ("北京现在有多少确诊？", RegionAsked(region="Beijing")),
    ("北京市今天新增多少", RegionAsked(region="Beijing")),
    ("湖北的数据", RegionAsked(region="Hubei")),
    ("湖北省累计确诊多少例", RegionAsked(region="Hubei")),
    ("全国新增多少", RegionAsked(region="China")),
    ("中国现在的情况", RegionAsked(region="China")),
    ("内蒙古自治区的数据", RegionAsked(region="Inner Mongolia")),  # the longest name wins
    ("内蒙古有多少病例", RegionAsked(region="Inner Mongolia")),  # not 蒙古, Mongolia
    ("蒙古国的数据", RegionAsked(region="Mongolia")),
    ("中国香港的疫情", RegionAsked(region="Hong Kong")),  # not 中国
    ("武汉现在多少病例", RegionAsked(region="Wuhan")),
    ("美国确诊多少了", RegionAsked(region="United States")),
    ("目前日本有多少确诊", RegionAsked(region="Japan")),
    ("请问一下，湖北今天怎么样？", RegionAsked(region="Hubei")),
    ("Beijing的数据", RegionAsked(region="Beijing")),  # an English name next to Chinese
    # Unknown places, repeated back as written.
    ("火星的数据", RegionAsked(unknown="火星")),
    ("火星现在有多少确诊？", RegionAsked(unknown="火星")),
    ("那火星呢？", RegionAsked(unknown="火星")),
    ("请问亚特兰蒂斯有多少病例", RegionAsked(unknown="亚特兰蒂斯")),
    ("深圳新增病例", RegionAsked(unknown="深圳")),
    ("上海今天有新增吗", RegionAsked(unknown="上海")),  # in the table, but no figures
    # No place at all.
    ("今日本地新增多少", RegionAsked()),  # 今日 + 本地, not 日本
    ("最新疫情数据", RegionAsked()),
    ("今天的数据", RegionAsked()),
    ("现在有多少确诊？", RegionAsked()),
    ("死亡人数多少", RegionAsked()),
    ("治愈了多少人", RegionAsked()),
    ("我们这里的情况怎么样", RegionAsked()),
    ("今天的疫情通报", RegionAsked()),
])
def test_a_chinese_message_finds_the_region_by_its_chinese_names(text, asked):
    assert region_asked(text, STORED) == asked


def test_a_region_stored_in_chinese_is_found_as_it_is_stored():
    assert region_asked("北京有多少病例", ["北京", "China"]) == RegionAsked(region="北京")
    assert region_asked("北京有多少病例", ["Beijing", "北京"]) == RegionAsked(region="北京")
    assert region_asked("深圳的数据", ["深圳"]) == RegionAsked(region="深圳")
    assert region_asked("北京的数据", ["beijing"]) == RegionAsked(region="beijing")


@pytest.mark.parametrize("text, asked", [
    ("how many cases in Beijing", RegionAsked(region="Beijing")),
    ("cases in Inner Mongolia", RegionAsked(region="Inner Mongolia")),
    ("how are the Beijingers doing", RegionAsked()),
    ("how many cases in Atlantis", RegionAsked(unknown="Atlantis")),
    ("latest numbers", RegionAsked()),
])
def test_english_messages_are_found_as_before(text, asked):
    assert region_asked(text, STORED) == asked


def test_regions_are_named_in_chinese_only_in_chinese():
    assert chinese_name("Beijing") == chinese_name("beijing ") == "北京"
    assert chinese_name("Atlantis") is None
    assert region_name("Hubei", "zh") == "湖北" and region_name("Hubei", "en") == "Hubei"
    assert region_name("Atlantis", "zh") == "Atlantis"  # no Chinese name: as stored


# ----- what the bot says ------------------------------------------------------------------

LATEST = [Figures("Beijing", 1234, 1100, 9, date(2026, 11, 25), "北京市卫生健康委员会"),
          Figures("China", 10000, 9000, 100, date(2026, 11, 25), "国家卫生健康委员会"),
          Figures("Hubei", 500, 400, 1, date(2026, 11, 20), "湖北省卫生健康委员会")]


def said(result: answers.Answer, language: str) -> list[str]:
    return [message(key, language, **values)["text"]
            for key, values in answers.replies(result, language)]


def test_a_chinese_answer_names_the_region_in_chinese():
    asked = region_asked("北京现在有多少确诊？", [row.region for row in LATEST])
    assert said(answers.answer(LATEST, asked, NOW), "zh") == [
        "北京：累计确诊 1,234 例，治愈 1,100 例，死亡 9 例，数据截至 2026年11月25日"
        "（来源：北京市卫生健康委员会）。"]


def test_latest_numbers_in_chinese_name_the_country_and_other_regions_in_chinese():
    texts = said(answers.answer(LATEST, region_asked("最新疫情数据", []), NOW), "zh")
    assert texts[0].startswith("中国：累计确诊 10,000 例")
    assert texts[-1] == "您还可以问我这些地区的数据：北京、湖北。"
    assert not any(LATIN.search(text) for text in texts), texts


def test_an_unknown_chinese_place_is_said_with_the_regions_in_chinese():
    asked = region_asked("火星的数据", [row.region for row in LATEST])
    texts = said(answers.answer(LATEST, asked, NOW), "zh")
    assert texts == ["我没有火星的官方数据。我有以下地区的数据：北京、中国、湖北。"]


def test_every_chinese_answer_has_no_latin_letters_when_the_table_names_the_regions():
    for text in ("湖北的数据", "全国新增多少", "火星的数据", "Beijing的数据", "上海的数据", ""):
        result = answers.answer(LATEST, region_asked(text, [r.region for r in LATEST]), NOW)
        for line in said(result, "zh"):
            assert not LATIN.search(line), (text, line)
            assert "{" not in line, line


def test_a_region_without_a_chinese_name_is_said_as_stored():
    latest = [*LATEST, Figures("Atlantis City", 3, 1, 0, date(2026, 11, 25), "某卫生部门")]
    result = answers.answer(latest, RegionAsked(region="Atlantis City"), NOW)
    assert said(result, "zh")[0].startswith("Atlantis City：累计确诊 3 例")


def test_english_answers_are_unchanged():
    result = answers.answer(LATEST, region_asked("北京有多少确诊", ["Beijing", "China"]), NOW)
    assert said(result, "en")[0].startswith("Beijing: 1,234 confirmed")
    assert said(answers.answer(LATEST, None, NOW), "en")[-1] == (
        "You can also ask me about: Beijing, Hubei.")


# ----- the action in a Chinese conversation -----------------------------------------------

def ask(text: str, language: str) -> list[str]:
    tracker = Tracker.from_dict({
        "sender_id": "rest:statistics-zh-test", "slots": {"language": language},
        "events": [], "latest_message": {"text": text, "intent": {
            "name": "ask_statistics", "confidence": 0.98}}})
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionStatistics().run(dispatcher, tracker, {})) == []
    return [sent["text"] for sent in dispatcher.messages]


def spoken_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_the_action_answers_a_chinese_question_in_chinese(db):  # noqa: F811
    yesterday = days_ago(1)
    add(db, "Beijing", 1234, 1100, 9, yesterday, "北京市卫生健康委员会")
    add(db, "China", 10000, 9000, 100, yesterday, "国家卫生健康委员会")
    add(db, "Hubei", 500, 400, 1, yesterday, "湖北省卫生健康委员会")
    assert ask("北京现在有多少确诊？", "zh") == [
        f"北京：累计确诊 1,234 例，治愈 1,100 例，死亡 9 例，数据截至 {spoken_zh(yesterday)}"
        "（来源：北京市卫生健康委员会）。"]
    assert ask("湖北的数据", "zh")[0].startswith("湖北：累计确诊 500 例")
    assert ask("全国新增多少", "zh")[0].startswith("中国：累计确诊 10,000 例")
    assert ask("火星的数据", "zh") == ["我没有火星的官方数据。我有以下地区的数据：北京、中国、湖北。"]
    for text in ("最新疫情数据", "how many cases in Beijing", "上海的数据"):
        for line in ask(text, "zh"):
            assert not LATIN.search(line), (text, line)


def test_the_action_in_english_is_unchanged_and_understands_chinese_names(db):  # noqa: F811
    yesterday = days_ago(1)
    add(db, "Beijing", 1234, 1100, 9, yesterday, "Beijing MHC")
    add(db, "China", 10000, 9000, 100, yesterday, "NHC")
    assert ask("how many cases in beijing?", "en")[0].startswith("Beijing: 1,234 confirmed")
    assert ask("北京有多少确诊", "en")[0].startswith("Beijing: 1,234 confirmed")
    assert ask("how many cases in Atlantis", "en") == [
        "I have no official figures for Atlantis. I have figures for: Beijing, China."]
