"""Rasa's SQL tracker store, plus erasure: a conversation whose person asked to have
their data deleted is removed from the `events` table when Rasa saves it.

Why here and not in the action: Rasa saves a tracker by inserting the events after those
already stored in the current session (it counts the stored rows). Rows deleted by someone
else while Rasa handles the turn would be inserted again at the save. The save runs
inside Rasa's lock for the conversation, so deleting there cannot race with the turn.

Configured in endpoints.yml (`type: bot.storage.tracker_store.ErasingSQLTrackerStore`,
with the usual SQLTrackerStore keys).
"""

from __future__ import annotations

import itertools
import logging
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

logger = logging.getLogger(__name__)

# The bot's forget-me action returns SlotSet(ERASE_SLOT, True).
ERASE_SLOT = "erase_conversation"


def is_erase_marker(event: Event) -> bool:
    return isinstance(event, SlotSet) and event.key == ERASE_SLOT and event.value is True


class ErasingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that deletes the whole conversation (every session) instead of
    saving it when the events being saved carry the erase marker."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._keep_sqlite_connections_open()
        elif self.engine.dialect.name == "postgresql":
            # The same trade as synchronous=NORMAL on SQLite: a commit returns before the
            # disk has it (Rasa's event loop is blocked while it waits), a server crash can
            # lose the last fraction of a second of turns, never corrupt anything.
            # Only the tracker store's sessions: our own tables keep full durability.
            @sa.event.listens_for(self.engine, "connect")
            def _asynchronous_commit(dbapi_connection, _record):  # noqa: ANN001
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit TO OFF")

    def _keep_sqlite_connections_open(self) -> None:
        """SQLAlchemy 1.4 opens a new SQLite connection for every session (NullPool): one
        open and one close per read and per save of every turn. A small pool keeps them
        open; Rasa uses them from its one event-loop thread. WAL with synchronous=NORMAL
        (the combination SQLite recommends for WAL) syncs at checkpoints instead of on
        every commit: a turn no longer waits for the disk, and a crash of the process
        loses nothing; a power cut may lose the last turns, never corrupt the file."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=QueuePool, pool_size=2, max_overflow=8,
                                       connect_args={"check_same_thread": False,
                                                     "timeout": 15})

        @sa.event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_connection, _record):  # noqa: ANN001 - SQLAlchemy's signature
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _additional_events(self, session: sa.orm.Session,
                           tracker: DialogueStateTracker) -> Iterator[Event]:
        """The tracker's events not stored yet, as Rasa's: those after the number stored
        since the latest session start. Rasa counts them with an ORM query whose cache key
        SQLAlchemy rebuilds on every save (a tenth of the server's time under load); the
        same count in plain SQL is compiled once."""
        stored = session.execute(COUNT_SINCE_SESSION_START,
                                 {"sender_id": tracker.sender_id}).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        # Cheap in-memory check first: the usual save costs no extra query.
        if any(is_erase_marker(event) for event in tracker.events):
            with self.session_scope() as session:
                unsaved = self._additional_events(session, tracker)
                if _has_marker(unsaved):
                    deleted = (session.query(self.SQLEvent)
                               .filter(self.SQLEvent.sender_id == tracker.sender_id)
                               .delete(synchronize_session=False))
                    session.commit()
                    # Nothing is streamed to an event broker either: the person is gone.
                    logger.info("Erased a conversation's history at the person's request "
                                "(%d events).", deleted)
                    return
        await super().save(tracker)


# What Rasa's _event_query(..., fetch_events_from_all_sessions=False).count() counts.
COUNT_SINCE_SESSION_START = sa.text("""
SELECT COUNT(*) FROM events
WHERE sender_id = :sender_id
  AND (timestamp >= (SELECT MAX(timestamp) FROM events
                     WHERE sender_id = :sender_id AND type_name = 'session_started')
       OR (SELECT MAX(timestamp) FROM events
           WHERE sender_id = :sender_id AND type_name = 'session_started') IS NULL)
""")


def _has_marker(events: Iterable[Event]) -> bool:
    return any(is_erase_marker(event) for event in events)
