"""The WeChat Official Account channel, with FakeWeChat playing WeChat's servers.

Fast tests serve the channel's blueprint alone (a real Sanic server on a free port) with
a scripted bot in place of Rasa's agent: the protocol, retries, the deadline and
customer-service delivery. The last ones talk to the whole assistant (the session
fixture `assistant`, trained model and all).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import count
from typing import Any, Iterator

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

from bot.channels.wechat import WeChatConfig, WeChatInput, wechat_pieces
from bot.processes import free_port
from bot.texts import message as text_message
from tests.channels.fake_wechat import FakeWeChat, aes_encrypt, sign

# WeChat's own notices are in WECHAT_LANGUAGE, Chinese unless set otherwise
TEXT_ONLY = text_message("channel_text_only", "zh")["text"]
PICK_NUMBER = text_message("channel_pick_number")["text"]  # after English replies
PICK_NUMBER_ZH = text_message("channel_pick_number", "zh")["text"]
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType>
<Content>&lol3;</Content><MsgId>1</MsgId></xml>"""
openids = count(1)


def new_openid() -> str:
    return f"o-test-{next(openids)}"


# ----- a scripted bot behind the real channel ----------------------------------------------

class ScriptedBot:
    """Stands in for Rasa's agent: records what it is given, answers after `delay` s."""

    def __init__(self) -> None:
        self.received: list[UserMessage] = []
        self.delay = 0.0
        self.answer: list[dict[str, Any]] | None = None  # None: echo the text
        self.fail = False

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.received]

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("the bot broke")
        for reply in self.answer or [{"text": f"You said: {message.text}"}]:
            await message.output_channel.send_response(message.sender_id, dict(reply))


class FakeAgent:
    """Only what offered_buttons reads: a tracker store."""

    def __init__(self) -> None:
        self.trackers: dict[str, DialogueStateTracker] = {}
        self.tracker_store = self

    async def retrieve(self, conversation: str) -> DialogueStateTracker | None:
        return self.trackers.get(conversation)

    def offer(self, conversation: str, buttons: list[dict[str, str]]) -> None:
        self.trackers[conversation] = DialogueStateTracker.from_events(conversation, [
            UserUttered("hi"), BotUttered("Do you have a fever?", {"buttons": buttons})])


class Served:
    """WeChatInput's blueprint on a real Sanic server, in a thread with its own loop."""

    names = count(1)

    def __init__(self, config: WeChatConfig) -> None:
        self.bot, self.agent = ScriptedBot(), FakeAgent()
        self.channel = WeChatInput(config)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhooks/wechat/webhook"
        self.loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._error: BaseException | None = None

    def __enter__(self) -> "Served":
        threading.Thread(target=self._serve, daemon=True).start()
        assert self._started.wait(10) and self._error is None, f"not started: {self._error!r}"
        return self

    def __exit__(self, *_: Any) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            app = Sanic(f"wechat_test_{next(self.names)}")
            app.ctx.agent = self.agent
            app.blueprint(self.channel.blueprint(self.bot), url_prefix="/webhooks/wechat")
            server = await app.create_server("127.0.0.1", self.port, access_log=False,
                                             return_asyncio_server=True)
            await server.startup()
            await server.start_serving()

        try:
            self.loop.run_until_complete(start())
        except BaseException as error:  # reported by __enter__
            self._error = error
        self._started.set()
        self.loop.run_forever()


@pytest.fixture(autouse=True)
def several_sanic_apps(monkeypatch):
    """Sanic 21.12 rewrites its request handler at each start; only in test mode can a
    second app in the same process start."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture(scope="module")
def wechat():
    server = FakeWeChat()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def config(wechat) -> WeChatConfig:
    wechat.reset()
    return WeChatConfig(token=wechat.token, app_id=wechat.app_id, app_secret=wechat.app_secret,
                        encoding_aes_key=wechat.aes_key, api_base=wechat.url, reply_seconds=2.0)


@contextlib.contextmanager
def serving(config: WeChatConfig, **changes: Any) -> Iterator[Served]:
    with Served(replace(config, **changes)) as served:
        yield served


@pytest.fixture
def served(config) -> Iterator[Served]:
    with serving(config) as served:
        yield served


# ----- configuration ----------------------------------------------------------------------

def test_config_comes_from_the_environment(monkeypatch, wechat):
    for name, value in wechat.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WECHAT_REPLY_SECONDS", "3")
    channel = WeChatInput.from_credentials(None)  # credentials.yml gives no values
    assert channel.config == WeChatConfig(wechat.token, wechat.app_id, wechat.app_secret,
                                          wechat.aes_key, wechat.url, 3.0)
    assert channel.safe_mode is not None and channel.get_output_channel() is not None


def test_config_defaults_and_a_bad_deadline(monkeypatch):
    for name in ["WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET",
                 "WECHAT_ENCODING_AES_KEY", "WECHAT_API_BASE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WECHAT_REPLY_SECONDS", "9")  # WeChat would give up first
    channel = WeChatInput.from_credentials(None)
    assert channel.config.api_base == "https://api.weixin.qq.com"
    assert channel.config.reply_seconds == 4.5
    assert channel.safe_mode is None and channel.get_output_channel() is None


def test_without_a_token_the_webhook_answers_503(config, wechat):
    with serving(config, token="") as served:
        for answer in (wechat.verify(served.url),
                       wechat.send_text(served.url, new_openid(), "hello")):
            assert answer.status == 503
            assert "WECHAT_TOKEN" in answer.body
        assert served.bot.received == []


# ----- verification and signatures ----------------------------------------------------------

def test_get_verification_with_wechats_test_vector(config, wechat):
    with serving(config, token="AAAAA") as served:
        vector = {"signature": "899cf89e464efb63f54ddac96b0a0a235f53aa78",
                  "timestamp": "1714037059", "nonce": "486452656"}
        answer = wechat.request(served.url, {**vector, "echostr": "hello-wechat"})
        assert (answer.status, answer.body) == (200, "hello-wechat")
        forged = wechat.request(served.url, {**vector, "nonce": "486452657", "echostr": "x"})
        assert forged.status == 403 and "x" not in forged.body


@pytest.mark.parametrize("query", [{"signature": "0" * 40}, {"signature": ""},
                                   {"signature": None}, {"timestamp": None}])
def test_forged_or_missing_signatures_are_refused(served, wechat, query):
    params = {**wechat.signed_query(), **query}
    params = {k: v for k, v in params.items() if v is not None}
    assert wechat.request(served.url, {**params, "echostr": "e"}).status == 403
    post = wechat.request(served.url, params, wechat.text_xml(new_openid(), "hi").encode())
    assert post.status == 403
    assert served.bot.received == []


def test_a_signature_made_with_another_token_is_refused(served, wechat):
    query = wechat.signed_query(token="not-our-token")
    assert wechat.request(served.url, {**query, "echostr": "e"}).status == 403
    assert wechat.post(served.url, wechat.text_xml(new_openid(), "hi"), **query).status == 403
    assert served.bot.received == []


def test_a_replayed_old_signed_request_is_refused(served, wechat):
    old = wechat.signed_query(timestamp=str(int(time.time()) - 3600))
    assert wechat.post(served.url, wechat.text_xml(new_openid(), "hi"), **old).status == 403
    assert served.bot.received == []


# ----- hostile and broken bodies --------------------------------------------------------------

@pytest.mark.parametrize("body", [
    BOMB,
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<xml><FromUserName>&e;</FromUserName><MsgType>text</MsgType></xml>",
    b"<xml><FromUserName>o</FromUserName><MsgType>text",
    b"not xml at all",
    b"<other><FromUserName>o</FromUserName><MsgType>text</MsgType></other>",
    b"<xml><Content>no sender</Content></xml>",
    "<xml>\u00e9</xml>".encode("latin-1"),
])
def test_bad_xml_gets_400_and_the_channel_keeps_working(served, wechat, body):
    answer = wechat.post(served.url, body)
    assert answer.status == 400
    assert "Traceback" not in answer.body and "passwd" not in answer.body
    assert served.bot.received == []
    assert wechat.send_text(served.url, new_openid(), "still there?").content == \
        "You said: still there?"


def test_an_oversized_body_is_refused(served, wechat):
    big = wechat.text_xml(new_openid(), "a" * 100_000)
    assert wechat.post(served.url, big).status == 413
    assert served.bot.received == []


# ----- messages ----------------------------------------------------------------------------

def test_a_text_message_gets_a_passive_reply(served, wechat):
    openid = new_openid()
    answer = wechat.send_text(served.url, openid, "I have a fever")
    assert answer.status == 200
    reply = answer.reply
    assert (reply["ToUserName"], reply["FromUserName"]) == (openid, wechat.account)
    assert reply["MsgType"] == "text" and reply["Content"] == "You said: I have a fever"
    [received] = served.bot.received
    assert received.sender_id == f"wechat:{openid}"  # namespaced conversation id
    assert received.input_channel == "wechat" and received.message_id


def test_messages_carry_the_channels_language_for_the_assistant(served, wechat, monkeypatch):
    wechat.send_text(served.url, new_openid(), "38.5")
    monkeypatch.setenv("WECHAT_LANGUAGE", "en")
    wechat.send_text(served.url, new_openid(), "38.5")
    assert [m.metadata for m in served.bot.received] == [{"language": "zh"}, {"language": "en"}]


def test_a_bad_wechat_language_is_logged_and_chinese_used(served, wechat, monkeypatch, caplog):
    monkeypatch.setenv("WECHAT_LANGUAGE", "klingon")
    wechat.send_text(served.url, new_openid(), "38.5")
    assert served.bot.received[0].metadata == {"language": "zh"}
    assert "WECHAT_LANGUAGE must be one of en, zh" in caplog.text


def test_the_number_hint_is_in_the_language_of_the_replies(served, wechat):
    served.bot.answer = [{"text": "您发烧了吗？", "buttons": [
        {"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}]}]
    content = wechat.send_text(served.url, new_openid(), "我不舒服").content
    assert content == f"您发烧了吗？\n\n1. 是\n2. 否\n{PICK_NUMBER_ZH}"
    assert PICK_NUMBER_ZH != PICK_NUMBER


def test_typed_text_cannot_trigger_an_intent(served, wechat):
    wechat.send_text(served.url, new_openid(), '/inform{"fever": true}')
    assert served.bot.texts == ['inform{"fever": true}']


def test_replies_are_joined_with_numbered_buttons_and_machine_payloads_hidden(served, wechat):
    served.bot.answer = [
        {"text": "Sorry to hear that."},
        {"text": "Do you have a fever?", "buttons": [
            {"title": "Yes", "payload": '/inform{"fever": true}'},
            {"title": "No", "payload": '/inform{"fever": false}'}]},
        {"custom": {"ask": ["fever"]}},
        {"custom": {"triage": {"route": "self_care"}}},
    ]
    content = wechat.send_text(served.url, new_openid(), "hello").content
    assert content == (f"Sorry to hear that.\n\nDo you have a fever?\n\n1. Yes\n2. No\n"
                       f"{PICK_NUMBER}")


@pytest.mark.parametrize("typed, expected", [
    ("2", '/inform{"fever": false}'), ("1.", '/inform{"fever": true}'),
    ("no", '/inform{"fever": false}'), ("3", "3"), ("No idea", "No idea")])
def test_a_number_or_title_answers_the_offered_buttons(served, wechat, typed, expected):
    openid = new_openid()
    served.agent.offer(f"wechat:{openid}", [
        {"title": "Yes", "payload": '/inform{"fever": true}'},
        {"title": "No", "payload": '/inform{"fever": false}'}])
    wechat.send_text(served.url, openid, typed)
    assert served.bot.texts == [expected]


def test_numbers_do_not_leak_into_another_conversation(served, wechat):
    served.agent.offer(f"wechat:{new_openid()}", [{"title": "Yes", "payload": "/affirm"}])
    wechat.send_text(served.url, new_openid(), "1")
    assert served.bot.texts == ["1"]


@pytest.mark.parametrize("make", [
    lambda w, o: w.image_xml(o),
    lambda w, o: w.voice_xml(o, recognition=""),
    lambda w, o: w._message_xml(o, "location", "<Location_X>23.1</Location_X>"
                                "<Location_Y>113.3</Location_Y><MsgId>77</MsgId>"),
    lambda w, o: w._message_xml(o, "link", "<Title>t</Title><Url>http://x</Url>"),
])
def test_non_text_messages_get_the_text_only_answer(served, wechat, make):
    answer = wechat.post(served.url, make(wechat, new_openid()))
    assert answer.content == TEXT_ONLY
    assert served.bot.received == []


def test_a_recognised_voice_message_is_read_as_text(served, wechat):
    answer = wechat.post(served.url, wechat.voice_xml(new_openid(), recognition="I feel hot"))
    assert answer.content == "You said: I feel hot"


def test_subscribe_greets_and_other_events_get_success(served, wechat):
    openid = new_openid()
    greeting = wechat.post(served.url, wechat.event_xml(openid, "subscribe"))
    assert greeting.content == "You said: /greet"
    for event in ("unsubscribe", "CLICK", "VIEW", "LOCATION"):
        assert wechat.post(served.url, wechat.event_xml(openid, event)).body == "success"
    assert served.bot.texts == ["/greet"]


def test_a_failing_bot_gets_an_apology_not_a_traceback(served, wechat):
    served.bot.fail = True
    answer = wechat.send_text(served.url, new_openid(), "hello")
    assert answer.status == 200
    assert answer.content == text_message("channel_unavailable", "zh",
                                          emergency_number="120")["text"]


# ----- retries -----------------------------------------------------------------------------

def test_a_retry_after_the_reply_gets_the_same_reply_without_reprocessing(served, wechat):
    openid, msg_id = new_openid(), wechat.new_msg_id()
    first = wechat.send_text(served.url, openid, "hello", msg_id=msg_id)
    again = wechat.send_text(served.url, openid, "hello", msg_id=msg_id)
    assert first.content == again.content == "You said: hello"
    assert served.bot.texts == ["hello"]
    # the same MsgId from another person is another message
    wechat.send_text(served.url, new_openid(), "hello", msg_id=msg_id)
    assert served.bot.texts == ["hello", "hello"]


def test_a_retry_while_processing_waits_for_the_same_run(served, wechat):
    served.bot.delay = 0.5
    openid, msg_id = new_openid(), wechat.new_msg_id()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(wechat.send_text, served.url, openid, "hello", msg_id=msg_id)
        time.sleep(0.2)
        retry = pool.submit(wechat.send_text, served.url, openid, "hello", msg_id=msg_id)
        answers = [first.result(), retry.result()]
    assert served.bot.texts == ["hello"]
    # WeChat listens to its latest try only: that one carries the reply, once
    assert [a.body for a in answers][0] == "success"
    assert answers[1].content == "You said: hello"
    assert wechat.messages() == []


def test_a_retried_subscribe_event_greets_once(served, wechat):
    openid, created = new_openid(), int(time.time())
    for _ in range(2):
        wechat.post(served.url, wechat.event_xml(openid, "subscribe", create_time=created))
    assert served.bot.texts == ["/greet"]


# ----- slower than WeChat waits: customer-service messages -----------------------------------

def test_a_slow_answer_says_success_then_arrives_by_customer_service(config, wechat):
    with serving(config, reply_seconds=0.3) as served:
        served.bot.delay = 1.0
        openid, msg_id = new_openid(), wechat.new_msg_id()
        started = time.monotonic()
        answer = wechat.send_text(served.url, openid, "hello", msg_id=msg_id)
        assert answer.body == "success" and time.monotonic() - started < 0.9
        # WeChat's retry, while the bot is still busy: not processed again
        assert wechat.send_text(served.url, openid, "hello", msg_id=msg_id).body == "success"
        [sent] = wechat.wait_for_messages(1, touser=openid)
        assert sent == {"touser": openid, "msgtype": "text",
                        "text": {"content": "You said: hello"}}
        # and a retry after it was delivered changes nothing
        assert wechat.send_text(served.url, openid, "hello", msg_id=msg_id).body == "success"
        time.sleep(0.3)
        assert served.bot.texts == ["hello"] and len(wechat.messages()) == 1
        assert wechat.token_calls == 1


def test_the_access_token_is_cached_and_fetched_again_when_refused(config, wechat):
    with serving(config, reply_seconds=0.1) as served:
        served.bot.delay = 0.3
        openid = new_openid()
        for number, text in enumerate(["one", "two"], start=1):
            assert wechat.send_text(served.url, openid, text).body == "success"
            wechat.wait_for_messages(number, touser=openid)
        assert wechat.token_calls == 1
        wechat.expire_tokens()  # e.g. someone asked WeChat for a new token elsewhere
        wechat.send_text(served.url, openid, "three")
        sent = wechat.wait_for_messages(3, touser=openid)
        assert [m["text"]["content"] for m in sent] == [f"You said: {t}"
                                                        for t in ["one", "two", "three"]]
        assert wechat.token_calls == 2


def test_a_token_about_to_expire_is_fetched_again(config, wechat):
    wechat.token_lifetime = 1  # renewed before half its life
    with serving(config, reply_seconds=0.1) as served:
        served.bot.delay = 0.2
        openid = new_openid()
        wechat.send_text(served.url, openid, "one")
        wechat.wait_for_messages(1, touser=openid)
        time.sleep(0.6)
        wechat.send_text(served.url, openid, "two")
        wechat.wait_for_messages(2, touser=openid)
        assert wechat.token_calls == 2


def test_a_long_late_answer_is_split_under_wechats_limit(config, wechat):
    paragraph = "发烧的时候多喝水，注意休息。" * 20  # 280 characters, 840 bytes
    long_text = "\n\n".join([paragraph] * 6)
    with serving(config, reply_seconds=0.1) as served:
        served.bot.delay, served.bot.answer = 0.3, [{"text": long_text}]
        openid = new_openid()
        wechat.send_text(served.url, openid, "hello")
        time.sleep(0.5)
        sent = [m["text"]["content"] for m in wechat.wait_for_messages(3, touser=openid)]
    assert all(len(piece.encode()) <= 2048 for piece in sent)
    assert "".join(sent).replace("\n", "") == long_text.replace("\n", "")


def test_a_long_passive_answer_sends_the_rest_by_customer_service(served, wechat):
    long_text = "\n\n".join(["word " * 300] * 3)  # 4500 bytes
    served.bot.answer = [{"text": long_text}]
    openid = new_openid()
    answer = wechat.send_text(served.url, openid, "hello")
    assert 0 < len(answer.content.encode()) <= 2048
    rest = [m["text"]["content"] for m in wechat.wait_for_messages(2, touser=openid)]
    assert " ".join([answer.content, *rest]).split() == long_text.split()


def test_without_app_credentials_a_slow_answer_says_busy(config, wechat):
    with serving(config, reply_seconds=0.1, app_id="", app_secret="",
                 encoding_aes_key="") as served:
        served.bot.delay = 0.3
        answer = wechat.send_text(served.url, new_openid(), "hello")
        assert answer.content == text_message("channel_busy", "zh",
                                              emergency_number="120")["text"]
        time.sleep(0.4)
        assert wechat.messages() == [] and wechat.token_calls == 0


def test_refused_customer_service_messages_are_logged_not_retried_forever(config, wechat,
                                                                         caplog):
    wechat.send_error = 45015  # the person last wrote more than 48 h ago
    with serving(config, reply_seconds=0.1) as served:
        served.bot.delay = 0.2
        assert wechat.send_text(served.url, new_openid(), "hello").body == "success"
        deadline = time.monotonic() + 5
        while "45015" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "45015" in caplog.text and "hello" not in caplog.text
    assert wechat.token_calls == 1


def test_the_output_channel_sends_by_customer_service(config, wechat):
    channel = WeChatInput(config)
    output = channel.get_output_channel()
    openid = new_openid()

    async def send() -> None:
        await output.send_response(f"wechat:{openid}", {
            "text": "A nurse joins the chat.",
            "buttons": [{"title": "OK", "payload": "/affirm"}]})
        await output.send_response(f"wechat:{openid}", {"custom": {"triage": {"route": "x"}}})
        await output.send_response(f"telegram:{openid}", {"text": "not ours"})

    asyncio.run(send())
    assert [m["text"]["content"] for m in wechat.messages()] == [
        f"A nurse joins the chat.\n\n1. OK\n{PICK_NUMBER}"]


# ----- safe mode -----------------------------------------------------------------------------

def test_safe_mode_round_trip(served, wechat):
    openid = new_openid()
    answer = wechat.send_text(served.url, openid, "I have a fever", aes=True)
    assert answer.status == 200 and "I have a fever" not in answer.body  # encrypted
    assert answer.reply["encrypted"] == "yes"  # FakeWeChat checked MsgSignature and AppID
    assert answer.content == "You said: I have a fever"
    assert answer.reply["ToUserName"] == openid
    assert served.bot.received[0].sender_id == f"wechat:{openid}"


def test_safe_mode_refuses_a_wrong_msg_signature_or_another_appid(served, wechat):
    xml = wechat.text_xml(new_openid(), "hello")
    assert wechat.post(served.url, xml, aes=True, msg_signature="0" * 40).status == 403
    # encrypted with our key but for another account: not WeChat writing to us
    query = wechat.signed_query()
    encrypted = aes_encrypt(xml, wechat.aes_key, "wx-someone-else")
    query.update(encrypt_type="aes", msg_signature=sign(
        wechat.token, query["timestamp"], query["nonce"], encrypted))
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    assert wechat.request(served.url, query, body).status == 403
    # garbage that is correctly signed
    query.update(msg_signature=sign(wechat.token, query["timestamp"], query["nonce"], "AAAA"))
    assert wechat.request(served.url, query,
                          b"<xml><Encrypt>AAAA</Encrypt></xml>").status == 400
    assert served.bot.received == []


def test_safe_mode_without_a_key_answers_503(config, wechat):
    with serving(config, encoding_aes_key="") as served:
        answer = wechat.send_text(served.url, new_openid(), "hello", aes=True)
        assert answer.status == 503 and "WECHAT_ENCODING_AES_KEY" in answer.body
        assert wechat.send_text(served.url, new_openid(), "plain").content == "You said: plain"


def test_safe_mode_success_and_text_only_answers(served, wechat):
    openid = new_openid()
    assert wechat.post(served.url, wechat.event_xml(openid, "unsubscribe"),
                       aes=True).body == "success"
    assert wechat.post(served.url, wechat.image_xml(openid), aes=True).content == TEXT_ONLY


# ----- pieces -------------------------------------------------------------------------------

def test_wechat_pieces_count_bytes():
    assert wechat_pieces("short") == ["short"]
    pieces = wechat_pieces("你好" * 2000)  # 12000 bytes, no spaces
    assert all(len(p.encode()) <= 2048 for p in pieces) and "".join(pieces) == "你好" * 2000


# ----- the whole assistant -------------------------------------------------------------------

def webhook(assistant) -> str:
    return f"{assistant.rasa_url}/webhooks/wechat/webhook"


def choices(content: str) -> dict[str, str]:
    """Numbered choices in a reply: {title (lower case): number}."""
    return {title.strip().lower(): number
            for number, title in re.findall(r"^(\d+)\. (.+)$", content, re.MULTILINE)}


def triage_route(assistant, conversation: str) -> str | None:
    for event in assistant.tracker_events(conversation):
        custom = (event.get("data") or {}).get("custom") or {}
        if event["event"] == "bot" and isinstance(custom.get("triage"), dict):
            return custom["triage"]["route"]
    return None


def answer_for(content: str) -> str:
    """What a person without risk factors would answer to the bot's question."""
    options = choices(content)
    for title in ("i agree", "none of these", "no, still unwell", "no"):
        if title in options:
            return options[title]
    lowered = content.lower()
    if "temperature" in lowered or "°" in lowered:
        return "38.2"
    if "how long" in lowered or "days" in lowered:
        return "2 days"
    if "old" in lowered or "age" in lowered:
        return "34"
    raise AssertionError(f"unexpected question: {content}")


def test_assistant_verification_and_signatures(assistant, fake_wechat):
    url = webhook(assistant)
    assert fake_wechat.verify(url, echostr="abc123").body == "abc123"
    assert fake_wechat.verify(url, signature="f" * 40).status == 403
    forged = fake_wechat.post(url, fake_wechat.text_xml(new_openid(), "hi"), signature="f" * 40)
    assert forged.status == 403
    assert fake_wechat.post(url, BOMB).status == 400


def test_assistant_whole_triage_over_wechat(assistant, fake_wechat):
    url, openid = webhook(assistant), new_openid()
    conversation = f"wechat:{openid}"
    content = fake_wechat.send_text(url, openid, "I have a fever").content
    typed, picked = ["I have a fever"], [False]
    for _ in range(15):
        if triage_route(assistant, conversation):
            break
        assert content and PICK_NUMBER in content or "?" in content, content
        assert '"ask"' not in content and '"triage"' not in content
        typed.append(answer_for(content))
        picked.append(typed[-1] in choices(content).values())
        answer = fake_wechat.send_text(url, openid, typed[-1])
        assert answer.status == 200
        content = answer.content
    route = triage_route(assistant, conversation)
    assert route in {"online_specialist", "fever_clinic", "self_care"}, route
    assert "not a diagnosis" in content.lower() or route.replace("_", " ") in content.lower()
    recorded = assistant.user_texts(conversation)
    assert len(recorded) == len(typed) and recorded[0] == "I have a fever"
    assert any(picked) and not all(picked)
    for sent, seen, choice in zip(typed, recorded, picked):
        # a choice's number became its button's payload; other text stays as typed
        assert seen.startswith("/") if choice else seen == sent, (sent, seen)


def test_assistant_processes_a_retried_message_once(assistant, fake_wechat):
    url, openid, msg_id = webhook(assistant), new_openid(), fake_wechat.new_msg_id()
    first = fake_wechat.send_text(url, openid, "hello there", msg_id=msg_id)
    again = fake_wechat.send_text(url, openid, "hello there", msg_id=msg_id)
    assert first.content and again.content == first.content
    assert assistant.user_texts(f"wechat:{openid}") == ["hello there"]


def test_assistant_subscribe_greets_and_image_is_text_only(assistant, fake_wechat):
    url, openid = webhook(assistant), new_openid()
    greeting = fake_wechat.post(url, fake_wechat.event_xml(openid, "subscribe"))
    assert "不能代替医生的诊断" in greeting.content  # WeChat starts in Chinese (WECHAT_LANGUAGE)
    assert fake_wechat.post(url, fake_wechat.image_xml(openid)).content == TEXT_ONLY
    assert fake_wechat.post(url, fake_wechat.event_xml(openid, "unsubscribe")).body == "success"
    assert assistant.user_texts(f"wechat:{openid}") == ["/greet"]


def test_assistant_safe_mode_round_trip(assistant, fake_wechat):
    url, openid = webhook(assistant), new_openid()
    answer = fake_wechat.send_text(url, openid, "I have a fever", aes=True)
    assert answer.reply.get("encrypted") == "yes" and answer.content
    assert "I have a fever" not in answer.body
    assert assistant.user_texts(f"wechat:{openid}") == ["I have a fever"]
