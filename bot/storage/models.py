"""Tables the assistant owns. Rasa's tracker tables (`events`) live beside them."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Column, DateTime, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


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
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)
