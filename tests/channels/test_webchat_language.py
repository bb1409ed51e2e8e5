"""The web chat page in Chinese or English.

The web app runs as `python -m bot.web`, with a small stand-in for Rasa's webchat gateway
channel (a real HTTP server here) that records what the web app forwards and answers in
the language the message's metadata names. The browser test is Debian's Chromium
(tests/fixtures/browser.py).
"""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from bot.processes import free_port, stop, wait_until_up
from bot.settings import PROJECT_ROOT
from bot.web.webchat import accepted_language
from tests.fixtures.browser import chromium
from tests.fixtures.databases import migrated_database

TEXTS = PROJECT_ROOT / "bot" / "texts"
TOKEN = "test-token"
GREETING = {"en": "Hello, how can I help?", "zh": "您好，请问有什么可以帮您？"}
REASON = {"en": "Breathing fast", "zh": "呼吸急促"}


# ----- a stand-in for Rasa, and the web app in front of it ------------------------------

class FakeRasa:
    """Answers POST /webhooks/webchat/webhook like our gateway channel does, in the
    language of the message's metadata; `received` holds every body it was sent."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.received: list[dict[str, Any]] = []
        self.authorizations: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                if self.path != "/webhooks/webchat/webhook":
                    return self._reply(404, {"error": "not found"})
                fake.received.append(body)
                fake.authorizations.append(self.headers.get("Authorization", ""))
                self._reply(200, fake.answer(body))

            def _reply(self, status: int, data: Any) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def answer(body: dict[str, Any]) -> list[dict[str, Any]]:
        language = (body.get("metadata") or {}).get("language", "en")
        sender = body["sender"]
        if body.get("message") == "38":  # a result, so the page shows its card
            return [{"recipient_id": sender, "custom": {"triage": {
                        "route": "emergency", "reasons": [REASON[language]], "rules": ["R-1"]}}},
                    {"recipient_id": sender, "text": REASON[language]}]
        return [{"recipient_id": sender, "text": GREETING[language]}]

    def last(self) -> dict[str, Any]:
        return self.received[-1]


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture(scope="module")
def web(rasa, tmp_path_factory) -> Iterator[str]:
    """The web app; its own database, so the page's polling of the outbox works."""
    directory = tmp_path_factory.mktemp("web")
    port = free_port()
    with migrated_database("sqlite", directory) as database:
        env = {**os.environ, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port),
               "RASA_URL": rasa.url, "CHANNEL_TOKEN": TOKEN, "DATABASE_URL": database.url,
               "WEB_SECRET_KEY": "test-secret-key-not-a-secret", "EMERGENCY_NUMBER": "112"}
        log = directory / "web.log"
        with open(log, "wb") as output:
            process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT,
                                       env=env, stdout=output, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            assert wait_until_up(f"{url}/healthz", [process], seconds=30), log.read_text()
            yield url
        finally:
            stop([process])


def get_page(url: str, path: str = "/", **headers: str) -> str:
    answer = httpx.get(f"{url}{path}", headers=headers)
    assert answer.status_code == 200
    return answer.text


def csrf(page: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)


def assert_chinese(page: str) -> None:
    assert '<html lang="zh-CN">' in page
    for label in ("<title>发热咨询 – ", "重新开始", ">发送</button>", 'placeholder="请输入您的问题或回答…"',
                  "以下为分诊建议", 'aria-label="对话记录"', 'data-why-label="建议依据"',
                  'data-call-label="拨打"', 'data-language="zh"'):
        assert label in page, label
    assert re.search(r'<a class="language-switch"[^>]*href="/\?lang=en"[^>]*>English</a>', page)
    for english in ("Fever check", "Start over", ">Send<", "not a diagnosis", "Type your message"):
        assert english not in page, english


def assert_english(page: str) -> None:
    assert '<html lang="en">' in page
    for label in ("<title>Fever check – ", "Start over", ">Send</button>",
                  'placeholder="Type your message…"', "not a diagnosis", 'data-why-label="Why"',
                  'data-language="en"'):
        assert label in page, label
    assert re.search(r'<a class="language-switch"[^>]*href="/\?lang=zh"[^>]*>中文</a>', page)
    assert "重新开始" not in page and "发送" not in page


# ----- the page's language ----------------------------------------------------------------

def test_lang_zh_gives_the_chinese_page(web):
    assert_chinese(get_page(web, "/?lang=zh"))


def test_a_chinese_browser_gets_the_chinese_page(web):
    assert_chinese(get_page(web, **{"Accept-Language": "zh-CN,zh;q=0.9"}))


def test_an_english_browser_gets_the_english_page(web):
    assert_english(get_page(web, **{"Accept-Language": "en-GB"}))


def test_no_accept_language_gives_english(web):
    assert_english(get_page(web))


def test_lang_wins_over_the_browser_and_a_strange_lang_is_ignored(web):
    assert_english(get_page(web, "/?lang=en", **{"Accept-Language": "zh-CN,zh;q=0.9"}))
    strange = get_page(web, '/?lang="><script>alert(1)</script>',
                       **{"Accept-Language": "zh-Hans"})
    assert_chinese(strange)
    assert "<script>alert" not in strange and "alert(1)" not in strange


@pytest.mark.parametrize("header, language", [
    ("zh", "zh"), ("zh-CN", "zh"), ("zh-Hans-CN", "zh"), ("ZH-cn", "zh"),
    ("en-US,en;q=0.9", "en"), ("en;q=0.5, zh;q=0.8", "zh"), ("fr-FR, zh;q=0.3, en;q=0.2", "zh"),
    ("de, fr;q=0.9", "en"), ("zh;q=0, en;q=0.1", "en"), ("*", "en"), ("", "en"),
    ("zh;q=abc, en", "en"), ("en, zh", "en"),
])
def test_accept_language_picks_the_most_preferred_page_language(header, language):
    assert accepted_language(header) == language


# ----- the texts ------------------------------------------------------------------------------

def webchat_texts(language: str) -> dict[str, str]:
    with open(TEXTS / language / "webchat.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_webchat_text_is_in_both_languages_with_the_same_placeholders():
    english, chinese = webchat_texts("en"), webchat_texts("zh")
    assert sorted(set(english) - set(chinese)) == [], "missing in zh/webchat.yml"
    assert sorted(set(chinese) - set(english)) == [], "missing in en/webchat.yml"
    for key, text in english.items():
        assert key.startswith("webchat_")
        assert isinstance(text, str) and isinstance(chinese[key], str) and chinese[key].strip()
        assert placeholders(chinese[key]) == placeholders(text), key


def test_the_page_and_its_script_use_only_texts_that_exist():
    template = (PROJECT_ROOT / "bot" / "web" / "templates" / "chat.html").read_text()
    used = set(re.findall(r"""\bt\(["'](\w+)["']\)""", template))
    assert used and {f"webchat_{key}" for key in used} <= set(webchat_texts("en"))
    script = (PROJECT_ROOT / "bot" / "web" / "static" / "chat.js").read_text()
    for english in ("Hospital staff", '"Choices"', '"Why"', '"Call"', '"Sorry'):
        assert english not in script, f"{english!r} is hard-coded in chat.js"


# ----- the language reaches the assistant -----------------------------------------------------

def test_messages_are_forwarded_with_the_page_language(web, rasa):
    with httpx.Client(base_url=web, timeout=60) as client:
        token = csrf(client.get("/?lang=zh").text)
        headers = {"X-CSRF-Token": token}

        answer = client.post("/chat/api/send", json={"message": "38", "language": "zh"},
                             headers=headers)
        assert answer.status_code == 200
        assert rasa.last()["message"] == "38"
        assert rasa.last()["metadata"] == {"language": "zh"}
        assert rasa.authorizations[-1] == f"Bearer {TOKEN}"
        card = answer.json()["result"]
        assert card["route"] == "emergency" and card["reasons"] == [REASON["zh"]]

        # A button: its title goes along as before, with the language.
        client.post("/chat/api/send", json={"payload": "/affirm", "title": "是", "language": "zh"},
                    headers=headers)
        assert rasa.last()["payload"] == "/affirm"
        assert rasa.last()["metadata"] == {"language": "zh", "button": "是"}

        # A body that does not say (or names a language we do not have): the page's.
        client.post("/chat/api/send", json={"payload": "/greet"}, headers=headers)
        assert rasa.last()["metadata"] == {"language": "zh"}
        client.post("/chat/api/send", json={"message": "hi", "language": "fr"}, headers=headers)
        assert rasa.last()["metadata"] == {"language": "zh"}

        # The visitor switches to English.
        client.get("/?lang=en")
        client.post("/chat/api/send", json={"message": "hi"}, headers=headers)
        assert rasa.last()["metadata"] == {"language": "en"}


# ----- in a real browser (last: Playwright's loop stays open in this thread) ------------------

@pytest.fixture(scope="module")  # see tests/fixtures/browser.py
def browser():
    with chromium() as launched:
        yield launched


def test_the_chinese_page_in_a_browser_and_its_switch_to_english(web, rasa, browser):
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda failure: problems.append(str(failure)))
        page.goto(web)  # no ?lang: the browser's zh-CN

        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page).to_have_title(re.compile("^发热咨询 – "))
        expect(page.get_by_test_id("start-over")).to_have_text("重新开始")
        expect(page.get_by_test_id("send")).to_have_text("发送")
        expect(page.get_by_test_id("message-input")).to_have_attribute(
            "placeholder", "请输入您的问题或回答…")
        expect(page.get_by_test_id("notice")).to_contain_text("如遇紧急情况")
        # The greeting was asked for in Chinese, so the (stand-in) assistant answered in it.
        expect(page.get_by_test_id("bot-message").first).to_have_text(GREETING["zh"])
        greet = next(body for body in reversed(rasa.received) if body.get("payload") == "/greet")
        assert greet["metadata"] == {"language": "zh"}

        # The result card's labels come from the page too.
        page.get_by_test_id("message-input").fill("38")
        page.get_by_test_id("message-input").press("Enter")
        card = page.get_by_test_id("result-card")
        expect(card.locator("h3")).to_have_text("建议依据")
        expect(card.get_by_role("link", name="拨打 112")).to_have_attribute("href", "tel:112")
        expect(card.locator(".reasons li")).to_have_text([REASON["zh"]])

        switch = page.get_by_test_id("language-switch")
        expect(switch).to_have_text("English")
        switch.click()
        expect(page).to_have_url(f"{web}/?lang=en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_test_id("start-over")).to_have_text("Start over")
        expect(page.get_by_test_id("send")).to_have_text("Send")
        expect(page.get_by_test_id("bot-message").first).to_have_text(GREETING["en"])
        expect(page.get_by_test_id("language-switch")).to_have_text("中文")
        expect(page.get_by_test_id("language-switch")).to_have_attribute("href", "/?lang=zh")
        assert problems == []
    finally:
        context.close()
