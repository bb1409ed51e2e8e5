"""Escalations (cases) and what staff do with them."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import func, select

from bot.storage import Database
from bot.storage.models import (AssessmentRecord, AuditEntry, CaseEntry, Escalation,
                                OutboxMessage, utc_now)

# Why a case was opened, most urgent first (0). Routes escalate under their own name.
PRIORITY = {
    "crisis": 0,
    "emergency": 1,
    "fever_clinic": 2,
    "online_specialist": 3,
    "asked_for_human": 3,
    "not_understood": 4,
}
ESCALATED_ROUTES = ("emergency", "fever_clinic", "online_specialist")
# The bot stays quiet in these conversations until staff close the case.
PAUSING_REASONS = ("crisis", "online_specialist", "asked_for_human")
OPEN_STATUSES = ("open", "claimed")
STATUSES = ("open", "claimed", "closed")
MAX_TEXT = 4000


class CaseError(ValueError):
    """What staff asked cannot be done to this case; the message says why."""


def escalate(db: Database, *, conversation_id: str, channel: str, reason: str,
             route: str | None = None, assessment: dict[str, Any] | None = None,
             department: str | None = None, now: datetime | None = None) -> Escalation:
    """Open a case for the conversation, or raise the priority of its open one."""
    if reason not in PRIORITY:
        raise ValueError(f"unknown escalation reason {reason!r}")
    now = now or utc_now()
    with db.session() as session, session.begin():
        case = session.scalars(_open_case_query(conversation_id)).first()
        if case is None:
            case = Escalation(conversation_id=conversation_id, channel=channel, reason=reason,
                              priority=PRIORITY[reason], status="open", created_at=now,
                              paused=False)
            session.add(case)
        elif PRIORITY[reason] < case.priority:
            case.reason, case.priority = reason, PRIORITY[reason]
        case.paused = case.paused or reason in PAUSING_REASONS
        if route and (case.route is None or PRIORITY[reason] <= case.priority):
            case.route = route  # a less urgent route never hides a more urgent one
        if department:
            case.department = department
        if assessment is not None and not (
                (case.assessment or {}).get("route") and not assessment.get("route")):
            case.assessment = assessment  # an unfinished check never hides a finished one
    return case


def queue_position(db: Database, case: Escalation) -> int:
    """The case's place in its department's queue as staff see it (priority, then age):
    1 when it is next."""
    with db.session() as session:
        ahead = session.scalar(
            select(func.count(Escalation.id))
            .where(Escalation.status.in_(OPEN_STATUSES),
                   Escalation.department == case.department,
                   Escalation.id != case.id,
                   (Escalation.priority < case.priority)
                   | ((Escalation.priority == case.priority)
                      & (Escalation.created_at <= case.created_at))))
    return ahead + 1


def open_case(db: Database, conversation_id: str) -> Escalation | None:
    with db.session() as session:
        return session.scalars(_open_case_query(conversation_id)).first()


def _open_case_query(conversation_id: str):
    return (select(Escalation)
            .where(Escalation.conversation_id == conversation_id,
                   Escalation.status.in_(OPEN_STATUSES))
            .order_by(Escalation.id.desc()))


def get_case(db: Database, case_id: int) -> Escalation | None:
    with db.session() as session:
        return session.get(Escalation, case_id)


def list_cases(db: Database, *, statuses: Iterable[str] = OPEN_STATUSES,
               route: str | None = None, since: datetime | None = None,
               until: datetime | None = None) -> list[Escalation]:
    """Cases by priority (most urgent first), then age (oldest first)."""
    query = select(Escalation).where(Escalation.status.in_(list(statuses)))
    if route:
        query = query.where(Escalation.route == route)
    if since:
        query = query.where(Escalation.created_at >= since)
    if until:
        query = query.where(Escalation.created_at < until)
    with db.session() as session:
        return list(session.scalars(
            query.order_by(Escalation.priority, Escalation.created_at, Escalation.id)))


def counts(db: Database) -> dict[str, int]:
    """Cases per status, and open ones per reason ("open_emergency", ...)."""
    with db.session() as session:
        by_status = dict(session.execute(
            select(Escalation.status, func.count()).group_by(Escalation.status)).all())
        by_reason = dict(session.execute(
            select(Escalation.reason, func.count())
            .where(Escalation.status.in_(OPEN_STATUSES)).group_by(Escalation.reason)).all())
    result = {status: by_status.get(status, 0) for status in STATUSES}
    result.update({f"open_{reason}": n for reason, n in by_reason.items()})
    return result


def entries(db: Database, case_id: int) -> list[CaseEntry]:
    with db.session() as session:
        return list(session.scalars(select(CaseEntry).where(CaseEntry.escalation_id == case_id)
                                    .order_by(CaseEntry.id)))


def claim(db: Database, case_id: int, staff: str, now: datetime | None = None) -> Escalation:
    with db.session() as session, session.begin():
        case = _open_for_change(session, case_id)
        case.status, case.claimed_by, case.claimed_at = "claimed", staff, now or utc_now()
    return case


def add_note(db: Database, case_id: int, staff: str, text: str,
             now: datetime | None = None) -> CaseEntry:
    return _add_entry(db, case_id, staff, "note", text, now)


def add_reply(db: Database, case_id: int, staff: str, text: str,
              now: datetime | None = None) -> CaseEntry:
    """Record a reply to the person (the caller delivers it on their channel)."""
    return _add_entry(db, case_id, staff, "reply", text, now)


def close(db: Database, case_id: int, staff: str, now: datetime | None = None) -> Escalation:
    with db.session() as session, session.begin():
        case = _open_for_change(session, case_id)
        case.status, case.closed_by, case.closed_at = "closed", staff, now or utc_now()
    return case


def audit(db: Database, actor: str, action: str, escalation_id: int | None = None,
          detail: str | None = None, now: datetime | None = None) -> None:
    with db.session() as session, session.begin():
        session.add(AuditEntry(actor=actor, action=action, escalation_id=escalation_id,
                               detail=(detail or "")[:255] or None, at=now or utc_now()))


def audit_entries(db: Database, escalation_id: int | None = None,
                  limit: int = 200) -> list[AuditEntry]:
    query = select(AuditEntry)
    if escalation_id is not None:
        query = query.where(AuditEntry.escalation_id == escalation_id)
    with db.session() as session:
        return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


def median_first_reply(db: Database) -> timedelta | None:
    """Median time from escalation to the first staff reply, over cases that got one."""
    with db.session() as session:
        rows = session.execute(select(Escalation.created_at, Escalation.first_reply_at)
                               .where(Escalation.first_reply_at.is_not(None))).all()
    if not rows:
        return None
    return timedelta(seconds=statistics.median(
        (_aware(reply) - _aware(created)).total_seconds() for created, reply in rows))


def assessments_per_day(db: Database, days: int = 14,
                        now: datetime | None = None) -> dict[str, dict[str, int]]:
    """{"2026-11-27": {"self_care": 3, ...}, ...} for the last `days` days (UTC)."""
    today = (now or utc_now()).astimezone(timezone.utc).date()
    first = today - timedelta(days=days - 1)
    result = {(first + timedelta(days=i)).isoformat(): {} for i in range(days)}
    since = datetime.combine(first, datetime.min.time(), tzinfo=timezone.utc)
    with db.session() as session:
        rows = session.execute(select(AssessmentRecord.created_at, AssessmentRecord.route)
                               .where(AssessmentRecord.created_at >= since)).all()
    for created, route in rows:
        day = _aware(created).date().isoformat()
        if day in result:
            result[day][route] = result[day].get(route, 0) + 1
    return result


def push_outbox(db: Database, conversation_id: str, message: dict[str, Any]) -> None:
    with db.session() as session, session.begin():
        session.add(OutboxMessage(conversation_id=conversation_id, message=message))


def outbox_after(db: Database, conversation_id: str, after_id: int) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(
            select(OutboxMessage).where(OutboxMessage.conversation_id == conversation_id,
                                        OutboxMessage.id > after_id)
            .order_by(OutboxMessage.id)))


def _open_for_change(session, case_id: int) -> Escalation:
    case = session.get(Escalation, case_id)
    if case is None:
        raise CaseError("There is no such case.")
    if case.status == "closed":
        raise CaseError("This case is closed.")
    return case


def _add_entry(db: Database, case_id: int, staff: str, kind: str, text: str,
               now: datetime | None) -> CaseEntry:
    text = (text or "").strip()
    if not text:
        raise CaseError("Write something first.")
    if len(text) > MAX_TEXT:
        raise CaseError(f"That is too long (at most {MAX_TEXT} characters).")
    now = now or utc_now()
    with db.session() as session, session.begin():
        case = _open_for_change(session, case_id)
        entry = CaseEntry(escalation_id=case_id, kind=kind, author=staff, text=text,
                          created_at=now)
        session.add(entry)
        if kind == "reply" and case.first_reply_at is None:
            case.first_reply_at = now
    return entry


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
