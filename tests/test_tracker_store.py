"""The tracker store that erases: Rasa's SQLTrackerStore, except that a save carrying the
forget-me marker (SlotSet("erase_conversation", True)) deletes the conversation, every
session of it, and stores nothing. On SQLite and PostgreSQL, without a model."""

from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                     UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.settings import PROJECT_ROOT
from bot.storage.tracker_store import (COUNT_SINCE_SESSION_START, ERASE_SLOT,
                                      ErasingSQLTrackerStore)
from tests.fixtures.databases import postgres_schema

DOMAIN = Domain.from_dict({
    "version": "3.1",
    "intents": ["greet", "forget_me"],
    "slots": {ERASE_SLOT: {"type": "bool", "influence_conversation": False,
                           "mappings": [{"type": "custom"}]}},
})
T0 = 1_790_000_000.0


def session(start: float, said: str) -> list:
    """One conversation session: its start, the person's message, the bot's answer."""
    return [ActionExecuted("action_session_start", timestamp=start),
            SessionStarted(timestamp=start + 1),
            ActionExecuted("action_listen", timestamp=start + 2),
            UserUttered(said, intent={"name": "greet", "confidence": 1.0}, timestamp=start + 3),
            BotUttered("Hello, how can I help?", timestamp=start + 4),
            ActionExecuted("action_listen", timestamp=start + 5)]


def forget_turn(at: float, value: object = True) -> list:
    return [UserUttered("delete my data", intent={"name": "forget_me", "confidence": 1.0},
                        timestamp=at),
            ActionExecuted("action_forget_me", timestamp=at + 1),
            SlotSet(ERASE_SLOT, value, timestamp=at + 2),
            BotUttered("Your data has been deleted.", timestamp=at + 3),
            ActionExecuted("action_listen", timestamp=at + 4)]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def store(store_url):
    # A complete URL as `host` is how SQLTrackerStore takes one (endpoints.yml's `url`).
    tracker_store = ErasingSQLTrackerStore(DOMAIN, host=store_url)
    yield tracker_store
    tracker_store.engine.dispose()


def rows(store_url: str, sender: str) -> list[tuple[str, str]]:
    engine = create_engine(store_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(
                "select type_name, data from events where sender_id = :s order by id"),
                {"s": sender})]
    finally:
        engine.dispose()


def save(store: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    asyncio.run(store.save(tracker))


def tracker_of(sender: str, events: list) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots)


def continue_with(store: SQLTrackerStore, sender: str, events: list) -> DialogueStateTracker:
    """What Rasa does in a turn: the stored tracker, with the turn's events appended."""
    tracker = asyncio.run(store.retrieve(sender))
    for event in events:
        tracker.update(event)
    return tracker


def test_without_the_marker_it_saves_like_rasas_store(store, store_url):
    save(store, tracker_of("telegram:1", session(T0, "I have a fever")))
    tracker = continue_with(store, "telegram:1", [
        UserUttered("still hot", intent={"name": "greet", "confidence": 1.0}, timestamp=T0 + 10),
        SlotSet(ERASE_SLOT, False, timestamp=T0 + 11)])  # not the marker
    save(store, tracker)
    save(store, tracker)  # saving again adds nothing
    stored = rows(store_url, "telegram:1")
    # Rasa's session starts at its `session_started` event; action_session_start is before.
    assert len(stored) == len(tracker.events) + 1 == 8
    assert [json.loads(data).get("text") for kind, data in stored if kind == "user"] == [
        "I have a fever", "still hot"]
    assert len(asyncio.run(store.retrieve("telegram:1")).events) == 7


def test_the_marker_deletes_every_session_and_stores_nothing(store, store_url):
    save(store, tracker_of("telegram:1", session(T0, "I have a fever")))
    # A second session: Rasa's retrieve gives only this one, the first stays stored.
    save(store, continue_with(store, "telegram:1", session(T0 + 90_000, "my cough is worse")))
    save(store, tracker_of("webchat:other", session(T0, "hello from someone else")))
    other_before = rows(store_url, "webchat:other")
    assert len(rows(store_url, "telegram:1")) == 12

    save(store, continue_with(store, "telegram:1", forget_turn(T0 + 90_100)))

    assert rows(store_url, "telegram:1") == []
    assert asyncio.run(store.retrieve("telegram:1")) is None
    assert asyncio.run(store.retrieve_full_tracker("telegram:1")) is None
    assert "telegram:1" not in asyncio.run(store.keys())
    assert rows(store_url, "webchat:other") == other_before  # someone else: untouched
    assert asyncio.run(store.retrieve("webchat:other")) is not None


def test_a_conversation_after_erasure_starts_afresh(store, store_url):
    save(store, tracker_of("rest:a", session(T0, "I have a fever") + forget_turn(T0 + 10)))
    assert rows(store_url, "rest:a") == []  # marker in the very first save too
    save(store, tracker_of("rest:a", session(T0 + 100, "hello again")))
    texts = [json.loads(data).get("text") for kind, data in rows(store_url, "rest:a")
             if kind == "user"]
    assert texts == ["hello again"]


def test_a_false_marker_erases_nothing(store, store_url):
    save(store, tracker_of("rest:b", session(T0, "I have a fever")))
    save(store, continue_with(store, "rest:b", forget_turn(T0 + 10, value=False)))
    assert len(rows(store_url, "rest:b")) == 11


def test_endpoints_yml_loads_the_erasing_store(monkeypatch, tmp_path):
    """Rasa falls back to an in-memory store, with only a warning, when a custom store's
    module cannot be imported: make sure it is ours, with endpoints.yml's keys."""
    monkeypatch.setenv("RASA_TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:9/webhook")
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml"))
    tracker_store = create_tracker_store(endpoints.tracker_store, DOMAIN)
    assert type(tracker_store) is ErasingSQLTrackerStore
    assert tracker_store.engine.url.database == str(tmp_path / "tracker.db")
    tracker_store.engine.dispose()


def test_it_counts_what_is_stored_as_rasas_store_does(store, store_url):
    """Our plain-SQL count of the events stored since the latest session start (which
    decides what a save appends) equals Rasa's ORM query, across sessions and senders."""
    save(store, tracker_of("web:1", session(T0, "hello")))
    save(store, tracker_of("web:2", session(T0 + 1, "other person")))
    tracker = continue_with(store, "web:1", session(T0 + 100, "back again"))
    save(store, tracker)
    tracker = continue_with(store, "web:1", [
        UserUttered("more", intent={"name": "greet", "confidence": 1.0}, timestamp=T0 + 200)])
    save(store, tracker)
    with store.session_scope() as db:
        for sender in ["web:1", "web:2", "nobody"]:
            rasas = store._event_query(db, sender, fetch_events_from_all_sessions=False).count()
            ours = db.execute(COUNT_SINCE_SESSION_START, {"sender_id": sender}).scalar()
            assert ours == rasas, sender
        assert db.execute(COUNT_SINCE_SESSION_START, {"sender_id": "web:1"}).scalar() == 6
    assert [t for t, _ in rows(store_url, "web:1")].count("user") == 3  # nothing lost or doubled
