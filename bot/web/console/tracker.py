"""How often the bot did not understand, read from Rasa's SQL tracker store (its
`events` table): read-only, and "not available" when the table is not there."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.storage.rasa_events import user_events

FALLBACK_INTENT = "nlu_fallback"
LOW_CONFIDENCE = 0.5


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
    rows = user_events(tracker_url, since)
    if rows is None:
        return None
    return Understanding(len(rows), sum(_not_understood(intent, data) for _, intent, data in rows))


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
