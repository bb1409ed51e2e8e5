"""`action_statistics` as the action server runs it: a tracker whose last message asks
for figures, over a temporary SQLite database, and what the bot sends back."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

import actions.common
from actions.statistics import ActionStatistics
from bot.statistics import store
from bot.statistics.figures import Figures
from bot.storage import Database


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A fresh database for the actions (they cache settings and database once a process)."""
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("STATISTICS_DEFAULT_REGION", raising=False)
    actions.common.settings.cache_clear()
    actions.common.database.cache_clear()
    database = Database(url)
    database.migrate()
    yield database
    actions.common.database().engine.dispose()
    database.engine.dispose()
    actions.common.settings.cache_clear()
    actions.common.database.cache_clear()


def days_ago(days: int) -> date:
    return (datetime.now(timezone.utc) - timedelta(days=days)).date()


def add(db: Database, region: str, confirmed: int, recovered: int, deaths: int, as_of: date,
        source: str) -> None:
    store.import_figures(db, [Figures(region, confirmed, recovered, deaths, as_of, source)],
                         "test")


def spoken(day: date) -> str:
    return f"{day.day} {day:%B} {day.year}"


def ask(text: str) -> list[str]:
    tracker = Tracker.from_dict({
        "sender_id": "rest:statistics-test", "slots": {}, "events": [],
        "latest_message": {"text": text, "intent": {"name": "ask_statistics",
                                                    "confidence": 0.98}}})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionStatistics().run(dispatcher, tracker, {}))
    assert events == []
    return [message["text"] for message in dispatcher.messages]


def test_the_action_is_named_as_in_the_domain():
    assert ActionStatistics().name() == "action_statistics"


def test_a_region_gets_its_figures_with_date_and_source(db):
    yesterday = days_ago(1)
    add(db, "Beijing", 1234, 1100, 9, yesterday, "Beijing Municipal Health Commission")
    add(db, "China", 10000, 9000, 100, yesterday, "National Health Commission")
    assert ask("how many cases in beijing?") == [
        f"Beijing: 1,234 confirmed, 1,100 recovered, 9 deaths, as of {spoken(yesterday)} "
        "(source: Beijing Municipal Health Commission)."]


def test_latest_numbers_answer_for_the_country_and_name_the_other_regions(db):
    add(db, "Beijing", 1234, 1100, 9, days_ago(1), "Beijing MHC")
    add(db, "China", 10000, 9000, 100, days_ago(1), "NHC")
    add(db, "Shanghai", 870, 800, 2, days_ago(1), "Shanghai MHC")
    said = ask("latest numbers")
    assert said[0].startswith("China: 10,000 confirmed, 9,000 recovered, 100 deaths")
    assert said[1:] == ["You can also ask me about: Beijing, Shanghai."]


def test_latest_numbers_follow_the_configured_default_region(db, monkeypatch):
    add(db, "Beijing", 1234, 1100, 9, days_ago(1), "Beijing MHC")
    add(db, "China", 10000, 9000, 100, days_ago(1), "NHC")
    monkeypatch.setenv("STATISTICS_DEFAULT_REGION", "Beijing")
    said = ask("what are the latest numbers?")
    assert said[0].startswith("Beijing: 1,234 confirmed")
    assert said[1:] == ["You can also ask me about: China."]


def test_old_figures_come_with_a_plain_warning(db):
    old = days_ago(5)
    add(db, "Beijing", 1234, 1100, 1, old, "Beijing MHC")
    said = ask("How many cases in Beijing")
    assert said == [
        f"Beijing: 1,234 confirmed, 1,100 recovered, 1 death, as of {spoken(old)} "
        "(source: Beijing MHC).",
        f"These figures are from {spoken(old)}, more than 48 hours ago: newer ones may "
        "exist; check the health commission's website."]


def test_a_place_without_figures_is_named_with_the_regions_there_are(db):
    add(db, "Beijing", 1234, 1100, 9, days_ago(1), "Beijing MHC")
    add(db, "China", 10000, 9000, 100, days_ago(1), "NHC")
    assert ask("how many cases in Atlantis") == [
        "I have no official figures for Atlantis. I have figures for: Beijing, China."]


def test_no_figures_at_all_is_said_plainly(db):
    assert ask("latest numbers") == [
        "I don't have any official figures yet. The health commission's website has the "
        "latest numbers."]


def test_a_database_failure_is_an_apology_not_a_crash(db, monkeypatch):
    def broken(_db):
        raise OperationalError("select", {}, Exception("database is locked"))

    monkeypatch.setattr(store, "latest_figures", broken)
    assert ask("latest numbers") == [
        "I can't look up the official figures right now. Please try again in a few minutes, "
        "or check the health commission's website."]
