"""The inbox itself: unsure messages, masked, deduplicated (the same text after
normalising case and whitespace is one item, with a count and when it was last seen),
grouped by the intent the assistant predicted; and trainers' decisions on them.

Only masked text is ever stored in our tables. An item with a decision leaves the inbox
for good (its key is taken), until a trainer puts it back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.nlu.masking import mask
from bot.storage import Database
from bot.storage.models import NluAnnotation
from bot.training_inbox.source import Unsure

ANNOTATED, DISCARDED = "annotated", "discarded"


@dataclass
class Item:
    key: str
    text: str  # masked, whitespace collapsed, as written the last time
    intent: str  # predicted the last time
    confidence: float | None
    guess: str | None
    count: int
    last_seen: float  # Unix time


class AlreadyDecided(Exception):
    """Another trainer decided on this message first."""


def normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def key_of(masked: str) -> str:
    return hashlib.sha256(normalised(masked).encode()).hexdigest()


def items(messages: Iterable[Unsure], decided: set[str] = frozenset()) -> list[Item]:
    """One item per distinct masked text not decided on yet, most frequent first."""
    found: dict[str, Item] = {}
    for message in sorted(messages, key=lambda message: message.at):
        text = " ".join(mask(message.text).split())
        key = key_of(text)
        if key in decided:
            continue
        seen = found.get(key)
        found[key] = Item(key, text, message.intent, message.confidence, message.guess,
                          (seen.count if seen else 0) + 1, message.at)
    return sorted(found.values(), key=lambda item: (-item.count, -item.last_seen))


def grouped(pending: list[Item]) -> dict[str, list[Item]]:
    """Items by predicted intent; the largest group first."""
    groups: dict[str, list[Item]] = {}
    for item in pending:
        groups.setdefault(item.intent, []).append(item)
    return dict(sorted(groups.items(), key=lambda group: (-len(group[1]), group[0])))


# ----- decisions (our database) -------------------------------------------------------

def decided_keys(db: Database) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(NluAnnotation.key)))


def annotate(db: Database, item: Item, intent: str, staff: str) -> NluAnnotation:
    return _decide(db, item, staff, ANNOTATED, intent)


def discard(db: Database, item: Item, staff: str) -> NluAnnotation:
    return _decide(db, item, staff, DISCARDED, None)


def put_back(db: Database, key: str) -> bool:
    """The message returns to the inbox (if people still write it); False if unknown."""
    with db.session() as session, session.begin():
        return session.execute(delete(NluAnnotation).where(NluAnnotation.key == key)).rowcount > 0


def annotations(db: Database, status: str | None = None) -> list[NluAnnotation]:
    """Decisions, newest first."""
    query = select(NluAnnotation).order_by(NluAnnotation.annotated_at.desc(),
                                           NluAnnotation.id.desc())
    if status:
        query = query.where(NluAnnotation.status == status)
    with db.session() as session:
        return list(session.scalars(query))


def _decide(db: Database, item: Item, staff: str, status: str,
            intent: str | None) -> NluAnnotation:
    decision = NluAnnotation(key=item.key, text=item.text, status=status, intent=intent,
                             predicted_intent=item.intent, annotated_by=staff)
    try:
        with db.session() as session, session.begin():
            session.add(decision)
    except IntegrityError:
        raise AlreadyDecided("Someone has already decided on this message.") from None
    return decision
