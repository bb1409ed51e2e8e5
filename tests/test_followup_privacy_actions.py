"""The check-in, consent and forget-me actions on their own (rasa-sdk trackers, no model):
the offer and its wording per channel, what a yes books, "stop", the consent reading,
and that a yes counts only right after the question it answers."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.common as common
from actions.checkins import ActionCheckin, ActionStopCheckins, describe_interval, offer_checkin
from actions.privacy import ActionAskForget, consent_answer
from actions.replies import ActionAnswerNo, ActionAnswerYes, asked_just_now
from bot.checkins import store

NOW = datetime(2026, 11, 27, 13, 0, tzinfo=timezone.utc)  # 21:00 in Beijing


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'assistant.db'}")
    monkeypatch.setenv("ASSISTANT_FIXED_TIME", NOW.isoformat())
    for name in ("CHECKIN_HOURS", "QUARANTINE_DAYS"):
        monkeypatch.delenv(name, raising=False)
    common.settings.cache_clear()
    common.database.cache_clear()
    yield common.database
    common.settings.cache_clear()
    common.database.cache_clear()


def tracker(text="yes", intent="affirm", slots=None, channel="telegram", asked_by=None,
            entities=None, sender="telegram:42") -> Tracker:
    events = []
    if asked_by:
        events += [{"event": "action", "name": asked_by},
                   {"event": "action", "name": "action_listen"}]
    events.append({"event": "user", "text": text, "input_channel": channel,
                   "parse_data": {"intent": {"name": intent}}})
    return Tracker.from_dict({
        "sender_id": sender, "slots": slots or {},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.95},
                           "entities": entities or [], "message_id": "m1"},
        "events": events, "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    })


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, {}))
    return " ".join(m.get("text") or "" for m in dispatcher.messages), events, dispatcher.messages


def offered(facts, channel="telegram"):
    dispatcher = CollectingDispatcher()
    events = offer_checkin(dispatcher, tracker(channel=channel), facts)
    return " ".join(m.get("text") or "" for m in dispatcher.messages), events


def test_the_offer_is_once_in_24_hours_without_an_exposure():
    text, events = offered({"fever": False})
    assert "check on you in 24 hours" in text
    assert events[0]["value"] == "checkin_once"


def test_an_exposure_offers_daily_check_ins_to_the_end_of_quarantine():
    text, events = offered({"contact_confirmed_case": True})
    assert "until Fri 11 Dec" in text and "once a day" in text  # 14 days, in the hospital's time zone
    assert events[0]["value"] == "checkin_daily"


def test_wechat_is_told_about_its_48_hour_window(monkeypatch):
    text, _ = offered({"contact_confirmed_case": True}, channel="wechat")
    assert "within 48 hours" in text
    monkeypatch.setenv("CHECKIN_HOURS", "72")
    common.settings.cache_clear()
    text, events = offered({}, channel="wechat")
    assert "can't check on you in 3 days" in text and events[0]["value"] is None


def test_yes_right_after_the_offer_books_it_and_a_later_yes_does_not():
    text, _, _ = run(ActionAnswerYes(), tracker(slots={"awaiting_answer": "checkin_once"},
                                                asked_by="action_triage_result"))
    assert "I'll check on you around tomorrow 21:00" in text
    [checkin] = store.pending(common.database(), "telegram:42")
    assert checkin.due_at == NOW + timedelta(hours=24) and checkin.kind == "once"
    _, _, messages = run(ActionAnswerYes(), tracker(slots={"awaiting_answer": "checkin_once"},
                                                    asked_by="action_answer_question",
                                                    sender="telegram:43"))
    assert store.pending(common.database(), "telegram:43") == []
    assert [m["response"] for m in messages] == ["utter_anything_else"]


def test_daily_yes_or_just_once():
    run(ActionAnswerYes(), tracker(slots={"awaiting_answer": "checkin_daily"},
                                   asked_by="action_triage_result"))
    [daily] = store.pending(common.database(), "telegram:42")
    assert daily.kind == "daily" and daily.series_until == NOW + timedelta(days=14)
    once = [{"entity": "checkin_kind", "value": "once"}]
    run(ActionAnswerYes(), tracker(slots={"awaiting_answer": "checkin_daily"}, entities=once,
                                   asked_by="action_triage_result"))
    [replaced] = store.pending(common.database(), "telegram:42")
    assert replaced.kind == "once"


def test_no_books_nothing():
    text, _, _ = run(ActionAnswerNo(), tracker(intent="deny", text="no",
                                               slots={"awaiting_answer": "checkin_once"},
                                               asked_by="action_triage_result"))
    assert "no check-ins" in text
    assert store.pending(common.database(), "telegram:42") == []


def test_stop_cancels_every_check_in():
    store.schedule(common.database(), conversation_id="telegram:42", channel="telegram",
                   now=NOW, hours=24)
    text, _, _ = run(ActionStopCheckins(), tracker(text="stop", intent="stop"))
    assert "stopped your check-ins" in text
    assert store.pending(common.database(), "telegram:42") == []
    text, _, _ = run(ActionStopCheckins(), tracker(text="no more check-ins",
                                                   intent="stop_checkins"))
    assert "no check-ins planned" in text


def test_a_check_in_not_claimed_by_the_scheduler_says_nothing():
    text, events, _ = run(ActionCheckin(), tracker(text="", intent=None))
    assert text == "" and events[-1]["name"] == "action_listen"


def test_a_claimed_check_in_asks_once():
    db = common.database()
    checkin = store.schedule(db, conversation_id="telegram:42", channel="telegram", now=NOW,
                             hours=24)
    store.claim_due(db, checkin.due_at, "test", lease_seconds=300)
    text, _, messages = run(ActionCheckin(), tracker(text="", intent=None))
    assert "How do you feel now" in text
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/feel_better", "/feel_same", "/feel_worse", "/stop_checkins"]
    text, _, _ = run(ActionCheckin(), tracker(text="", intent=None))
    assert text == ""


def test_forget_asks_with_what_is_kept():
    text, events, _ = run(ActionAskForget(), tracker(text="delete my data", intent="forget_me"))
    assert "1 message" in text and "Delete it all?" in text
    assert events == [{"event": "slot", "timestamp": None, "name": "awaiting_answer",
                       "value": "forget"}]


def test_asked_just_now_needs_the_asking_action_right_before():
    assert asked_just_now(tracker(slots={"awaiting_answer": "forget"},
                                  asked_by="action_ask_forget")) == "forget"
    assert asked_just_now(tracker(slots={"awaiting_answer": "forget"})) is None
    assert asked_just_now(tracker(asked_by="action_ask_forget")) is None


@pytest.mark.parametrize("text, intent, expected", [
    ("I agree", "affirm", True), ("yes", "affirm", True), ("ok fine", None, True),
    ("no thanks", "deny", False), ("I don't agree", "affirm", False),
    ("what do you keep and who reads it?", "faq", None), ("maybe later", "dont_know", None),
])
def test_consent_answers(text, intent, expected):
    assert consent_answer(text, intent) is expected


def test_describe_interval():
    assert describe_interval(24) == "24 hours"
    assert describe_interval(12) == "12 hours"
    assert describe_interval(72) == "3 days"


@pytest.mark.parametrize("variable, value, says", [
    ("CHECKIN_HOURS", "tomorrow", "CHECKIN_HOURS must be a number"),
    ("RETENTION_DAYS", "0", "RETENTION_DAYS must be more than 0"),
])
def test_make_run_refuses_a_bad_setting_by_name(tmp_path, variable, value, says):
    import os
    import subprocess
    import sys

    from bot.settings import PROJECT_ROOT

    env = {**os.environ, variable: value, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
           "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr


def test_forget_mentions_what_staff_keep_only_when_there_is_a_case():
    text, _, _ = run(ActionAskForget(), tracker(text="delete my data", intent="forget_me"))
    assert "erased" not in text
    from bot.handoff import escalations

    escalations.escalate(common.database(), conversation_id="telegram:42", channel="telegram",
                         reason="asked_for_human")
    text, _, _ = run(ActionAskForget(), tracker(text="delete my data", intent="forget_me"))
    assert "1 staff case" in text and "existed and was erased" in text
