"""Retention: everything older than the retention period is deleted, in one run that is
safe to start from cron (idempotent; two runs at once never both delete).

Kept whatever their age: open cases (staff are still working on them), check-ins still to
be sent, each conversation's newest consent while the conversation has newer data, the
current session of Rasa conversations that have newer events, and the audit log (it names
staff, not people).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

from sqlalchemy import Table, and_, delete, func, insert, or_, select, text
from sqlalchemy.engine import Connection

from bot.handoff.escalations import OPEN_STATUSES
from bot.privacy import tracker_events
from bot.privacy.transactions import begin_write, write_connection
from bot.storage import Database
from bot.storage.models import (AssessmentRecord, AuditEntry, CaseEntry, CheckIn,
                                ConsentRecord, Escalation, OutboxMessage)

PENDING_CHECKINS = ("scheduled", "sending")  # still to be sent: never deleted here
_CHUNK = 500  # bounded IN lists
# One lock per schema: deployments (and test runs) in other schemas do not wait.
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock("
                 "hashtext('bot.privacy.retention:' || current_schema()))")

_LABELS = {  # report field -> how it reads
    "assessments": "assessments",
    "checkins": "check-ins",
    "consents": "consents",
    "cases": "closed cases",
    "case_entries": "case notes and replies",
    "outbox_messages": "web chat outbox messages",
    "events": "conversation events (Rasa)",
}


class RetentionBusy(RuntimeError):
    """Another retention run holds the lock; this one did nothing."""


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    dry_run: bool
    assessments: int = 0
    checkins: int = 0
    consents: int = 0
    cases: int = 0
    case_entries: int = 0
    outbox_messages: int = 0
    events: int | None = None  # None: no tracker store was found

    def counts(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in _LABELS}

    def summary(self) -> str:
        """One line without identifiers (for the audit log)."""
        return ", ".join(f"{label} {count}" for label, count in
                         ((_LABELS[n], c) for n, c in self.counts().items()) if count is not None)

    def lines(self) -> list[str]:
        """What was (or would be) deleted, one line per kind, for people."""
        day = self.cutoff.date().isoformat()
        head = (f"Would delete everything from before {day} (dry run: nothing was deleted):"
                if self.dry_run else f"Deleted everything from before {day}:")
        width = max(len(label) for label in _LABELS.values())
        rows = [f"  {_LABELS[name]:<{width}}  "
                f"{'no tracker store found' if count is None else count}"
                for name, count in self.counts().items()]
        return [head, *rows]


def apply_retention(db: Database, *, tracker_url: str | None, days: int, now: datetime,
                    dry_run: bool = False) -> RetentionReport:
    """Delete (or with dry_run only count) everything older than now - days. Raises
    RetentionBusy when another run is in progress (PostgreSQL), SQLAlchemyError when a
    database cannot be used."""
    if days < 1:
        raise ValueError("the retention period must be at least 1 day")
    cutoff = now - timedelta(days=days)
    with db.engine.connect() as connection, connection.begin():
        begin_write(connection)  # SQLite: one writer; concurrent runs queue up
        if connection.dialect.name == "postgresql" and not connection.execute(
                _TRY_LOCK).scalar():
            raise RetentionBusy("another retention run is in progress")
        with _tracker(db, tracker_url, connection) as tracker:
            # Consents first: whether a conversation has newer data is asked of every table.
            consents = _purge_consents(connection, tracker, cutoff, dry_run)
            counts = _purge_ours(connection, cutoff, dry_run)
            events = (None if tracker is None
                      else tracker_events.purge_old(tracker, cutoff, dry_run))
        report = RetentionReport(cutoff, dry_run, consents=consents, events=events, **counts)
        if not dry_run:
            connection.execute(insert(AuditEntry.__table__).values(
                at=now, actor="retention", action="retention",
                detail=f"cutoff {cutoff.date().isoformat()}: {report.summary()}"[:255]))
    return report


@contextlib.contextmanager
def _tracker(db: Database, tracker_url: str | None,
             ours: Connection) -> Iterator[Connection | None]:
    """A connection to Rasa's tracker store: ours when it is the same database (SQLite
    would otherwise wait for our own write lock), else one in a transaction of its own."""
    if tracker_url is None:
        yield None
    elif tracker_events.same_database(db.url, tracker_url):
        yield ours
    else:
        engine = tracker_events.tracker_engine(tracker_url)
        if engine is None:
            yield None
            return
        try:
            with write_connection(engine) as connection:
                yield connection
        finally:
            engine.dispose()


def _purge_ours(connection: Connection, cutoff: datetime, dry_run: bool) -> dict[str, int]:
    cases = Escalation.__table__
    expired_cases = and_(cases.c.status == "closed", or_(
        and_(cases.c.erased_at.is_(None), cases.c.closed_at < cutoff),
        cases.c.erased_at < cutoff))  # a tombstone lasts the period from its erasure
    entries, checkins = CaseEntry.__table__, CheckIn.__table__
    assessments, outbox = AssessmentRecord.__table__, OutboxMessage.__table__
    # Case entries before their cases (SQLite does not enforce the cascade).
    return {
        "case_entries": _purge(connection, entries, entries.c.escalation_id.in_(
            select(cases.c.id).where(expired_cases)), dry_run),
        "cases": _purge(connection, cases, expired_cases, dry_run),
        "assessments": _purge(connection, assessments, assessments.c.created_at < cutoff,
                              dry_run),
        "checkins": _purge(connection, checkins, and_(
            checkins.c.created_at < cutoff, checkins.c.status.not_in(PENDING_CHECKINS)),
                           dry_run),
        "outbox_messages": _purge(connection, outbox, outbox.c.created_at < cutoff, dry_run),
    }


def _purge(connection: Connection, table: Table, condition, dry_run: bool) -> int:
    """Delete the table's rows that match; how many (dry run: would be)."""
    if dry_run:
        return connection.execute(select(func.count()).select_from(table).where(condition)
                                  ).scalar_one()
    return connection.execute(delete(table).where(condition)).rowcount


def _purge_consents(connection: Connection, tracker: Connection | None, cutoff: datetime,
                    dry_run: bool) -> int:
    """Old consents, except a conversation's newest one while the conversation has data
    newer than the cutoff (or kept regardless): the choice that governs what we hold."""
    consents = ConsentRecord.__table__
    rows = connection.execute(select(consents.c.id, consents.c.conversation_id,
                                     consents.c.decided_at).where(
        consents.c.conversation_id.in_(select(consents.c.conversation_id)
                                       .where(consents.c.decided_at < cutoff)))).all()
    newest: dict[str, tuple[datetime, int]] = {}
    for row_id, conversation, decided_at in rows:
        key = (_aware(decided_at), row_id)
        newest[conversation] = max(newest.get(conversation, key), key)
    stale = [conversation for conversation, (at, _) in newest.items() if at < cutoff]
    keep = {newest[conversation][1]
            for conversation in _with_newer_data(connection, tracker, stale, cutoff)}
    doomed = [row_id for row_id, _, decided_at in rows
              if _aware(decided_at) < cutoff and row_id not in keep]
    if not dry_run:
        for start in range(0, len(doomed), _CHUNK):
            connection.execute(delete(consents).where(
                consents.c.id.in_(doomed[start:start + _CHUNK])))
    return len(doomed)


def _with_newer_data(connection: Connection, tracker: Connection | None,
                     conversations: list[str], cutoff: datetime) -> set[str]:
    """Which conversations have anything this run keeps: rows at or after the cutoff,
    open cases, check-ins still to send, Rasa events at or after the cutoff."""
    a, c, o, e = (AssessmentRecord.__table__, CheckIn.__table__, OutboxMessage.__table__,
                  Escalation.__table__)
    found: set[str] = set()
    for start in range(0, len(conversations), _CHUNK):
        chunk = conversations[start:start + _CHUNK]
        for query in (
            select(a.c.sender_id).where(a.c.sender_id.in_(chunk), a.c.created_at >= cutoff),
            select(c.c.conversation_id).where(c.c.conversation_id.in_(chunk), or_(
                c.c.created_at >= cutoff, c.c.status.in_(PENDING_CHECKINS))),
            select(o.c.conversation_id).where(o.c.conversation_id.in_(chunk),
                                              o.c.created_at >= cutoff),
            select(e.c.conversation_id).where(e.c.conversation_id.in_(chunk), or_(
                e.c.created_at >= cutoff, e.c.status.in_(OPEN_STATUSES),
                e.c.closed_at >= cutoff)),
        ):
            found.update(connection.execute(query.distinct()).scalars())
    if tracker is not None:
        found |= tracker_events.senders_with_events_since(tracker, conversations, cutoff)
    return found


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
