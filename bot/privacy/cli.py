"""`python -m bot.cli privacy ...`: retention and erasure from the command line.

    privacy retention [--days N] [--dry-run]
        delete everything older than N days (default RETENTION_DAYS, else 90); for cron:
        no prompts, exit 0 when done or when another run is in progress.
    privacy forget CONVERSATION_ID
        erase one person's data (a request that came by phone or email), including
        Rasa's record of the conversation.

Errors are one line on stderr: exit 2 for a wrong argument, 1 when a database cannot
be used.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from typing import Callable

DEFAULT_DAYS = 90
CHANNELS = ("telegram", "webchat", "wechat", "rest")

# The database and Rasa are imported in the handlers: the other commands need neither.


def add_privacy_commands(subparsers) -> None:
    """Register `privacy` (with retention and forget) on bot.cli's sub-command parsers."""
    privacy = subparsers.add_parser("privacy", help="delete old or requested personal data",
                                    description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = privacy.add_subparsers(dest="privacy_command", metavar="{retention,forget}",
                                      required=True)
    retention = commands.add_parser("retention", help="delete data older than the period")
    retention.add_argument("--days", default=None,
                           help=f"retention period (default RETENTION_DAYS, else {DEFAULT_DAYS})")
    retention.add_argument("--dry-run", action="store_true",
                           help="only say what would be deleted")
    retention.set_defaults(handler=run_retention)
    forget = commands.add_parser("forget", help="erase one conversation's personal data")
    forget.add_argument("conversation_id", metavar="CONVERSATION_ID",
                        help="like telegram:12345, webchat:abc, wechat:<openid>, rest:<sender>")
    forget.set_defaults(handler=run_forget)


def retention_days(value: str | None) -> int:
    """--days, else RETENTION_DAYS, else 90; ValueError with what is wrong."""
    source = "--days" if value is not None else "RETENTION_DAYS"
    value = value if value is not None else os.environ.get("RETENTION_DAYS") or str(DEFAULT_DAYS)
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:  # no sign, no decimals
        raise ValueError(f"{source} must be a whole number of days, at least 1 (not {value!r}).")
    days = int(text)
    return days


def run_retention(args: argparse.Namespace) -> int:
    try:
        days = retention_days(args.days)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2

    def retention(db) -> int:
        from bot.privacy.retention import RetentionBusy, apply_retention
        from bot.privacy.tracker_events import tracker_url_from_env

        try:
            report = apply_retention(db, tracker_url=tracker_url_from_env(), days=days,
                                     now=datetime.now(timezone.utc), dry_run=args.dry_run)
        except RetentionBusy:
            print("another retention run is in progress; nothing was done by this one")
            return 0
        print("\n".join(report.lines()))
        return 0

    return _with_database(retention)


def run_forget(args: argparse.Namespace) -> int:
    conversation = args.conversation_id.strip()
    channel, _, rest = conversation.partition(":")
    if channel not in CHANNELS or not rest:
        print(f"Conversation ids look like telegram:12345, webchat:abc, wechat:<openid> or "
              f"rest:<sender>; {conversation!r} is not one.", file=sys.stderr)
        return 2

    def forget(db) -> int:
        from bot.privacy import tracker_events
        from bot.privacy.erasure import erase_person
        from bot.privacy.transactions import write_connection

        print("Warning: the conversation must not be active right now: Rasa re-saves a "
              "conversation it is handling, and its messages would come back.",
              file=sys.stderr)
        report = erase_person(db, conversation, datetime.now(timezone.utc))
        engine = tracker_events.tracker_engine(tracker_events.tracker_url_from_env())
        events = 0
        if engine is not None:
            try:
                with write_connection(engine) as connection:
                    events = tracker_events.delete_conversation(connection, conversation)
            finally:
                engine.dispose()
        print(f"Erased {conversation}: {report.describe()} in our tables; "
              f"{events} conversation events in Rasa's tracker store.")
        return 0

    return _with_database(forget)


def _with_database(action: Callable) -> int:
    """Open (and migrate) our database, run `action(db)`; one error line and exit 1 when
    a database cannot be used."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.settings import Settings
    from bot.storage import Database

    try:
        db = Database(Settings.from_env().database_url)
        try:
            db.migrate()
            return action(db)
        finally:
            db.engine.dispose()
    except (SQLAlchemyError, OSError) as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        print(f"Cannot use the database: {detail[0] if detail else type(error).__name__}",
              file=sys.stderr)
    except ValueError as error:  # bad settings
        print(error, file=sys.stderr)
    return 1
