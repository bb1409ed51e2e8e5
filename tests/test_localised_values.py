"""Values Python fills into the texts' {placeholders}, in Chinese for a Chinese
conversation and unchanged in English: intervals, dates and times, waits, counts of what
is kept, clinic and contact lines, official figures' dates and lists, the directory's
names (hospital.yml: one text, or one per language), and the web app's error text."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from starlette.requests import Request

import actions.common as common
from actions.checkins import accept_checkin_offer, describe_interval, offer_checkin
from actions.clinics import district_named, utter_clinics
from actions.privacy import ActionAskForget, describe_counts, forget
from actions.statistics import ActionStatistics
from bot.directory import DirectoryError, load_directory
from bot.directory.clinics import clinics_for, district_in
from bot.directory.config import LocalText, display
from bot.directory.consultations import describe_minutes, estimate_wait
from bot.directory.describe import availability, clinic_lines, counselling_lines
from bot.directory.hours import describe_date, describe_time
from bot.privacy.erasure import ErasureReport, join_counts
from bot.settings import PROJECT_ROOT
from bot.statistics import answers, store as statistics_store
from bot.statistics.figures import Figures
from bot.texts import catalogue
from bot.web.app import server_error

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 27, 13, 0, tzinfo=timezone.utc)  # Friday 21:00 in Beijing
LATIN = re.compile(r"[A-Za-z]")


def at(text: str) -> datetime:
    """'2026-11-27 10:00' (a Friday) in the example hospital's zone."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def directory():
    return load_directory(PROJECT_ROOT / "hospital.yml")


@pytest.fixture
def actions_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'assistant.db'}")
    monkeypatch.setenv("ASSISTANT_FIXED_TIME", NOW.isoformat())
    monkeypatch.delenv("HOSPITAL_CONFIG", raising=False)
    for name in ("CHECKIN_HOURS", "QUARANTINE_DAYS", "HANDOFF_REPLY_MINUTES",
                 "STATISTICS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    common.settings.cache_clear()
    common.database.cache_clear()
    yield common.database
    common.database().engine.dispose()
    common.settings.cache_clear()
    common.database.cache_clear()


def tracker(language: str = "zh", text: str = "yes", intent: str | None = "affirm",
            events: list | None = None) -> Tracker:
    return Tracker.from_dict({
        "sender_id": "telegram:42", "slots": {"language": language},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.95},
                           "entities": [], "message_id": "m1"},
        "events": events if events is not None else [
            {"event": "user", "text": text, "input_channel": "telegram",
             "parse_data": {"intent": {"name": intent}}}],
        "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    })


def said(call) -> str:
    dispatcher = CollectingDispatcher()
    call(dispatcher)
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


# --- check-ins ---------------------------------------------------------------------------

def test_describe_interval():
    assert [describe_interval(h) for h in (24, 12, 72, 1, 1.5)] == [
        "24 hours", "12 hours", "3 days", "1 hour", "1.5 hours"]
    assert [describe_interval(h, "zh") for h in (24, 12, 72, 48, 1, 1.5)] == [
        "24小时", "12小时", "3天", "2天", "1小时", "1.5小时"]


def test_describe_date():
    day = at("2026-12-05 09:00")  # a Saturday
    assert describe_date(day) == "Sat 05 Dec"
    assert describe_date(day, "zh") == "12月5日（周六）"
    assert describe_date(date(2026, 12, 11), "zh") == "12月11日（周五）"


def test_the_check_in_offer_and_booking_in_chinese(actions_env):
    text = said(lambda d: offer_checkin(d, tracker(), {"contact_confirmed_case": True}))
    assert "直到 12月11日（周五）" in text  # 14 days, in the hospital's time zone
    dispatcher = CollectingDispatcher()
    offer_checkin(dispatcher, tracker(), {"contact_confirmed_case": True})
    assert dispatcher.messages[0]["buttons"][1]["title"] == "只问一次，24小时 后"
    assert not LATIN.search(text)
    text = said(lambda d: offer_checkin(d, tracker(), {"fever": False}))
    assert "在 24小时 后" in text and not LATIN.search(text)
    text = said(lambda d: accept_checkin_offer(d, tracker(), "checkin_once"))
    assert "我会在 明天 21:00 左右" in text
    text = said(lambda d: accept_checkin_offer(d, tracker(), "checkin_daily"))
    assert "从 明天 21:00 开始" in text and "直到 12月11日（周五）" in text


def test_the_check_in_offer_in_english_is_unchanged(actions_env):
    text = said(lambda d: offer_checkin(d, tracker("en"), {"contact_confirmed_case": True}))
    assert "until Fri 11 Dec" in text
    text = said(lambda d: accept_checkin_offer(d, tracker("en"), "checkin_daily"))
    assert "starting tomorrow 21:00" in text and "until Fri 11 Dec" in text


# --- times, waits ------------------------------------------------------------------------

def test_describe_time():
    now = at("2026-11-27 10:00")  # Friday
    assert describe_time(at("2026-11-27 20:00"), now) == "20:00"
    assert describe_time(at("2026-11-28 08:00"), now) == "tomorrow 08:00"
    assert describe_time(at("2026-11-30 08:00"), now) == "Mon 08:00"
    assert describe_time(at("2026-11-27 20:00"), now, "zh") == "20:00"
    assert describe_time(at("2026-11-28 08:00"), now, "zh") == "明天 08:00"
    assert describe_time(at("2026-11-30 08:00"), now, "zh") == "周一 08:00"
    assert describe_time(at("2026-11-29 08:00"), now, "zh") == "周日 08:00"


@pytest.mark.parametrize("minutes, english, chinese", [
    (30, "30 minutes", "30分钟"), (60, "1 hour", "1小时"), (120, "2 hours", "2小时"),
    (90, "90 minutes", "90分钟"),
])
def test_reply_wait(actions_env, monkeypatch, minutes, english, chinese):
    monkeypatch.setenv("HANDOFF_REPLY_MINUTES", str(minutes))
    common.settings.cache_clear()
    assert common.reply_wait() == english
    assert common.reply_wait("zh") == chinese


def test_utter_fills_reply_wait_in_the_conversations_language(actions_env, monkeypatch):
    monkeypatch.setenv("HANDOFF_REPLY_MINUTES", "120")
    common.settings.cache_clear()
    waiting = next(key for key, entry in catalogue("zh").items()
                   if "{reply_wait}" in (entry if isinstance(entry, str) else entry["text"]))
    for language, wait in (("zh", "2小时"), ("en", "2 hours")):
        dispatcher = CollectingDispatcher()
        common.utter(dispatcher, tracker(language), waiting)
        assert wait in dispatcher.messages[0]["text"]


def test_describe_minutes():
    assert [describe_minutes(m) for m in (10, 60, 90, 120)] == [
        "10 minutes", "1 hour", "1 hour 30 minutes", "2 hours"]
    assert [describe_minutes(m, "zh") for m in (10, 60, 90, 120, 125)] == [
        "10分钟", "1小时", "1小时30分钟", "2小时", "2小时5分钟"]


def test_the_consultation_wait_names_the_department_in_the_language(directory):
    respiratory = directory.departments["respiratory"]
    wait = estimate_wait(respiratory, 1, at("2026-11-27 23:00"), directory, "zh")
    assert (wait.department, wait.opens) == ("呼吸内科", "明天 08:00")
    wait = estimate_wait(respiratory, 1, at("2026-11-27 23:00"), directory)
    assert (wait.department, wait.opens) == ("Respiratory Medicine", "tomorrow 08:00")
    assert estimate_wait(directory.departments["paediatrics"], 1, at("2026-11-27 10:00"),
                         directory, "zh").department == "儿科"


# --- what is kept, what was deleted -------------------------------------------------------

def test_describe_counts():
    counts = {"message": 3, "assessment": 1, "planned check-in": 2, "staff case": 0}
    assert describe_counts(counts) == "3 messages, 1 assessment, 2 planned check-ins"
    assert describe_counts(counts, "zh") == "3条消息、1次评估、2次待进行的随访"
    assert describe_counts({"staff case": 1}, "zh") == "1条工作人员跟进记录"
    assert describe_counts({"message": 0}) == "nothing"
    assert describe_counts({"message": 0}, "zh") == "无"


def test_the_erasure_report():
    report = ErasureReport(assessments=1, checkins=2, consents=1, cases=1, case_entries=3,
                           outbox_messages=1)
    assert report.describe() == ("1 assessment, 2 check-ins, 1 privacy choice, 1 staff case, "
                                 "3 staff notes and replies, 1 undelivered message")
    assert report.describe("zh") == ("1次评估、2次随访、1条隐私同意记录、1条工作人员跟进记录、"
                                     "3条工作人员备注或回复、1条未送达的消息")
    assert ErasureReport().describe() == "nothing"
    assert ErasureReport().describe("zh") == "无"
    assert join_counts(["3条消息", "1次评估"], "zh") == "3条消息、1次评估"
    assert join_counts([], "zh") == "无"


def test_forget_in_chinese(actions_env):
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAskForget().run(dispatcher, tracker(text="删除我的数据",
                                                          intent="forget_me"), {}))
    text = dispatcher.messages[0]["text"]
    assert "全部信息：1条消息。" in text and not LATIN.search(text)
    common.database().save_assessment(
        sender_id="telegram:42", channel="telegram", facts={"fever": True}, route="self_care",
        rules=[], reasons=[], protocol_version="test")
    text = said(lambda d: forget(d, tracker(text="是的", intent="affirm")))
    assert "我删除了1条消息、1次评估。" in text and not LATIN.search(text)


def test_forget_in_english_is_unchanged(actions_env):
    common.database().save_assessment(
        sender_id="telegram:42", channel="telegram", facts={"fever": True}, route="self_care",
        rules=[], reasons=[], protocol_version="test")
    text = said(lambda d: forget(d, tracker("en")))
    assert "1 message, 1 assessment" in text


# --- clinics and contacts ----------------------------------------------------------------

def test_clinic_hours_in_chinese(directory):
    listing = clinics_for(directory, at("2026-11-27 10:00"), language="zh")
    assert [s.when for s in listing.clinics] == ["24小时开诊", "开诊至20:00", "20:00开诊"]
    listing = clinics_for(directory, at("2026-11-27 21:00"), language="zh")
    assert [s.when for s in listing.clinics] == ["24小时开诊", "开诊至明天 08:00",
                                                 "明天 08:00开诊"]
    english = clinics_for(directory, at("2026-11-27 10:00"))
    assert [s.when for s in english.clinics] == ["open 24 hours", "open until 20:00", "opens 20:00"]


def test_clinic_lines(directory):
    listing = clinics_for(directory, at("2026-11-27 10:00"), language="zh")
    lines = clinic_lines(listing, "zh").splitlines()
    assert lines[0] == ("• 示例市医院发热门诊：东城区示例路1号（东门进入，按指示牌前往），"
                        "电话 010-5555-0101，24小时开诊")
    assert lines[1] == "• 朝阳分院发热门诊：朝阳区样本街88号3号楼，电话 010-5555-0102，开诊至20:00"
    assert not LATIN.search(clinic_lines(listing, "zh"))
    english = clinic_lines(clinics_for(directory, at("2026-11-27 10:00")))
    assert english.splitlines()[1] == ("• Chaoyang Branch Fever Clinic, 88 Sample Street, "
                                       "building 3 (Chaoyang), tel. 010-5555-0102: open until 20:00")


def test_contact_availability(directory):
    crisis = directory.counselling.crisis_line
    assert availability(crisis, directory, at("2026-11-27 10:00")) == "any time, day or night"
    assert availability(crisis, directory, at("2026-11-27 10:00"), "zh") == "24小时接听"
    hospital_line = directory.counselling.contacts[1]  # Mon-Fri 08:30-17:30
    assert availability(hospital_line, directory, at("2026-11-27 10:00"), "zh") == \
        "现在可拨打，接听至17:30"
    assert availability(hospital_line, directory, at("2026-11-27 18:00"), "zh") == \
        "周一 08:30开始接听"
    assert availability(hospital_line, directory, at("2026-11-26 18:00"), "zh") == \
        "明天 08:30开始接听"
    assert availability(hospital_line, directory, at("2026-11-27 10:00")) == \
        "open now, until 17:30"
    assert availability(hospital_line, directory, at("2026-11-27 18:00")) == "opens Mon 08:30"


def test_counselling_lines(directory):
    lines = counselling_lines(directory, at("2026-11-27 10:00"), "zh").splitlines()
    assert lines == ["• 全国心理援助热线：12356（24小时接听）",
                     "• 示例市医院心理咨询热线：010-5555-0199（现在可拨打，接听至17:30）"]
    english = counselling_lines(directory, at("2026-11-27 10:00"))
    assert english.splitlines()[0] == "• National mental health hotline: 12356 (any time, day or night)"


def test_the_clinic_action_in_chinese_has_no_english(actions_env):
    text = said(lambda d: utter_clinics(d, tracker(), None))
    assert text.startswith("示例市医院的发热门诊")
    assert not LATIN.search(text)
    text = said(lambda d: utter_clinics(d, tracker(), "朝阳"))
    assert text.startswith("朝阳区的发热门诊：\n• 朝阳分院发热门诊")
    text = said(lambda d: utter_clinics(d, tracker("en"), "Chaoyang"))
    assert text.startswith("Fever clinics in Chaoyang:\n• Chaoyang Branch Fever Clinic")


# --- districts as people type them -------------------------------------------------------

@pytest.mark.parametrize("text, district", [
    ("any fever clinic in chaoyang district?", "Chaoyang"),
    ("朝阳区有发热门诊吗", "Chaoyang"),
    ("我住在朝阳，附近有发热门诊吗？", "Chaoyang"),
    ("海淀区晚上开吗", "Haidian"),
    ("我在东城", "Dongcheng"),
    ("我在Haidian住", "Haidian"),
    ("where can I get tested", None),
    ("发热门诊在哪里", None),
    ("chaoyangmen", None),
])
def test_a_district_is_found_in_either_language(directory, text, district):
    assert district_in(directory, text) == district


def test_clinics_of_a_district_named_in_either_language(directory):
    for asked in ("Chaoyang", "chaoyang", "朝阳区", "朝阳"):
        listing = clinics_for(directory, at("2026-11-27 10:00"), asked)
        assert listing.district == "Chaoyang" and len(listing.clinics) == 1, asked
        assert display(listing.district, "zh") == "朝阳区"
    assert clinics_for(directory, at("2026-11-27 10:00"), "浦东新区").unknown_district


def test_the_district_named_earlier_in_chinese(actions_env):
    events = [{"event": "user", "text": "我住在海淀区", "parse_data": {}},
              {"event": "bot", "text": "好的"},
              {"event": "user", "text": "我发烧了", "parse_data": {}}]
    assert district_named(tracker(events=events)) == "Haidian"


# --- hospital.yml display texts -----------------------------------------------------------

def test_the_example_directory_has_chinese_names(directory):
    assert directory.hospital.name == "Example City Hospital"  # a string, in English
    assert display(directory.hospital.name, "zh") == "示例市医院"
    assert [display(c.name, "zh") for c in directory.fever_clinics] == [
        "示例市医院发热门诊", "朝阳分院发热门诊", "海淀社区卫生服务中心发热门诊"]
    assert [display(c.district, "zh") for c in directory.fever_clinics] == [
        "东城区", "朝阳区", "海淀区"]
    assert {key: display(d.name, "zh") for key, d in directory.departments.items()} == {
        "respiratory": "呼吸内科", "infectious_diseases": "感染科", "obstetrics": "产科",
        "paediatrics": "儿科"}
    assert display(directory.counselling.crisis_line.name, "zh") == "北京心理危机研究与干预中心热线"
    assert display(directory.counselling.crisis_line.name, "en") == \
        "Beijing Psychological Crisis Hotline"


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "hospital.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def example() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "hospital.yml").read_text(encoding="utf-8"))


def test_a_plain_string_is_every_language_and_a_missing_language_falls_back(tmp_path):
    data = example()
    data["hospital"]["name"] = "Plain Hospital"
    data["fever_clinics"][0]["name"] = {"en": "Only English Clinic"}
    data["fever_clinics"][1]["district"] = {"zh": "朝阳区"}
    loaded = load_directory(write(tmp_path, data))
    assert display(loaded.hospital.name, "zh") == "Plain Hospital"
    assert display(loaded.fever_clinics[0].name, "zh") == "Only English Clinic"
    assert loaded.fever_clinics[1].district == "朝阳区"  # no English: the text given
    assert display(None, "zh") == "" and display("plain", "zh") == "plain"


@pytest.mark.parametrize("value, field, says", [
    ({"en": "Clinic", "cn": "诊所"}, "fever_clinics[1].name", "'cn' is not a language"),
    ({}, "fever_clinics[1].name", "one per language"),
    ({"en": "Clinic", "zh": ""}, "fever_clinics[1].name", "zh: must not be empty"),
    (["Clinic"], "fever_clinics[1].name", "expected a text"),
    ("x" * 201, "fever_clinics[1].name", "at most 200 characters"),
])
def test_a_bad_display_text_is_refused_by_field(tmp_path, value, field, says):
    data = example()
    data["fever_clinics"][0]["name"] = value
    with pytest.raises(DirectoryError) as error:
        load_directory(write(tmp_path, data))
    assert field in str(error.value) and says in str(error.value)


def test_a_local_text_survives_copying():
    import copy
    import pickle

    text = LocalText.validate({"en": "Chaoyang", "zh": "朝阳区"})
    for copied in (copy.deepcopy(text), pickle.loads(pickle.dumps(text))):
        assert copied == "Chaoyang" and copied.in_language("zh") == "朝阳区"


# --- official figures ---------------------------------------------------------------------

def figures(region="Beijing", as_of=date(2026, 11, 25)):
    return Figures(region, 1234, 1000, 1, as_of, "Beijing Municipal Health Commission")


def test_spoken_date():
    assert answers.spoken_date(date(2026, 11, 25)) == "25 November 2026"
    assert answers.spoken_date(date(2026, 11, 25), "zh") == "2026年11月25日"
    assert answers.spoken_date(date(2027, 1, 3), "zh") == "2027年1月3日"


def test_statistics_replies_in_chinese():
    latest = [figures(), figures("China"), figures("Shanghai")]
    result = answers.answer(latest, None, datetime(2026, 12, 10, tzinfo=timezone.utc), "Beijing")
    replies = dict(answers.replies(result, "zh"))
    assert replies["statistics_figures_one_death"]["as_of"] == "2026年11月25日"
    assert replies["statistics_figures_one_death"]["confirmed"] == "1,234"
    assert replies["statistics_stale"]["as_of"] == "2026年11月25日"
    assert replies["statistics_other_regions"]["regions"] == "中国、上海"
    english = dict(answers.replies(result))
    assert english["statistics_figures_one_death"]["as_of"] == "25 November 2026"
    assert english["statistics_other_regions"]["regions"] == "China, Shanghai"
    unknown = answers.answer(latest, "Atlantis", datetime(2026, 11, 26, tzinfo=timezone.utc))
    assert dict(answers.replies(unknown, "zh"))["statistics_unknown_region"]["regions"] == \
        "北京、中国、上海"


def test_the_statistics_action_answers_in_the_conversations_language(actions_env):
    today = datetime.now(timezone.utc).date()
    statistics_store.import_figures(common.database(), [figures(as_of=today)], "test")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionStatistics().run(dispatcher, tracker(text="北京有多少病例", intent="ask_statistics"), {}))
    text = dispatcher.messages[0]["text"]
    assert f"数据截至 {today.year}年{today.month}月{today.day}日" in text
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionStatistics().run(dispatcher, tracker("en", text="cases in Beijing",
                                                           intent="ask_statistics"), {}))
    assert f"{today.day} {today:%B} {today.year}" in dispatcher.messages[0]["text"]


# --- the web app's error text -------------------------------------------------------------

def request(path: str, accept_language: str | None) -> Request:
    headers = [(b"accept-language", accept_language.encode())] if accept_language else []
    return Request({"type": "http", "method": "GET", "path": path, "headers": headers,
                    "query_string": b""})


@pytest.mark.parametrize("path", ["/chat/api/message", "/"])
def test_the_server_error_text_follows_accept_language(path):
    chinese = asyncio.run(server_error(request(path, "zh-CN,zh;q=0.9,en;q=0.8"), RuntimeError()))
    assert chinese.status_code == 500
    assert "抱歉，我们这边出了点问题，请稍后再试。" in chinese.body.decode("utf-8")
    for header in ("en-GB,en;q=0.9", None, "fr-FR"):
        english = asyncio.run(server_error(request(path, header), RuntimeError()))
        assert "Something went wrong on our side. Please try again." in english.body.decode()
