"""The person's answer to the privacy notice, kept with the notice version they saw."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.storage import Database
from bot.storage.models import ConsentRecord

# Bump when docs/privacy.md changes what is stored or why: earlier answers then no
# longer count as consent to the new notice.
NOTICE_VERSION = "2026-11"


def record_decision(db: Database, *, conversation_id: str, channel: str, given: bool,
                    now: datetime) -> ConsentRecord:
    record = ConsentRecord(conversation_id=conversation_id, channel=channel,
                           decision="given" if given else "declined",
                           notice_version=NOTICE_VERSION, decided_at=now)
    with db.session() as session, session.begin():
        session.add(record)
    return record


def current_decision(db: Database, conversation_id: str) -> str | None:
    """"given", "declined", or None when the person has not answered this notice version."""
    with db.session() as session:
        record = session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.conversation_id == conversation_id,
                   ConsentRecord.notice_version == NOTICE_VERSION)
            .order_by(ConsentRecord.decided_at.desc(), ConsentRecord.id.desc())
            .limit(1)).first()
    return record.decision if record else None
