"""The messages the assistant was unsure about, read from Rasa's tracker store (its
`events` table), read-only: the fallback intent, or an intent whose confidence is under
the threshold (NLU_INBOX_THRESHOLD, 0.6 unless set)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.storage.rasa_events import user_events

FALLBACK_INTENT = "nlu_fallback"
DEFAULT_THRESHOLD = 0.6
DAYS = 90  # older messages leave the inbox (and the query stays quick)


@dataclass(frozen=True)
class Unsure:
    """One message as the person wrote it (not masked yet)."""
    text: str
    intent: str  # as predicted: nlu_fallback, or an intent under the threshold
    confidence: float | None
    guess: str | None  # for a fallback, the intent that came closest
    at: float  # Unix time


def threshold() -> float:
    value = os.environ.get("NLU_INBOX_THRESHOLD", str(DEFAULT_THRESHOLD))
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 < number <= 1:
        raise ValueError(f"NLU_INBOX_THRESHOLD must be a number between 0 and 1, not {value!r}")
    return number


def unsure_messages(tracker_url: str, under: float,
                    since: datetime | None = None) -> list[Unsure] | None:
    """People's messages since `since` (DAYS ago) that were not understood or whose
    intent's confidence is under `under`, oldest first. None when the store cannot be read."""
    since = since or datetime.now(timezone.utc) - timedelta(days=DAYS)
    rows = user_events(tracker_url, since)
    if rows is None:
        return None
    found = (_unsure(at, data, under) for at, _, data in rows)
    return [message for message in found if message is not None]


def _unsure(at: float, data: str | None, under: float) -> Unsure | None:
    try:
        event = json.loads(data or "{}")
        parsed = event.get("parse_data") or {}
        intent = parsed.get("intent") or {}
        ranking = parsed.get("intent_ranking") or []
        said = event.get("text") or parsed.get("text") or ""
    except (ValueError, AttributeError):
        return None
    name, confidence = intent.get("name"), intent.get("confidence")
    if not isinstance(said, str) or not said.strip() or said.lstrip().startswith("/") \
            or not name:  # empty, or a button's payload (/intent{...}): not people's words
        return None
    if not isinstance(confidence, (int, float)):
        confidence = None
    if name != FALLBACK_INTENT and (confidence is None or confidence >= under):
        return None
    guess = next((entry for entry in ranking if isinstance(entry, dict)
                  and entry.get("name") not in (None, FALLBACK_INTENT)), None)
    return Unsure(said, name, confidence,
                  guess.get("name") if guess and name == FALLBACK_INTENT else None, at)

