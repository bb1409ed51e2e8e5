"""Tables the assistant owns. Rasa's tracker tables (`events`) live beside them."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

Base = declarative_base()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """DateTime(timezone=True) kept in UTC everywhere: SQLite stores only the wall-clock
    time, so a time in another zone would otherwise come back hours off."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(timezone.utc) if value is not None and value.tzinfo else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class AssessmentRecord(Base):
    """One completed triage: what the person told us, and what the protocol decided."""

    __tablename__ = "assessments"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False)
    facts = Column(JSON, nullable=False)
    route = Column(String(32), nullable=False, index=True)
    rules = Column(JSON, nullable=False)
    reasons = Column(JSON, nullable=False)
    protocol_version = Column(String(32), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now, index=True)


class StaffUser(Base):
    """A hospital staff account for the console (created with `bot.cli staff add`)."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)  # nurse | doctor | admin
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    last_login_at = Column(UTCDateTime, nullable=True)


class Escalation(Base):
    """A conversation handed to staff. At most one open per conversation: a new reason
    raises its priority instead of opening a second case."""

    __tablename__ = "escalations"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False)
    reason = Column(String(32), nullable=False)  # see bot.handoff.escalations.PRIORITY
    route = Column(String(32), nullable=True, index=True)
    priority = Column(Integer, nullable=False, index=True)  # 0 most urgent
    status = Column(String(16), nullable=False, default="open", index=True)  # open|claimed|closed
    paused = Column(Boolean, nullable=False, default=False)  # the bot waits for staff
    assessment = Column(JSON, nullable=True)  # facts, rules, reasons, advice at escalation
    department = Column(String(32), nullable=True, index=True)  # online consultation queue
    created_at = Column(UTCDateTime, nullable=False, default=utc_now, index=True)
    claimed_by = Column(String(64), nullable=True)
    claimed_at = Column(UTCDateTime, nullable=True)
    first_reply_at = Column(UTCDateTime, nullable=True)
    closed_by = Column(String(64), nullable=True)
    closed_at = Column(UTCDateTime, nullable=True)
    # Set when the person had their data deleted: the row stays as a tombstone (so staff
    # see the case was erased) with nothing of the person left in it.
    erased_at = Column(UTCDateTime, nullable=True)


class CaseEntry(Base):
    """Staff writing on a case: an internal note, or a reply sent to the person."""

    __tablename__ = "case_entries"

    id = Column(Integer, primary_key=True)
    escalation_id = Column(Integer, ForeignKey("escalations.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    kind = Column(String(8), nullable=False)  # note | reply
    author = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)


class AuditEntry(Base):
    """Who did what in the console, and when. Never updated, never deleted by the app."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utc_now, index=True)
    actor = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)
    escalation_id = Column(Integer, nullable=True, index=True)
    detail = Column(String(255), nullable=True)


class OutboxMessage(Base):
    """A bot or staff message for a web chat visitor, sent outside a request (a staff
    reply): the page collects it by polling."""

    __tablename__ = "webchat_outbox"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    message = Column(JSON, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)


class NluAnnotation(Base):
    """A trainer's decision on one NLU inbox message: the intent it should have had
    (out_of_scope included), or discarded. Only the masked text is kept."""

    __tablename__ = "nlu_annotations"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)  # sha256 of the normalised text
    text = Column(Text, nullable=False)  # masked: what the console shows and export writes
    status = Column(String(16), nullable=False)  # annotated | discarded
    intent = Column(String(64), nullable=True)  # the right intent; None when discarded
    predicted_intent = Column(String(64), nullable=True)  # what the assistant thought
    annotated_by = Column(String(64), nullable=False)
    annotated_at = Column(UTCDateTime, nullable=False, default=utc_now, index=True)


class OfficialStatistic(Base):
    """Official case figures for one region on one day, as published by `source`.
    The newest `as_of` per region is what the assistant quotes."""

    __tablename__ = "official_statistics"
    __table_args__ = (UniqueConstraint("region", "as_of", name="uq_official_statistics_region_as_of"),)

    id = Column(Integer, primary_key=True)
    region = Column(String(100), nullable=False, index=True)
    confirmed = Column(Integer, nullable=False)
    recovered = Column(Integer, nullable=False)
    deaths = Column(Integer, nullable=False)
    as_of = Column(Date, nullable=False)
    source = Column(String(255), nullable=False)
    updated_by = Column(String(64), nullable=False)  # staff username, or "import" / "cli"
    updated_at = Column(UTCDateTime, nullable=False, default=utc_now)


class CheckIn(Base):
    """One follow-up message due to a person ("how are you feeling now?"). A daily series
    (quarantine after an exposure) is one row per day, the next written when one is sent,
    until `series_until`. Sent by the check-in scheduler (bot.checkins), which claims a row
    (status scheduled -> sending) before sending so that two schedulers never both send it."""

    __tablename__ = "checkins"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False)
    kind = Column(String(8), nullable=False)  # once | daily
    due_at = Column(UTCDateTime, nullable=False, index=True)
    series_until = Column(UTCDateTime, nullable=True)  # daily: no check-in due after this
    # scheduled | sending | sent | answered | cancelled | missed
    status = Column(String(16), nullable=False, default="scheduled", index=True)
    detail = Column(String(64), nullable=True)  # why missed or cancelled (no personal data)
    attempts = Column(Integer, nullable=False, default=0)
    claimed_by = Column(String(64), nullable=True)  # the scheduler process sending it
    claimed_at = Column(UTCDateTime, nullable=True)
    sent_at = Column(UTCDateTime, nullable=True)
    answer = Column(String(8), nullable=True)  # better | same | worse
    answered_at = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now, index=True)


class ConsentRecord(Base):
    """A person's answer to the privacy notice, for the notice version they saw. The
    newest row per conversation is the one that holds."""

    __tablename__ = "consents"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False)
    decision = Column(String(8), nullable=False)  # given | declined
    notice_version = Column(String(16), nullable=False)
    decided_at = Column(UTCDateTime, nullable=False, default=utc_now, index=True)
