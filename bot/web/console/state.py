"""What the console needs while the web app runs: our database, the Rasa HTTP API, and
where Rasa's tracker store is (read only, for the dashboard)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from starlette.concurrency import run_in_threadpool

from bot.handoff.rasa_api import RasaApi
from bot.settings import Settings
from bot.storage import Database

T = TypeVar("T")


@dataclass
class Console:
    db: Database
    rasa: RasaApi
    tracker_url: str

    @classmethod
    def from_env(cls) -> "Console":
        database_url = Settings.from_env().database_url
        return cls(Database(database_url), RasaApi(), tracker_url(database_url))

    async def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`work(db, *args)` off the event loop: our database calls block, and a write
        waiting for SQLite's lock (Rasa may share the file) must not stall the web chat."""
        return await run_in_threadpool(work, self.db, *args, **kwargs)

    async def close(self) -> None:
        await self.rasa.close()
        self.db.engine.dispose()


def tracker_url(database_url: str) -> str:
    """Rasa's SQL tracker store: the SQLite file RASA_TRACKER_DB (endpoints.yml), else our
    own database (a deployment that points both at one PostgreSQL database)."""
    tracker_db = os.environ.get("RASA_TRACKER_DB")
    return f"sqlite:///{tracker_db}" if tracker_db else database_url
