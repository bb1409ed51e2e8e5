"""Follow-up check-ins in the `checkins` table: scheduling them (the bot), claiming and
settling them (the scheduler), and the once-only delivery gate (the bot's check-in action).

Every change another process could race is one conditional UPDATE whose rowcount says who
won, so it holds across processes and machines on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from bot.storage import Database
from bot.storage.models import CheckIn

ANSWERS = ("better", "same", "worse")
PENDING = ("scheduled", "sending")
MAX_ATTEMPTS = 12
# A WeChat series cannot go on: WeChat refuses every message once its window has closed.
SERIES_ENDING = ("wechat_window",)


# ----- the bot's side ----------------------------------------------------------------------

def schedule(db: Database, *, conversation_id: str, channel: str, now: datetime,
             hours: float, daily_until: datetime | None = None) -> CheckIn:
    """The conversation's one check-in from now on (any still to come is replaced):
    once, `hours` from now, or daily from then until `daily_until`."""
    checkin = CheckIn(conversation_id=conversation_id, channel=channel,
                      kind="daily" if daily_until else "once",
                      due_at=now + timedelta(hours=hours), series_until=daily_until,
                      status="scheduled", attempts=0, created_at=now)
    with db.session() as session, session.begin():
        session.execute(_cancel(conversation_id, "replaced"))
        session.add(checkin)
    return checkin


def cancel_all(db: Database, conversation_id: str, *, now: datetime,
               reason: str = "stopped") -> int:
    """Cancels every check-in still to come (a claimed one too, unless already delivered);
    returns how many."""
    with db.session() as session, session.begin():
        return session.execute(_cancel(conversation_id, reason)).rowcount


def pending(db: Database, conversation_id: str) -> list[CheckIn]:
    with db.session() as session:
        return list(session.scalars(
            select(CheckIn).where(CheckIn.conversation_id == conversation_id,
                                  CheckIn.status.in_(PENDING))
            .order_by(CheckIn.due_at, CheckIn.id)))


def claim_delivery(db: Database, checkin_id: int, now: datetime) -> CheckIn | None:
    """The row when this call is the one that delivers it; None when it was delivered or
    cancelled already (a retried trigger, a second scheduler): then say nothing."""
    with db.session() as session, session.begin():
        won = session.execute(
            update(CheckIn)
            .where(CheckIn.id == checkin_id, CheckIn.sent_at.is_(None),
                   CheckIn.status.in_(PENDING))
            .values(sent_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        return session.get(CheckIn, checkin_id) if won else None


def claim_delivery_for(db: Database, conversation_id: str, now: datetime) -> CheckIn | None:
    """claim_delivery for the check-in a scheduler claimed (status sending) for this
    conversation and nobody delivered yet; None when there is none."""
    with db.session() as session:
        found = session.scalars(
            select(CheckIn.id).where(CheckIn.conversation_id == conversation_id,
                                     CheckIn.status == "sending", CheckIn.sent_at.is_(None))
            .order_by(CheckIn.due_at.desc()).limit(1)).first()
    return claim_delivery(db, found, now) if found else None


def record_answer(db: Database, conversation_id: str, answer: str,
                  now: datetime) -> CheckIn | None:
    """The person's answer to their latest check-in (a second answer replaces the first)."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown check-in answer {answer!r}")
    with db.session() as session, session.begin():
        checkin = session.scalars(
            _delivered(conversation_id)
            .where(CheckIn.status.in_(("sending", "sent", "answered")))).first()
        if checkin is not None:
            checkin.status, checkin.answer, checkin.answered_at = "answered", answer, now
        return checkin


def last_sent(db: Database, conversation_id: str) -> CheckIn | None:
    with db.session() as session:
        return session.scalars(_delivered(conversation_id)).first()


# ----- the scheduler's side ----------------------------------------------------------------

def claim_due(db: Database, now: datetime, worker: str, lease_seconds: int,
              limit: int = 50) -> list[CheckIn]:
    """Check-ins due now, and ones whose scheduler died mid-send (lease expired), each
    claimed for `worker`; a row another scheduler claimed first is left to it."""
    stale = now - timedelta(seconds=lease_seconds)
    with db.session() as session:
        seen = session.execute(
            select(CheckIn.id, CheckIn.status, CheckIn.claimed_at)
            .where(or_(and_(CheckIn.status == "scheduled", CheckIn.due_at <= now),
                       and_(CheckIn.status == "sending", CheckIn.claimed_at < stale)))
            .order_by(CheckIn.due_at, CheckIn.id).limit(limit)).all()
    won = []
    for checkin_id, status, claimed_at in seen:
        # One short transaction per row: a competing scheduler waits for a row, not a batch.
        with db.session() as session, session.begin():
            result = session.execute(
                update(CheckIn)
                .where(CheckIn.id == checkin_id, CheckIn.status == status,
                       or_(CheckIn.claimed_at.is_(None), CheckIn.claimed_at == claimed_at))
                .values(status="sending", claimed_by=worker, claimed_at=now,
                        attempts=CheckIn.attempts + 1)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                won.append(checkin_id)
    if not won:
        return []
    with db.session() as session:
        return list(session.scalars(select(CheckIn).where(CheckIn.id.in_(won))
                                    .order_by(CheckIn.due_at, CheckIn.id)))


def mark_sent(db: Database, checkin: CheckIn, now: datetime) -> bool:
    """Sent (and, for a daily series, the next day's written in the same transaction).
    False when the claim was lost (cancelled meanwhile, or reclaimed after the lease)."""
    with db.session() as session, session.begin():
        # The person may have answered already (status answered): keep that.
        status = case((CheckIn.status == "sending", "sent"), else_=CheckIn.status)
        if not _settle(session, checkin, ("sending", "answered"),
                       status=status, sent_at=func.coalesce(CheckIn.sent_at, now)):
            return False
        _continue_series(session, checkin, now)
    return True


def mark_missed(db: Database, checkin: CheckIn, now: datetime, detail: str) -> bool:
    """Not sent, for `detail` (no personal data); a daily series goes on the next day
    unless the channel cannot reach the person any more."""
    with db.session() as session, session.begin():
        if not _settle(session, checkin, ("sending",), status="missed", detail=detail):
            return False
        if detail not in SERIES_ENDING:
            _continue_series(session, checkin, now)
    return True


def release(db: Database, checkin: CheckIn, now: datetime, retry_at: datetime) -> str | None:
    """Back to scheduled, due at `retry_at`; after MAX_ATTEMPTS tries it is missed
    ("undeliverable"). Returns the new status, None when the claim was lost."""
    if checkin.attempts >= MAX_ATTEMPTS:
        return "missed" if mark_missed(db, checkin, now, "undeliverable") else None
    with db.session() as session, session.begin():
        # claimed_at stays: it tells a scheduler holding an older view of the row that it moved.
        released = _settle(session, checkin, ("sending",), status="scheduled", due_at=retry_at)
    return "scheduled" if released else None


# ----- helpers -----------------------------------------------------------------------------

def _cancel(conversation_id: str, reason: str):
    return (update(CheckIn)
            .where(CheckIn.conversation_id == conversation_id,
                   or_(CheckIn.status == "scheduled",
                       and_(CheckIn.status == "sending", CheckIn.sent_at.is_(None))))
            .values(status="cancelled", detail=reason)
            .execution_options(synchronize_session=False))


def _delivered(conversation_id: str):
    return (select(CheckIn)
            .where(CheckIn.conversation_id == conversation_id, CheckIn.sent_at.is_not(None))
            .order_by(CheckIn.sent_at.desc(), CheckIn.id.desc()).limit(1))


def _settle(session: Session, checkin: CheckIn, statuses: tuple[str, ...], **values) -> bool:
    """Changes the row only while this scheduler's claim on it still holds."""
    return session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin.id, CheckIn.status.in_(statuses),
               CheckIn.claimed_by == checkin.claimed_by,
               CheckIn.claimed_at == checkin.claimed_at)
        .values(**values)
        .execution_options(synchronize_session=False)).rowcount == 1


def _continue_series(session: Session, checkin: CheckIn, now: datetime) -> None:
    """The next day's check-in of a daily series, while it is within `series_until`."""
    if checkin.kind != "daily" or checkin.series_until is None:
        return
    due = checkin.due_at + timedelta(days=1)
    while due <= now:  # after downtime: the next one still to come, not a burst of old ones
        due += timedelta(days=1)
    if due > checkin.series_until:
        return
    replaced = session.scalar(
        select(func.count(CheckIn.id))
        .where(CheckIn.conversation_id == checkin.conversation_id,
               CheckIn.status == "scheduled", CheckIn.id != checkin.id))
    if replaced:  # scheduled anew while this one was out: that one holds
        return
    session.add(CheckIn(conversation_id=checkin.conversation_id, channel=checkin.channel,
                        kind="daily", due_at=due, series_until=checkin.series_until,
                        status="scheduled", attempts=0, created_at=now))
