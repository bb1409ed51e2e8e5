"""The full privacy notice page (GET /privacy) in English and Chinese: ?lang=, else the
browser's Accept-Language, else English; the hospital's names and contact line in the
page's language, everything escaped; the Chinese notice kept in step with the English one;
and the link a Chinese conversation is given (our own page, in Chinese)."""

from __future__ import annotations

import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

import actions.common as common
from actions.privacy import notice_values as chat_values, restore_consent
from bot.privacy.notice import NOTICES, notice_html, notice_values, privacy_page
from bot.settings import PROJECT_ROOT

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    for name in ("RETENTION_DAYS", "HOSPITAL_CONFIG", "PRIVACY_NOTICE_URL", "PUBLIC_URL",
                 "WEB_HOST", "WEB_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'assistant.db'}")
    common.settings.cache_clear()
    common.database.cache_clear()
    yield
    common.settings.cache_clear()
    common.database.cache_clear()


@pytest.fixture
def client():
    with TestClient(Starlette(routes=[Route("/privacy", privacy_page)])) as test_client:
        yield test_client


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)">', page).group(1)


def test_chinese_for_lang_zh(client):
    answer = client.get("/privacy?lang=zh")
    page = answer.text
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert html_lang(page) == "zh-CN"
    assert "<title>隐私说明：发热分诊助手</title>" in page
    assert "本助手由示例市医院运营" in page
    assert "<p>示例市医院。电话：010-5555-0101（示例市医院发热门诊）。</p>" in page
    for promised in ("删除我的数据", "/forget", "90 天"):
        assert promised in page
    assert "Example City Hospital" not in page and "Phone:" not in page
    assert "{" not in page and "<!--" not in page


@pytest.mark.parametrize("header", ["zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans", "en;q=0.5, zh-TW"])
def test_chinese_when_the_browser_prefers_it(client, header):
    page = client.get("/privacy", headers={"Accept-Language": header}).text
    assert html_lang(page) == "zh-CN" and "隐私说明" in page and "示例市医院" in page


@pytest.mark.parametrize("url, header", [
    ("/privacy", ""),                                        # no preference: English
    ("/privacy", "en-US,en;q=0.9,zh-CN;q=0.8"),              # English first
    ("/privacy", "fr-FR,de;q=0.9"),                          # neither of ours
    ("/privacy?lang=en", "zh-CN,zh;q=0.9"),                  # ?lang wins over the browser
    ("/privacy?lang=fr", ""),                                # an unknown ?lang is ignored
])
def test_english_otherwise(client, url, header):
    answer = client.get(url, headers={"Accept-Language": header} if header else {})
    page = answer.text
    assert html_lang(page) == "en"
    assert "<title>Privacy notice: the fever triage assistant</title>" in page
    assert ("<p>Example City Hospital. Phone: 010-5555-0101 "
            "(Example City Hospital Fever Clinic).</p>") in page
    assert "示例" not in page and "{" not in page
    assert answer.headers["cache-control"] == "no-cache"
    assert "accept-language" in answer.headers["vary"].lower()


def test_the_retention_period_is_the_deployments(client, monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", "30")
    assert "30 天" in client.get("/privacy?lang=zh").text
    assert "30 days" in client.get("/privacy").text


def test_chinese_is_escaped_too(client, monkeypatch, tmp_path):
    page = notice_html("# 标题 <b>\n\n甲 <script>x</script> {hospital}\n\n- 一 & 二\n",
                       {"hospital": "圣<玛丽>医院"}, "zh")
    assert html_lang(page) == "zh-CN" and "<title>标题 &lt;b&gt;</title>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "圣&lt;玛丽&gt;医院" in page
    assert "<ul><li>一 &amp; 二</li></ul>" in page
    assert "<title>隐私说明</title>" in notice_html("没有标题", {}, "zh")
    # The directory's Chinese names reach the page escaped as well.
    config = (PROJECT_ROOT / "hospital.yml").read_text(encoding="utf-8")
    config = config.replace("name: {en: Example City Hospital, zh: 示例市医院}",
                            'name: {en: "A & B <Hospital>", zh: "甲&乙<医院>"}', 1)
    config = config.replace("zh: 示例市医院发热门诊}", 'zh: "<发热>门诊"}', 1)
    (tmp_path / "hospital.yml").write_text(config, encoding="utf-8")
    monkeypatch.setenv("HOSPITAL_CONFIG", str(tmp_path / "hospital.yml"))
    zh = client.get("/privacy?lang=zh").text
    assert "甲&amp;乙&lt;医院&gt;" in zh and "（&lt;发热&gt;门诊）" in zh and "<医院>" not in zh
    en = client.get("/privacy").text
    assert "A &amp; B &lt;Hospital&gt;" in en and "<Hospital>" not in en


def test_the_values_in_each_language():
    assert notice_values() == {
        "hospital": "Example City Hospital", "days": "90",
        "contact": "Phone: 010-5555-0101 (Example City Hospital Fever Clinic)."}
    assert notice_values("zh") == {"hospital": "示例市医院", "days": "90",
                                   "contact": "电话：010-5555-0101（示例市医院发热门诊）。"}


def sections(markdown: str) -> tuple[list[str], list[str]]:
    """The notice's {placeholders} (sorted, with repeats) and its heading levels, comments
    left out."""
    markdown = re.sub(r"<!--.*?-->", "", markdown, flags=re.DOTALL)
    headings = [line.split(" ", 1)[0] for line in markdown.splitlines() if line.startswith("#")]
    return sorted(PLACEHOLDER.findall(markdown)), headings


def test_the_chinese_notice_keeps_in_step_with_the_english_one():
    english, chinese = (sections(NOTICES[lang].read_text(encoding="utf-8"))
                        for lang in ("en", "zh"))
    assert english[0] == ["contact", "days", "days", "hospital", "hospital"]
    assert chinese[0] == english[0]
    assert chinese[1] == english[1] and len(english[1]) == 7


def test_every_placeholder_in_the_notices_is_filled():
    for lang, path in NOTICES.items():
        names = set(PLACEHOLDER.findall(path.read_text(encoding="utf-8")))
        assert names <= set(notice_values(lang)), lang


# The link in the chat's privacy texts (actions/privacy.py).

def chinese_conversation() -> Tracker:
    return Tracker.from_dict({
        "sender_id": "webchat:zh-1", "slots": {"language": "zh"},
        "latest_message": {"text": "你好", "intent": {"name": "greet", "confidence": 0.9},
                           "entities": [], "message_id": "m1"},
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen"})


def test_a_chinese_conversation_links_the_chinese_page(monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://triage.example.org/")
    assert chat_values("zh")["privacy_url"] == "https://triage.example.org/privacy?lang=zh"
    assert chat_values("zh")["hospital"] == "示例市医院"
    assert chat_values("en")["privacy_url"] == "https://triage.example.org/privacy"
    assert chat_values()["hospital"] == "Example City Hospital"
    dispatcher = CollectingDispatcher()
    restore_consent(dispatcher, chinese_conversation())  # first contact: the notice
    text = " ".join(message.get("text") or "" for message in dispatcher.messages)
    assert "完整的隐私说明：https://triage.example.org/privacy?lang=zh" in text


def test_the_local_page_is_linked_in_chinese_too(monkeypatch):
    monkeypatch.setenv("WEB_PORT", "8080")
    assert chat_values("zh")["privacy_url"] == "http://127.0.0.1:8080/privacy?lang=zh"


def test_a_hospitals_own_notice_is_linked_as_given(monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://triage.example.org")
    monkeypatch.setenv("PRIVACY_NOTICE_URL", "https://hospital.example.org/privacy")
    for lang in ("en", "zh"):
        assert chat_values(lang)["privacy_url"] == "https://hospital.example.org/privacy"
