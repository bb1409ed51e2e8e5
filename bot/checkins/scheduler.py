"""Sends due check-ins: claims them, decides whether this is a good moment, and asks Rasa
to run the check-in action (Rasa's /execute API), which asks how the person is.

Logs carry counts and check-in ids only, never conversation ids or text.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Callable

from bot import clock as clocks
from bot.checkins import store
from bot.handoff.escalations import open_case
from bot.handoff.rasa_api import RasaApi, RasaApiError
from bot.storage import Database
from bot.storage.models import CheckIn
from bot.storage.rasa_events import last_user_message_at

logger = logging.getLogger(__name__)

ACTION = "action_checkin"
WECHAT_WINDOW = timedelta(hours=48)  # WeChat's customer-service API refuses after this
ACTIVE = timedelta(minutes=10)  # the person is writing now: do not interrupt
ACTIVE_RETRY = timedelta(minutes=30)


class CheckInScheduler:
    def __init__(self, db: Database, rasa: RasaApi, *,
                 clock: Callable[[], datetime] = clocks.now, worker_id: str,
                 tracker_url: str | None, lease_seconds: int = 300,
                 retry_seconds: int = 60) -> None:
        self.db, self.rasa, self.clock = db, rasa, clock
        self.worker_id = worker_id[:64]  # the claimed_by column's width
        self.tracker_url = tracker_url
        self.lease_seconds, self.retry_seconds = lease_seconds, retry_seconds

    async def run_once(self) -> dict[str, int]:
        """Handles every check-in due now; counts what became of them."""
        now = self.clock()
        counts = {"sent": 0, "missed": 0, "retried": 0}
        if not await self.rasa.ready():
            # Nothing is claimed while the assistant starts or is down: a retry time would
            # never come on a fixed clock, and nobody's attempts are used up meanwhile.
            return counts
        claimed = await asyncio.to_thread(store.claim_due, self.db, now, self.worker_id,
                                          self.lease_seconds)
        for checkin in claimed:
            try:
                outcome = await self._handle(checkin)
            except Exception as failure:  # the lease brings it back; the others go on
                logger.warning("Check-in %s failed (%s); retried after the lease",
                               checkin.id, failure.__class__.__name__)
                continue
            if outcome in counts:
                counts[outcome] += 1
        if claimed:
            logger.info("Check-ins: %d sent, %d missed, %d retried (ids %s)", counts["sent"],
                        counts["missed"], counts["retried"], [c.id for c in claimed])
        return counts

    async def run_forever(self, poll_seconds: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception as failure:  # database down for a moment: try again next poll
                logger.warning("Check-in round failed: %s", failure.__class__.__name__)
            try:
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
            except asyncio.TimeoutError:
                pass

    async def _handle(self, checkin: CheckIn) -> str | None:
        now = self.clock()
        if checkin.sent_at is not None:  # delivered before a scheduler stopped mid-send
            return await self._settled(store.mark_sent, checkin, now, outcome="sent")
        case = await asyncio.to_thread(open_case, self.db, checkin.conversation_id)
        if case is not None and case.paused:
            return await self._settled(store.mark_missed, checkin, now, "with_staff",
                                       outcome="missed")
        last = None
        if self.tracker_url:
            last = await asyncio.to_thread(last_user_message_at, self.tracker_url,
                                           checkin.conversation_id)
        if checkin.channel == "wechat" and (last is None or now - last > WECHAT_WINDOW):
            # Unknown counts as closed: WeChat would refuse, and we would only retry forever.
            return await self._settled(store.mark_missed, checkin, now, "wechat_window",
                                       outcome="missed")
        if last is not None and now - last < ACTIVE:
            return await self._release(checkin, now, now + ACTIVE_RETRY)
        try:
            await self.rasa.execute(checkin.conversation_id, ACTION)
        except RasaApiError:
            logger.info("Check-in %s: the assistant's server did not take it; retrying",
                        checkin.id)
            return await self._release(checkin, now,
                                       now + timedelta(seconds=self.retry_seconds))
        return await self._settled(store.mark_sent, checkin, self.clock(), outcome="sent")

    async def _settled(self, change, checkin: CheckIn, *args, outcome: str) -> str | None:
        if await asyncio.to_thread(change, self.db, checkin, *args):
            return outcome
        logger.info("Check-in %s changed meanwhile (cancelled or reclaimed)", checkin.id)
        return None

    async def _release(self, checkin: CheckIn, now: datetime, retry_at: datetime) -> str | None:
        status = await asyncio.to_thread(store.release, self.db, checkin, now, retry_at)
        return {"scheduled": "retried", "missed": "missed"}.get(status or "")
