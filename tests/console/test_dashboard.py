"""The dashboard: figures from our tables and from Rasa's tracker store (read-only)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone

from bot.handoff import escalations
from bot.web.console.dashboard import chart
from bot.web.console.state import tracker_url
from bot.web.console.tracker import understanding


def make_events_table(path, rows):
    with sqlite3.connect(path) as connection:
        connection.execute("create table events (id integer primary key, sender_id text, "
                           "type_name text, timestamp real, intent_name text, "
                           "action_name text, data text)")
        connection.executemany(
            "insert into events (sender_id, type_name, timestamp, intent_name, data) "
            "values (?, ?, ?, ?, ?)", rows)


def user(intent, confidence, when=None):
    when = when or datetime.now(timezone.utc).timestamp()
    data = {"event": "user", "parse_data": {"intent": {"name": intent, "confidence": confidence}}}
    return ("someone", "user", when, intent, json.dumps(data))


def test_not_understood_counts_fallbacks_and_low_confidence(tmp_path):
    old = (datetime.now(timezone.utc) - timedelta(days=30)).timestamp()
    make_events_table(tmp_path / "tracker.db", [
        user("nlu_fallback", 0.9), user("greet", 0.3), user("greet", 0.95), user("inform", 0.5),
        user("nlu_fallback", 0.2, when=old),  # before the period
        ("someone", "bot", datetime.now(timezone.utc).timestamp(), None, "{}"),
    ])
    since = datetime.now(timezone.utc) - timedelta(days=14)
    read = understanding(f"sqlite:///{tmp_path / 'tracker.db'}", since)
    assert (read.messages, read.not_understood) == (4, 2) and read.share == 0.5


def test_not_understood_is_not_available_without_the_table(tmp_path):
    since = datetime.now(timezone.utc) - timedelta(days=14)
    missing = tmp_path / "missing.db"
    assert understanding(f"sqlite:///{missing}", since) is None
    assert not missing.exists()  # read-only: never created
    sqlite3.connect(tmp_path / "empty.db").close()
    assert understanding(f"sqlite:///{tmp_path / 'empty.db'}", since) is None


def test_the_tracker_store_is_rasas_file_else_our_database(monkeypatch):
    monkeypatch.setenv("RASA_TRACKER_DB", "/data/tracker.db")
    assert tracker_url("postgresql://db/ours") == "sqlite:////data/tracker.db"
    monkeypatch.delenv("RASA_TRACKER_DB")
    assert tracker_url("postgresql://db/ours") == "postgresql://db/ours"


def test_the_chart_stacks_routes_in_proportion():
    drawn = chart({"2026-11-26": {"self_care": 2, "emergency": 1}, "2026-11-27": {},
                   "2026-11-28": {"fever_clinic": 4, "martian": 1}})
    assert drawn.top == 10 and drawn.total == 8
    heights = {(bar.route, bar.title.split(":")[0]): bar.height for bar in drawn.bars}
    assert heights[("fever_clinic", "28 Nov")] == 2 * heights[("self_care", "26 Nov")]
    assert heights[("other", "28 Nov")] == heights[("emergency", "26 Nov")]
    assert drawn.routes == ["emergency", "fever_clinic", "self_care", "other"]
    assert [label for _, label in drawn.days] == ["26 Nov", "", "28 Nov"]
    assert chart({"2026-11-27": {}}).bars == []


def test_the_dashboard_shows_the_figures(site, nurse):
    site.say("blorptastic zqxv wumble frrrp")  # nothing the bot can understand
    site.say("I have had a fever of 38.5 since yesterday")
    case = site.escalate(site.say("hello"), reason="asked_for_human")
    nurse.post(f"/console/cases/{case.id}/reply", {"text": "Hello, a nurse here."})
    page = nurse.get("/console/dashboard")
    assert page.status_code == 200
    shown = re.search(r'data-testid="not-understood">([^<]*)<', page.text).group(1).strip()
    assert re.fullmatch(r"\d+%", shown), shown
    since = datetime.now(timezone.utc) - timedelta(days=14)
    read = understanding(tracker_url_of(site), since)
    assert read.not_understood >= 1 and read.messages >= 3
    open_now = int(re.search(r'data-testid="open-cases">(\d+)<', page.text).group(1))
    counts = escalations.counts(site.db)
    assert open_now == counts["open"] + counts["claimed"]
    median = re.search(r'data-testid="median-reply">([^<]*)<', page.text).group(1)
    assert median != "–"
    assert '<svg class="chart"' in page.text and "<script" not in page.text


def tracker_url_of(site) -> str:
    return f"sqlite:///{site.assistant.env['RASA_TRACKER_DB']}"
