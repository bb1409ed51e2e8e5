"""Telegram end to end: the real python-telegram-bot gateway (as `make run` starts it, and
extra ones in webhook mode or against a Rasa that is down) talking to a local stand-in
for Telegram's Bot API and to the real trained assistant."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

import pytest

from bot.processes import free_port, port_in_use, stop
from bot.settings import PROJECT_ROOT
from tests.fixtures.assistant import CHANNEL_TOKEN

chat_ids = count(7001)

# What to do for each question of the triage (matched on the question's text): press a
# button, or type an answer. Leads to the fever clinic (fever with a confirmed contact).
FEVER_CLINIC_ANSWERS = [
    ("may I keep your answers", ("press", "I agree")),
    ("have any of these right now", ("press", "None of these")),
    ("Have you had a fever", ("press", "Yes")),
    ("highest temperature", ("type", "38.6")),
    ("How many days", ("press", "2-3 days")),
    ("cough, sore throat", ("press", "Yes")),
    ("gone away", ("press", "No, still unwell")),
    ("How old", ("type", "35")),
    ("has any of these happened", ("press", "Contact with a confirmed case")),
    ("health-care setting", ("press", "No")),
    ("Does any of these apply", ("press", "None of these")),
]


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def converse(telegram, chat_id: int, opener: str, answers, max_turns: int = 14) -> list[dict]:
    """Play a whole triage; returns every message the bot sent."""
    telegram.user_says(chat_id, opener)
    seen = 0
    for _ in range(max_turns):
        new = telegram.replies_after(chat_id, seen)
        seen += len(new)
        if "fever clinic today" in texts(new) or "emergency care now" in texts(new):
            return telegram.sent(chat_id)
        question = telegram.bot_messages(chat_id)[-1]
        action = next((a for key, a in answers if key in question["text"]), None)
        assert action, f"unexpected question: {question['text']!r}"
        kind, value = action
        if kind == "press":
            telegram.press(chat_id, question, value)
        else:
            telegram.user_says(chat_id, value)
    raise AssertionError(f"no result after {max_turns} turns:\n{texts(telegram.sent(chat_id))}")


@pytest.fixture
def telegram(assistant, fake_telegram):
    return fake_telegram


def test_a_whole_triage_by_buttons_and_typing(assistant, telegram):
    chat_id = next(chat_ids)
    sent = converse(telegram, chat_id, "I have a fever", FEVER_CLINIC_ANSWERS)
    conversation = f"telegram:{chat_id}"
    slots = {e["name"]: e["value"] for e in assistant.tracker_events(conversation)
             if e["event"] == "slot"}
    assert slots.get("triage_route") == "fever_clinic", texts(sent)
    assert "fever clinic today" in texts(sent)
    # Machine payloads never shown raw; buttons were inline keyboards, presses acknowledged.
    assert '"triage"' not in texts(sent) and '"ask"' not in texts(sent)
    assert any(m.get("reply_markup", {}).get("inline_keyboard") for m in sent)
    assert telegram.called("answerCallbackQuery")
    assert any(int(p["chat_id"]) == chat_id for p in telegram.called("sendChatAction"))
    # A pressed question shows the choice and loses its keyboard.
    answered = [m for m in telegram.bot_messages(chat_id) if "✓ None of these" in m["text"]]
    assert answered and "reply_markup" not in answered[0]


def test_commands(assistant, telegram):
    chat_id = next(chat_ids)
    telegram.user_says(chat_id, "/start")
    assert "not a diagnosis" in texts(telegram.replies_after(chat_id, 0))
    seen = len(telegram.sent(chat_id))
    telegram.user_says(chat_id, "/help")
    assert texts(telegram.replies_after(chat_id, seen))
    seen = len(telegram.sent(chat_id))
    telegram.user_says(chat_id, "/unheard_of")
    assert "do not know that command" in texts(telegram.replies_after(chat_id, seen))
    # Typed intent syntax is text, never an instruction to set a fact.
    seen = len(telegram.sent(chat_id))
    telegram.user_says(chat_id, "/inform{\"cyanosis\": true}")
    telegram.replies_after(chat_id, seen)
    events = assistant.tracker_events(f"telegram:{chat_id}")
    assert not any(e["event"] == "slot" and e["name"] == "cyanosis" and e["value"]
                   for e in events)


def chinese_app(chat_id: int) -> dict:
    return {"from": {"id": chat_id, "is_bot": False, "first_name": "小明", "language_code": "zh-hans"}}


def test_a_chinese_app_gets_chinese_and_language_switches_both_ways(assistant, telegram):
    chat_id = next(chat_ids)
    telegram.user_says(chat_id, "/start", **chinese_app(chat_id))  # no words: the app's language
    greeting = texts(telegram.replies_after(chat_id, 0))
    assert "不能代替医生的诊断" in greeting and "not a diagnosis" not in greeting
    seen = len(telegram.sent(chat_id))
    telegram.user_says(chat_id, "/language", **chinese_app(chat_id))
    telegram.replies_after(chat_id, seen)
    choice = telegram.bot_messages(chat_id)[-1]
    assert "您想用哪种语言交流" in choice["text"]
    seen = len(telegram.sent(chat_id))
    telegram.press(chat_id, choice, "English")
    assert "I'll answer in English" in texts(telegram.replies_after(chat_id, seen))
    seen = len(telegram.sent(chat_id))
    telegram.user_says(chat_id, "/start", **chinese_app(chat_id))  # the choice outlasts the app's
    assert "not a diagnosis" in texts(telegram.replies_after(chat_id, seen))
    seen = len(telegram.sent(chat_id))
    telegram.user_says(chat_id, "中文", **chinese_app(chat_id))
    assert "接下来我用中文回复您" in texts(telegram.replies_after(chat_id, seen))


def test_the_command_menu_is_set_in_both_languages(assistant, telegram):
    menus = {p.get("language_code"): p["commands"] for p in telegram.called("setMyCommands")}
    assert {None, "zh"} <= set(menus)
    described = {c["command"]: c["description"] for c in json.loads(menus["zh"])
                 } if isinstance(menus["zh"], str) else {c["command"]: c["description"]
                                                         for c in menus["zh"]}
    assert described["restart"] == "重新开始" and "language" in described


def test_restart_starts_over(assistant, telegram):
    chat_id = next(chat_ids)
    telegram.user_says(chat_id, "I have a fever")
    telegram.replies_after(chat_id, 0)
    seen = len(telegram.sent(chat_id))
    telegram.user_says(chat_id, "/restart")
    assert texts(telegram.replies_after(chat_id, seen))
    intents = [e["parse_data"]["intent"]["name"]
               for e in assistant.tracker_events(f"telegram:{chat_id}") if e["event"] == "user"]
    assert intents[-1] == "start_over"


@pytest.mark.parametrize("content", [
    {"photo": [{"file_id": "p", "file_unique_id": "p1", "width": 90, "height": 90}]},
    {"voice": {"file_id": "v", "file_unique_id": "v1", "duration": 3}},
    {"sticker": {"file_id": "s", "file_unique_id": "s1", "width": 512, "height": 512,
                 "is_animated": False, "is_video": False, "type": "regular"}},
    {"location": {"latitude": 39.9, "longitude": 116.4}},
])
def test_what_is_not_text_gets_a_clear_answer(assistant, telegram, content):
    chat_id = next(chat_ids)
    telegram.send(telegram.message_update(chat_id, None, **content))
    assert "only read text messages" in texts(telegram.replies_after(chat_id, 0))


def test_an_edited_message_gets_a_clear_answer(assistant, telegram):
    chat_id = next(chat_ids)
    update = telegram.message_update(chat_id, "I have a fever")
    telegram.send({"edited_message": {**update["message"], "edit_date": int(time.time())}})
    assert "not edits" in texts(telegram.replies_after(chat_id, 0))


def test_group_chats_are_sent_to_a_private_chat(assistant, telegram):
    group = -next(chat_ids)
    telegram.user_says(group, "my lips are blue", chat_type="group")
    telegram.user_says(group, "@fever_triage_bot I have a fever", chat_type="group")
    replies = telegram.replies_after(group, 0, settle=1.5)
    assert len(replies) == 1 and "private chat" in replies[0]["text"]
    assert "t.me/fever_triage_bot" in replies[0]["text"]


def test_a_malformed_update_does_not_stop_the_gateway(assistant, telegram):
    chat_id = next(chat_ids)
    telegram.send({"message": {"text": "no date, no chat"}})
    telegram.send({"callback_query": "not an object"})
    telegram.user_says(chat_id, "hello")
    assert "not a diagnosis" in texts(telegram.replies_after(chat_id, 0))


def test_a_button_of_an_earlier_question_is_not_taken_as_the_answer(assistant, telegram):
    chat_id = next(chat_ids)
    telegram.user_says(chat_id, "I have a fever")
    telegram.replies_after(chat_id, 0)
    seen = len(telegram.sent(chat_id))
    telegram.press(chat_id, telegram.bot_messages(chat_id)[-1], "I agree")  # the privacy notice
    telegram.replies_after(chat_id, seen)
    first_question = telegram.bot_messages(chat_id)[-1]
    seen = len(telegram.sent(chat_id))
    telegram.press(chat_id, first_question, "None of these")
    telegram.replies_after(chat_id, seen)
    seen = len(telegram.sent(chat_id))
    telegram.press(chat_id, first_question, "Trouble breathing")  # the old keyboard
    assert "earlier question" in texts(telegram.replies_after(chat_id, seen))
    events = assistant.tracker_events(f"telegram:{chat_id}")
    assert not any(e["event"] == "slot" and e["name"] == "breathing_difficulty" and e["value"]
                   for e in events)


def test_chats_are_namespaced_by_channel(assistant, telegram):
    chat_id = next(chat_ids)
    telegram.user_says(chat_id, "hello")
    telegram.replies_after(chat_id, 0)
    request = urllib.request.Request(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": f"telegram:{chat_id}", "message": "my lips are blue",
                         "input_channel": "telegram"}).encode(),
        headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=60).read()
    assert assistant.user_texts(f"telegram:{chat_id}") == ["hello"]
    assert assistant.user_texts(f"rest:telegram:{chat_id}") == ["my lips are blue"]


def test_the_gateway_webhook_needs_the_channel_token(assistant):
    url = f"{assistant.rasa_url}/webhooks/telegram/webhook"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        request = urllib.request.Request(
            url, data=json.dumps({"sender": "1", "message": "hi"}).encode(),
            headers={"Content-Type": "application/json", **headers})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 401
    assert assistant.user_texts("telegram:1") == []


# --- gateways of their own ----------------------------------------------------------------

def start_gateway(assistant, fake_telegram, token: str, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "TELEGRAM_BOT_TOKEN": token,
                   "TELEGRAM_API_BASE": fake_telegram.env["TELEGRAM_API_BASE"],
                   "RASA_URL": assistant.rasa_url, "CHANNEL_TOKEN": CHANNEL_TOKEN, **env}
    return subprocess.Popen([sys.executable, "-m", "bot.telegram_gateway"], cwd=PROJECT_ROOT,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_webhook_mode_rejects_forged_updates(assistant, fake_telegram):
    token, secret, port = "222:WEBHOOK-test", "webhook-secret-for-tests", free_port()
    gateway = start_gateway(assistant, fake_telegram, token,
                            TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram",
                            TELEGRAM_WEBHOOK_SECRET=secret, TELEGRAM_WEBHOOK_PORT=str(port))
    try:
        hook = fake_telegram.wait_for(lambda: fake_telegram.webhooks.get(token), timeout=30)
        assert hook["url"] == "https://bot.example.org/telegram"
        assert hook["secret_token"] == secret
        fake_telegram.wait_for(lambda: port_in_use("127.0.0.1", port), timeout=30)
        forged, genuine = next(chat_ids), next(chat_ids)

        def post(chat_id: int, headers: dict) -> int:
            update = {"update_id": fake_telegram.next_update_id(),
                      **fake_telegram.message_update(chat_id, "my lips are blue")}
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/telegram", data=json.dumps(update).encode(),
                headers={"Content-Type": "application/json", **headers})
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    return answer.status
            except urllib.error.HTTPError as error:
                return error.code

        assert post(forged, {}) == 403
        assert post(forged, {"X-Telegram-Bot-Api-Secret-Token": "guessed"}) == 403
        assert post(genuine, {"X-Telegram-Bot-Api-Secret-Token": secret}) == 200
        replies = fake_telegram.replies_after(genuine, 0, token=token)
        assert "emergency care now" in texts(replies)
        assert fake_telegram.sent(forged, token=token) == []
        assert assistant.user_texts(f"telegram:{forged}") == []
    finally:
        stop([gateway])


class ForwardToRasa(BaseHTTPRequestHandler):
    """Stands in for a Rasa that has come back: forwards requests to the real one."""

    rasa_url = ""

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = urllib.request.Request(self.rasa_url + self.path, data=body,
                                         headers=dict(self.headers))
        with urllib.request.urlopen(request, timeout=60) as answer:
            data = answer.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_) -> None:
        pass


def test_while_rasa_is_down_the_person_is_told_and_the_message_is_kept(assistant, fake_telegram):
    token, port = "333:DOWN-test", free_port()
    gateway = start_gateway(assistant, fake_telegram, token,
                            RASA_URL=f"http://127.0.0.1:{port}",
                            GATEWAY_RETRY_DELAYS=",".join(["0.5"] * 60))
    server = None
    try:
        chat_id = next(chat_ids)
        fake_telegram.user_says(chat_id, "my lips are blue", token=token)
        apology = fake_telegram.replies_after(chat_id, 0, timeout=30, token=token)
        assert len(apology) == 1 and "slow to answer" in apology[0]["text"]
        ForwardToRasa.rasa_url = assistant.rasa_url
        server = ThreadingHTTPServer(("127.0.0.1", port), ForwardToRasa)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        answer = fake_telegram.replies_after(chat_id, 1, timeout=60, token=token)
        assert "emergency care now" in texts(answer)
        assert assistant.user_texts(f"telegram:{chat_id}") == ["my lips are blue"]
    finally:
        stop([gateway])
        if server:
            server.shutdown()


def test_long_replies_are_split_at_telegrams_limit_with_the_buttons_last(fake_telegram):
    import asyncio

    from telegram import Bot

    from bot.channels.client import RasaClient
    from bot.telegram_gateway.config import TelegramSettings
    from bot.telegram_gateway.gateway import Gateway

    settings = TelegramSettings(token="444:SPLIT-test", api_base=fake_telegram.env["TELEGRAM_API_BASE"],
                                webhook_url=None, webhook_secret=None, listen="127.0.0.1",
                                port=0, retry_delays=(), emergency_number="120")
    paragraph = "Stay at home and rest. " * 40
    long_text = "\n\n".join([paragraph] * 10)  # about 9,200 characters
    chat_id = next(chat_ids)

    async def send() -> None:
        rasa = RasaClient("telegram", base_url="http://127.0.0.1:9", token="unused")
        async with Bot(settings.token, base_url=settings.api_base) as bot:
            await Gateway(settings, rasa).send_replies(bot, chat_id, [
                {"text": long_text, "buttons": [{"title": "Yes", "payload": "/affirm"},
                                                {"title": "No", "payload": "/deny"}]},
                {"custom": {"triage": {"route": "self_care"}}}])
        await rasa.close()

    asyncio.run(send())
    sent = fake_telegram.sent(chat_id, token=settings.token)
    assert len(sent) == 3
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert " ".join(" ".join(m["text"] for m in sent).split()) == " ".join(long_text.split())
    assert [bool(m.get("reply_markup")) for m in sent] == [False, False, True]


def test_staff_replies_and_the_end_of_a_handoff_reach_telegram(assistant, telegram):
    import asyncio

    from bot.handoff import escalations
    from bot.handoff.rasa_api import RasaApi
    from bot.storage import Database
    from tests.fixtures.assistant import API_TOKEN

    chat_id = next(chat_ids)
    conversation = f"telegram:{chat_id}"
    telegram.user_says(chat_id, "can I talk to a doctor?")
    assert "member of the hospital's staff" in texts(telegram.replies_after(chat_id, 0))
    case = escalations.open_case(Database(assistant.env["DATABASE_URL"]), conversation)
    assert (case.channel, case.reason, case.paused) == ("telegram", "asked_for_human", True)

    async def staff(*steps):
        api = RasaApi(assistant.rasa_url, API_TOKEN)
        try:
            for step in steps:
                await step(api)
        finally:
            await api.close()

    seen = len(telegram.sent(chat_id))
    asyncio.run(staff(lambda api: api.send_staff_reply(conversation, "Hello, this is Dr Li.", "drli")))
    assert texts(telegram.replies_after(chat_id, seen)) == "Hello, this is Dr Li."
    seen = len(telegram.sent(chat_id))
    asyncio.run(staff(lambda api: api.end_handoff(conversation)))
    resumed = telegram.replies_after(chat_id, seen)
    assert "closed this conversation" in texts(resumed)
    # Its buttons work through the gateway like any other.
    seen = len(telegram.sent(chat_id))
    telegram.press(chat_id, telegram.bot_messages(chat_id)[-1], "Check my symptoms")
    assert "may I keep your answers" in texts(telegram.replies_after(chat_id, seen))
    seen = len(telegram.sent(chat_id))
    telegram.press(chat_id, telegram.bot_messages(chat_id)[-1], "I agree")
    assert "have any of these right now" in texts(telegram.replies_after(chat_id, seen))
