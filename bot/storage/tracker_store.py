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

import logging
from typing import Iterable

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# The bot's forget-me action returns SlotSet(ERASE_SLOT, True).
ERASE_SLOT = "erase_conversation"


def is_erase_marker(event: Event) -> bool:
    return isinstance(event, SlotSet) and event.key == ERASE_SLOT and event.value is True


class ErasingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that deletes the whole conversation (every session) instead of
    saving it when the events being saved carry the erase marker."""

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


def _has_marker(events: Iterable[Event]) -> bool:
    return any(is_erase_marker(event) for event in events)
