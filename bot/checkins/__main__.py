"""`python -m bot.checkins [--once]`: send due follow-up check-ins every
CHECKIN_POLL_SECONDS (default 15) until SIGTERM or Ctrl-C; `--once` does one round.

Environment: DATABASE_URL (our tables), RASA_URL and RASA_API_TOKEN (the Rasa HTTP API),
RASA_TRACKER_DB (Rasa's SQLite tracker store, as `make run` passes it) or TRACKER_STORE_URL
(a PostgreSQL tracker store) to know when people last wrote.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
import time

from sqlalchemy.exc import SQLAlchemyError

from bot.checkins.scheduler import CheckInScheduler
from bot.handoff.rasa_api import RasaApi
from bot.logging_setup import configure_logging
from bot.settings import Settings, api_token, rasa_url
from bot.storage import Database

logger = logging.getLogger("bot.checkins")


def tracker_url() -> str | None:
    if os.environ.get("RASA_TRACKER_DB"):
        return f"sqlite:///{os.environ['RASA_TRACKER_DB']}"
    return os.environ.get("TRACKER_STORE_URL") or None


def poll_seconds() -> float:
    value = os.environ.get("CHECKIN_POLL_SECONDS", "15")
    try:
        seconds = float(value)
    except ValueError:
        raise SystemExit(f"CHECKIN_POLL_SECONDS must be a number of seconds, not {value!r}")
    if seconds <= 0:
        raise SystemExit("CHECKIN_POLL_SECONDS must be more than 0")
    return seconds


def migrate(db: Database, wait: float) -> None:
    """Our tables up to date; a database not reachable yet is waited for, not a crash."""
    while True:
        try:
            db.migrate()
            return
        except SQLAlchemyError as failure:
            logger.warning("Check-ins: the database is not reachable (%s); retrying",
                           failure.__class__.__name__)
            time.sleep(wait)


async def serve(db: Database, once: bool, poll: float) -> None:
    rasa = RasaApi(rasa_url(), api_token())
    scheduler = CheckInScheduler(db, rasa, worker_id=f"{socket.gethostname()}:{os.getpid()}",
                                 tracker_url=tracker_url())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if once:
            counts = await scheduler.run_once()
            logger.info("Check-ins: %d sent, %d missed, %d retried", counts["sent"],
                        counts["missed"], counts["retried"])
        else:
            logger.info("Check-in scheduler started (every %s s)", poll)
            await scheduler.run_forever(poll, stop)
            logger.info("Check-in scheduler stopped")
    finally:
        await rasa.close()


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.checkins",
                                     description="Send due follow-up check-ins.")
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    args = parser.parse_args(argv)
    configure_logging()  # redacts ids and tokens; quietens httpx, whose lines carry both
    signal.signal(signal.SIGTERM, _interrupt)  # stopped before the loop runs: still clean
    poll = poll_seconds()
    db = Database(Settings.from_env().database_url)
    try:
        migrate(db, poll)
        asyncio.run(serve(db, args.once, poll))
    except KeyboardInterrupt:
        pass
    finally:
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
