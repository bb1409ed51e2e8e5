"""People's messages from Rasa's SQL tracker store (its `events` table), read-only.

Rasa owns that table: we open it read-only (SQLite `mode=ro`, PostgreSQL read-only
transactions) so the console and the NLU inbox can never write to it.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from datetime import datetime, timezone
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

USER_EVENTS = text("SELECT timestamp, intent_name, data FROM events "
                   "WHERE type_name = 'user' AND timestamp >= :since ORDER BY timestamp")


def user_events(tracker_url: str, since: datetime) -> list[Row] | None:
    """(timestamp, intent_name, data JSON) of every user message since `since`, oldest
    first; None when the store cannot be read (not there yet, unreachable)."""
    engine = _engine(tracker_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SET TRANSACTION READ ONLY"))
            return connection.execute(USER_EVENTS, {"since": since.timestamp()}).all()
    except SQLAlchemyError as failure:
        logger.info("Rasa's tracker store cannot be read: %s", failure.__class__.__name__)
        return None


LAST_USER_MESSAGE = text("SELECT MAX(timestamp) FROM events "
                         "WHERE sender_id = :sender AND type_name = 'user'")


def last_user_message_at(tracker_url: str, conversation_id: str) -> datetime | None:
    """When the person last wrote in the conversation; None when they never did or the
    store cannot be read (the caller cannot tell the two apart, and need not)."""
    engine = _engine(tracker_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SET TRANSACTION READ ONLY"))
            at = connection.execute(LAST_USER_MESSAGE, {"sender": conversation_id}).scalar()
    except SQLAlchemyError as failure:
        logger.info("Rasa's tracker store cannot be read: %s", failure.__class__.__name__)
        return None
    return datetime.fromtimestamp(float(at), timezone.utc) if at is not None else None


@lru_cache(maxsize=4)
def _engine(tracker_url: str) -> Engine:
    """One engine (and connection pool) per tracker store for the life of the process."""
    return create_engine(read_only(tracker_url), future=True)


def read_only(url: str) -> str:
    """SQLite opened read-only (mode=ro: never written, and never created if missing)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return f"sqlite:///file:{quote(path)}?mode=ro&uri=true"
    return url
