"""What every action needs: the protocol engine, settings, and facts from slots."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from bot import clock
from bot.directory import Directory, current_directory
from bot.settings import Settings
from bot.storage import Database
from bot.texts import message
from bot.triage import TriageEngine, load_engine

@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


def directory() -> Directory:
    """The deployment's hospital directory (hospital.yml or HOSPITAL_CONFIG)."""
    return current_directory()


def now() -> datetime:
    """The time opening hours and check-ins are read at (ASSISTANT_FIXED_TIME fixes it)."""
    return clock.now()


@lru_cache(maxsize=1)
def engine() -> TriageEngine:
    config = settings()
    loaded = load_engine(config.protocol_path, strict_mode=config.strict_mode or None)
    loaded.next_question({})  # plans the first question once, at start-up (~0.25 s)
    return loaded


@lru_cache(maxsize=1)
def database() -> Database:
    db = Database(settings().database_url)
    db.migrate()
    return db


def known_facts(tracker: Tracker) -> dict[str, Any]:
    """The protocol facts collected so far in this conversation."""
    return engine().normalise({name: tracker.get_slot(name) for name in engine().fact_types})


def language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or "en"


def reply_wait(language: str = "en") -> str:
    """How soon staff usually reply, in words ("30 minutes", "2 hours"; "30分钟", "2小时")."""
    minutes = settings().handoff_reply_minutes
    if minutes % 60 == 0:
        hours = minutes // 60
        if language == "zh":
            return f"{hours}小时"
        return f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{minutes}分钟" if language == "zh" else f"{minutes} minutes"


def utter(dispatcher, tracker: Tracker, key: str, **values: Any) -> None:
    """Send the text `key` from bot/texts in the conversation's language."""
    lang = language(tracker)
    values = {"emergency_number": settings().emergency_number, "reply_wait": reply_wait(lang),
              **values}
    dispatcher.utter_message(**message(key, lang, **values))
