"""Deleting rows of Rasa's `events` table (its SQL tracker store) for erasure and retention.

Rasa otherwise owns that table. It saves a tracker by inserting the events after the rows
it finds in the conversation's current session (from its latest `session_started` event
on), so the current session of a conversation Rasa may still be handling is never touched
here: deleting rows in it would make Rasa insert them again.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import bindparam, create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url

from bot.settings import VAR

EVENTS = "events"

# Events older than the cutoff, except the current session of a conversation that has
# anything newer (a conversation whose every event is older goes whole).
_OLD_EVENTS = """
FROM events WHERE id IN (
  SELECT e.id FROM events e JOIN (
    SELECT sender_id, MAX(timestamp) AS last_at,
           MAX(CASE WHEN type_name = 'session_started' THEN timestamp END) AS session_at
    FROM events GROUP BY sender_id) s ON s.sender_id = e.sender_id
  WHERE e.timestamp < :cutoff
    AND (s.last_at < :cutoff OR e.timestamp < s.session_at))
"""
COUNT_OLD = text("SELECT COUNT(*) " + _OLD_EVENTS)
DELETE_OLD = text("DELETE " + _OLD_EVENTS)


def tracker_url_from_env() -> str:
    """Where Rasa's tracker store is: the SQLite file RASA_TRACKER_DB (what endpoints.yml
    uses), else TRACKER_STORE_URL, else var/assistant.db (bot.cli run's default)."""
    if os.environ.get("RASA_TRACKER_DB"):
        return f"sqlite:///{os.environ['RASA_TRACKER_DB']}"
    return os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{VAR / 'assistant.db'}"


def same_database(url: str, other: str) -> bool:
    """Whether two SQLAlchemy URLs name one database (one SQLite file, however written)."""
    if url.startswith("sqlite:///") and other.startswith("sqlite:///"):
        return (Path(url.removeprefix("sqlite:///")).resolve()
                == Path(other.removeprefix("sqlite:///")).resolve())
    return make_url(url) == make_url(other)


def tracker_engine(url: str) -> Engine | None:
    """An engine for the tracker store; None when its SQLite file does not exist (Rasa
    has not run yet: nothing to delete, and no empty file is created)."""
    if url.startswith("sqlite:///"):
        if not Path(url.removeprefix("sqlite:///")).is_file():
            return None
        return create_engine(url, future=True, connect_args={"timeout": 15})
    return create_engine(url, future=True, pool_pre_ping=True)


def has_events_table(connection: Connection) -> bool:
    return inspect(connection).has_table(EVENTS)


def delete_conversation(connection: Connection, sender_id: str) -> int:
    """Every event of the conversation, all sessions. Only safe while Rasa is not
    handling it (the tracker store does it inside Rasa's lock for in-chat requests)."""
    if not has_events_table(connection):
        return 0
    return connection.execute(text("DELETE FROM events WHERE sender_id = :sender"),
                              {"sender": sender_id}).rowcount


def purge_old(connection: Connection, cutoff: datetime, dry_run: bool) -> int:
    """Old events (see _OLD_EVENTS); how many were (or would be) deleted."""
    if not has_events_table(connection):
        return 0
    values = {"cutoff": cutoff.timestamp()}
    if dry_run:
        return connection.execute(COUNT_OLD, values).scalar_one()
    return connection.execute(DELETE_OLD, values).rowcount


def senders_with_events_since(connection: Connection, senders: list[str],
                              cutoff: datetime) -> set[str]:
    """Which of `senders` have an event at or after the cutoff."""
    if not senders or not has_events_table(connection):
        return set()
    query = text("SELECT DISTINCT sender_id FROM events WHERE timestamp >= :cutoff "
                 "AND sender_id IN :senders").bindparams(bindparam("senders", expanding=True))
    found: set[str] = set()
    for start in range(0, len(senders), 500):  # bounded IN lists
        found.update(connection.execute(query, {"cutoff": cutoff.timestamp(),
                                                "senders": senders[start:start + 500]})
                     .scalars())
    return found
