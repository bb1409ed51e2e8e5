"""What the whole running assistant writes to its logs at INFO never holds what people
wrote, who they are, or a secret: conversations over REST, the web chat, Telegram and
WeChat with marker ids and texts, then every process's output (Rasa, the action server,
the web app, the Telegram gateway, the check-in scheduler) is searched for the markers.

A dedicated assistant with LOG_LEVEL_LIBRARIES=INFO, so the access logs of Rasa's and
the action server's Sanic are on too (an operator may turn them on)."""

from __future__ import annotations

import json
import re
import urllib.request

import httpx
import pytest

from tests.channels.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.fixtures.assistant import API_TOKEN, CHANNEL_TOKEN, start_assistant

TEXT = "my neighbour Zhang Wei has a fever of 39.4"
REST_SENDER = "leakcheck-7781"
TELEGRAM_CHAT = 884417731
TELEGRAM_USER = "zhangwei_leakcheck"
OPENID = "oLeakCheck00000000000000WXid"
WEB_SECRET = "test-web-secret-not-a-secret"


@pytest.fixture(scope="module")
def chatted(model_path, fake_telegram, fake_wechat, tmp_path_factory):
    """A whole assistant, chatted with on every channel, then stopped: its output."""
    env = {**fake_telegram.env, **fake_wechat.env, "LOG_LEVEL": "INFO",
           "LOG_LEVEL_LIBRARIES": "INFO"}
    with start_assistant(tmp_path_factory.mktemp("private-logs"), env) as assistant:
        rest = httpx.post(f"{assistant.rasa_url}/webhooks/rest/webhook", timeout=60,
                          json={"sender": REST_SENDER, "message": TEXT})
        assert rest.status_code == 200 and rest.json()
        with httpx.Client(base_url=assistant.web_url, timeout=60) as web:
            page = web.get("/")
            csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)
            sent = web.post("/chat/api/send", json={"message": TEXT},
                            headers={"X-CSRF-Token": csrf})
            assert sent.status_code == 200 and sent.json()["messages"]
            assert web.get("/chat/api/messages", params={"after": 0}).status_code == 200
            visitor = json.loads(_cookie_data(web.cookies["session"]))["visitor"]
        fake_telegram.user_says(TELEGRAM_CHAT, TEXT, **{"from": {
            "id": TELEGRAM_CHAT, "is_bot": False, "first_name": "Zhang",
            "username": TELEGRAM_USER}})
        assert fake_telegram.replies_after(TELEGRAM_CHAT, 0)
        answer = fake_wechat.request(f"{assistant.rasa_url}/webhooks/wechat/webhook",
                                     fake_wechat.signed_query(),
                                     fake_wechat.text_xml(OPENID, TEXT).encode())
        assert answer.status == 200
        # The Rasa HTTP API (token and conversation id in the URL), as the console uses it.
        assert assistant.user_texts(f"rest:{REST_SENDER}") == [TEXT]
        assert assistant.user_texts(f"telegram:{TELEGRAM_CHAT}")
        with urllib.request.urlopen(f"{assistant.rasa_url}/status?token={API_TOKEN}", timeout=30):
            pass
    return assistant.output(), visitor


def _cookie_data(cookie: str) -> str:
    import base64

    data = cookie.split(".")[0]
    return base64.b64decode(data + "=" * (-len(data) % 4)).decode()


def test_no_message_text_in_any_log(chatted):
    output, _ = chatted
    for marker in [TEXT, "Zhang Wei", "neighbour"]:
        assert marker not in output, _around(output, marker)


def test_no_identifier_in_any_log(chatted):
    output, visitor = chatted
    for marker in [REST_SENDER, str(TELEGRAM_CHAT), TELEGRAM_USER, OPENID, visitor,
                   f"rest:{REST_SENDER}", f"telegram:{TELEGRAM_CHAT}", f"webchat:{visitor}"]:
        assert marker not in output, _around(output, marker)


def test_no_token_in_any_log(chatted):
    output, _ = chatted
    for secret in [API_TOKEN, CHANNEL_TOKEN, TELEGRAM_TOKEN, TELEGRAM_TOKEN.split(":")[1],
                   WEB_SECRET, "test-wechat-token"]:
        assert secret not in output, _around(output, secret)


def test_the_logs_still_say_what_happened(chatted):
    output, _ = chatted
    assert "Rasa server is up and running" in output
    assert "Telegram gateway: long polling" in output
    # The access logs are there, with conversations as keyed hashes and tokens masked.
    assert re.search(r"/conversations/conv#[0-9a-f]{6}/tracker\?token=\*\*\*", output), output[-3000:]
    assert "/webhooks/rest/webhook" in output and '"POST /chat/api/send HTTP/1.1" 200' in output


def _around(output: str, marker: str) -> str:
    at = output.find(marker)
    return f"{marker!r} logged:\n" + output[max(0, at - 300):at + 300]
