"""The channel-neutral pieces: rendering, numbered choices, run-once, Telegram keyboards
and the gateway's settings. No Rasa, no network."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels import channel_sender, conversation_id
from bot.channels.once import OnceOnly
from bot.channels.render import (Button, Reply, chosen_button, numbered, split_text,
                                 triage_result, visible_replies)
from bot.telegram_gateway.config import ConfigurationError, TelegramSettings
from bot.telegram_gateway.keyboards import CallbackPayloads, keyboard, pressed_title

YES_NO = [Button("Yes", "/affirm"), Button("No", "/deny")]


def test_conversation_ids_are_namespaced():
    assert conversation_id("telegram", "42") == "telegram:42"
    assert channel_sender("telegram", "telegram:42") == "42"
    assert channel_sender("telegram", "wechat:42") is None


def test_machine_payloads_are_never_visible():
    messages = [{"text": "Do you have a cough?", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
                {"custom": {"ask": ["cough"], "type": "bool"}},
                {"custom": {"triage": {"route": "self_care"}}}]
    assert visible_replies(messages) == [Reply("Do you have a cough?", [YES_NO[0]])]
    assert triage_result(messages) == {"route": "self_care"}
    assert triage_result(messages[:2]) is None


def test_buttons_without_text_join_the_message_before():
    messages = [{"text": "Question?"}, {"buttons": [{"title": "No", "payload": "/deny"}]}]
    assert visible_replies(messages) == [Reply("Question?", [YES_NO[1]])]


@pytest.mark.parametrize("limit", [50, 100, 4096])
def test_long_text_is_split_between_words_without_losing_any(limit):
    text = "\n\n".join(" ".join(f"word{i}-{j}" for j in range(60)) for i in range(30))
    pieces = split_text(text, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())
    if len(text) > limit:
        assert all(piece.split()[-1].startswith("word") for piece in pieces)  # no word cut


def test_a_word_longer_than_the_limit_is_cut():
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_numbered_choices_and_replies():
    text = numbered(Reply("Do you have a cough?", YES_NO), "Reply with a number.")
    assert text == "Do you have a cough?\n\n1. Yes\n2. No\nReply with a number."
    assert chosen_button("2", YES_NO).payload == "/deny"
    assert chosen_button(" 1. ", YES_NO).payload == "/affirm"
    assert chosen_button("yes", YES_NO).payload == "/affirm"
    assert chosen_button("3", YES_NO) is None
    assert chosen_button("38.5", YES_NO) is None
    assert numbered(Reply("Hello"), "hint") == "Hello"


def test_once_only_runs_a_retry_once():
    calls = []

    async def work():
        calls.append(1)
        await asyncio.sleep(0.05)
        return ["answer"]

    async def scenario():
        once = OnceOnly()
        first, retry = await asyncio.gather(once.run("m1", work), once.run("m1", work))
        late = await once.run("m1", work)
        other = await once.run("m2", work)
        return first, retry, late, other

    first, retry, late, other = asyncio.run(scenario())
    assert first == retry == late == other == ["answer"]
    assert len(calls) == 2  # m1 once, m2 once


def test_once_only_lets_a_failed_run_be_retried():
    attempts = []

    async def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("down")
        return "ok"

    async def scenario():
        once = OnceOnly()
        with pytest.raises(ConnectionError):
            await once.run("m", flaky)
        return await once.run("m", flaky)

    assert asyncio.run(scenario()) == "ok"


def test_once_only_forgets_old_keys():
    async def scenario():
        once = OnceOnly(ttl=0.0, max_keys=10)
        await once.run("m", lambda: asyncio.sleep(0))
        return once.seen("m")

    assert asyncio.run(scenario()) is False


def test_long_payloads_travel_as_a_digest_within_telegrams_limit():
    payloads = CallbackPayloads()
    long_payload = '/inform{"risk_factors_chronic_condition_and_more": true, "x": "' + "y" * 40 + '"}'
    short = payloads.data_for("/affirm")
    digest = payloads.data_for(long_payload)
    assert short == "/affirm" and len(digest.encode()) <= 64
    assert payloads.payload_for(digest) == long_payload
    assert payloads.payload_for("#unknown") is None


def test_keyboards_put_short_buttons_side_by_side():
    payloads = CallbackPayloads()
    markup = keyboard(YES_NO, payloads)
    assert [[k.text for k in row] for row in markup.inline_keyboard] == [["Yes", "No"]]
    long = [Button("Trouble breathing at rest", "/a"), Button("None of these", "/b")]
    assert len(keyboard(long, payloads).inline_keyboard) == 2
    assert pressed_title(markup, "/deny") == "No"
    assert keyboard([], payloads) is None


def test_gateway_settings_explain_what_is_wrong(monkeypatch):
    monkeypatch.delenv("TELEGRAM_WEBHOOK_URL", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    with pytest.raises(ConfigurationError, match="BotFather"):
        TelegramSettings.from_env()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert TelegramSettings.from_env().webhook_url is None  # long polling
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces!")
    with pytest.raises(ConfigurationError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramSettings.from_env()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "good_secret-1")
    assert TelegramSettings.from_env().webhook_secret == "good_secret-1"
