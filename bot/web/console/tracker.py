"""How often the bot did not understand, read from Rasa's SQL tracker store (its
`events` table): read-only, and "not available" when the table is not there."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
LOW_CONFIDENCE = 0.5
USER_EVENTS = text("SELECT intent_name, data FROM events "
                   "WHERE type_name = 'user' AND timestamp >= :since")


@dataclass(frozen=True)
class Understanding:
    messages: int
    not_understood: int

    @property
    def share(self) -> float | None:
        return self.not_understood / self.messages if self.messages else None


def understanding(tracker_url: str, since: datetime) -> Understanding | None:
    """People's messages since `since`, and how many were not understood (the fallback
    intent, or an intent with confidence under 0.5). None when the store cannot be read."""
    engine = create_engine(_read_only(tracker_url), future=True)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SET TRANSACTION READ ONLY"))
            rows = connection.execute(USER_EVENTS, {"since": since.timestamp()}).all()
    except SQLAlchemyError as failure:
        logger.info("Rasa's tracker store cannot be read: %s", failure.__class__.__name__)
        return None
    finally:
        engine.dispose()
    return Understanding(len(rows), sum(_not_understood(intent, data) for intent, data in rows))


def _not_understood(intent_name: str | None, data: str | None) -> bool:
    if intent_name == FALLBACK_INTENT:
        return True
    try:
        intent = json.loads(data or "{}").get("parse_data", {}).get("intent") or {}
        confidence = intent.get("confidence")
    except (ValueError, AttributeError):
        return False
    return intent.get("name") == FALLBACK_INTENT or (
        isinstance(confidence, (int, float)) and confidence < LOW_CONFIDENCE)


def _read_only(url: str) -> str:
    """SQLite opened read-only (mode=ro: never written, and never created if missing)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return f"sqlite:///file:{quote(path)}?mode=ro&uri=true"
    return url
