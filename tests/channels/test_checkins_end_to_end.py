"""A follow-up check-in over Telegram with the whole assistant: booked after a self-care
result, the assistant stopped and started again on a clock past the due time, the check-in
delivered once (even with a second scheduler running), a "worse" answer re-triaged; then
/forget leaves nothing of the person in any table, Rasa's included."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.processes import stop
from bot.settings import PROJECT_ROOT
from tests.fixtures.assistant import API_TOKEN, start_assistant

TOKEN = "654321:CHECKIN-test-token-not-a-secret"  # its own bot: the session's gateway polls the other
CHAT_ID = 731905264
SELF_CARE_ANSWERS = [
    ("may I keep your answers", "I agree"),
    ("have any of these right now", "None of these"),
    ("Have you had a fever", "No"),
    ("cough, sore throat", "No"),
    ("has any of these happened", "None of these"),
]
CHECKIN_QUESTION = "How do you feel now"


def last_message(telegram) -> dict:
    return [m for m in telegram.bot_messages(CHAT_ID)][-1]


def say_and_wait(telegram, text: str) -> list[dict]:
    before = len(telegram.sent(CHAT_ID, TOKEN))
    telegram.user_says(CHAT_ID, text, token=TOKEN)
    return telegram.replies_after(CHAT_ID, before, token=TOKEN)


def press_and_wait(telegram, title: str) -> list[dict]:
    before = len(telegram.sent(CHAT_ID, TOKEN))
    telegram.press(CHAT_ID, last_message(telegram), title, token=TOKEN)
    return telegram.replies_after(CHAT_ID, before, token=TOKEN)


def texts(messages) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def rows(path, query, *args) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(query, args).fetchall()


def every_text_cell(path) -> str:
    """Every value of every row of every table in a SQLite file, as one string."""
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute(
            "select name from sqlite_master where type = 'table'")]
        return "\n".join(str(row) for table in tables
                         for row in connection.execute(f'select * from "{table}"'))


def checkin_messages(telegram) -> list[dict]:
    return [m for m in telegram.sent(CHAT_ID, TOKEN) if CHECKIN_QUESTION in m.get("text", "")]


@pytest.fixture
def data(tmp_path, model_path):
    return tmp_path


def test_a_check_in_survives_a_restart_is_sent_once_and_worse_re_triages(data, fake_telegram):
    telegram = fake_telegram
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": f"{telegram.base_url}/bot",
           "CHECKIN_POLL_SECONDS": "1"}
    database = data / "assistant.db"
    conversation = f"telegram:{CHAT_ID}"

    with start_assistant(data, env):
        replies = say_and_wait(telegram, "can you check my symptoms?")
        for _ in range(len(SELF_CARE_ANSWERS)):
            question = texts(replies)
            title = next((t for key, t in SELF_CARE_ANSWERS if key in question), None)
            assert title, f"unexpected question: {question}"
            replies = press_and_wait(telegram, title)
        assert "check on you in 24 hours" in texts(replies)
        replies = press_and_wait(telegram, "Yes, check on me")
        assert "I'll check on you around" in texts(replies)
        [(due,)] = rows(database, "select due_at from checkins where status = 'scheduled'")
        time.sleep(4)  # several scheduler rounds on the real clock: not due, nothing sent
        assert checkin_messages(telegram) == []

    due_at = datetime.fromisoformat(due).replace(tzinfo=timezone.utc)  # stored in UTC
    later = {**env, "ASSISTANT_FIXED_TIME": (due_at + timedelta(minutes=1)).isoformat()}
    with start_assistant(data, later) as assistant:
        # a second scheduler, as a second server would run, on the same database
        second = subprocess.Popen(
            [sys.executable, "-m", "bot.checkins"], cwd=PROJECT_ROOT,
            env={**assistant.env, "RASA_URL": assistant.rasa_url, "RASA_API_TOKEN": API_TOKEN},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            telegram.wait_for(lambda: checkin_messages(telegram), timeout=90)
            time.sleep(5)  # more rounds of both schedulers
        finally:
            stop([second])
        assert len(checkin_messages(telegram)) == 1
        assert rows(database, "select status from checkins") == [("sent",)]

        replies = press_and_wait(telegram, "Worse")
        assert "ask a few questions again" in texts(replies)
        assert "have any of these right now" in texts(replies)  # the danger signs again

        replies = say_and_wait(telegram, "/forget")
        assert "Delete it all?" in texts(replies)
        replies = press_and_wait(telegram, "Yes, delete everything")
        assert "I deleted" in texts(replies)
        time.sleep(1)
        tracker = data / "tracker.db"
        assert rows(tracker, "select count(*) from events where sender_id = ?", conversation) == [(0,)]
        for path in (database, tracker):
            assert str(CHAT_ID) not in every_text_cell(path), path
