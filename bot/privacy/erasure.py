"""Erasure at the person's request ("delete my data"): everything of one conversation in
our tables goes; staff cases stay as tombstones so staff see a case existed and was erased.

Rasa's own record of the conversation (its `events` table) is deleted by the tracker store
(bot.storage.tracker_store) for in-chat requests, or by `bot.cli privacy forget`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import delete, select

from bot.handoff.escalations import audit
from bot.privacy.transactions import write_session
from bot.storage import Database
from bot.storage.models import (AssessmentRecord, CaseEntry, CheckIn, ConsentRecord,
                                Escalation, OutboxMessage)

# How each count reads to the person: (one, many); in Chinese, with its measure word.
_NOUNS = {
    "assessments": ("assessment", "assessments"),
    "checkins": ("check-in", "check-ins"),
    "consents": ("privacy choice", "privacy choices"),
    "cases": ("staff case", "staff cases"),
    "case_entries": ("staff note or reply", "staff notes and replies"),
    "outbox_messages": ("undelivered message", "undelivered messages"),
}
_NOUNS_ZH = {
    "assessments": "{}次评估",
    "checkins": "{}次随访",
    "consents": "{}条隐私同意记录",
    "cases": "{}条工作人员跟进记录",
    "case_entries": "{}条工作人员备注或回复",
    "outbox_messages": "{}条未送达的消息",
}
# A list of counts, and what an empty one reads as, by language.
_JOIN = {"en": (", ", "nothing"), "zh": ("、", "无")}


def join_counts(parts: list[str], language: str = "en") -> str:
    """"3 messages, 1 assessment" or "nothing"; in Chinese "3条消息、1次评估" or "无"."""
    separator, nothing = _JOIN.get(language, _JOIN["en"])
    return separator.join(part for part in parts if part) or nothing


@dataclass(frozen=True)
class ErasureReport:
    """How many rows of each kind were deleted (cases: turned into tombstones)."""

    assessments: int = 0
    checkins: int = 0
    consents: int = 0
    cases: int = 0
    case_entries: int = 0
    outbox_messages: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, field.name) for field in fields(self))

    def describe(self, language: str = "en") -> str:
        """A short list for the person: "1 assessment, 2 check-ins, 1 staff case"
        ("nothing" when there was nothing); in Chinese "1次评估、2次随访、1条工作人员跟进记录"
        ("无")."""
        parts = []
        for field in fields(self):
            count = getattr(self, field.name)
            if not count:
                continue
            if language == "zh":
                parts.append(_NOUNS_ZH[field.name].format(count))
            else:
                one, many = _NOUNS[field.name]
                parts.append(f"{count} {one if count == 1 else many}")
        return join_counts(parts, language)


def erase_person(db: Database, conversation_id: str, now: datetime) -> ErasureReport:
    """Delete the conversation's rows from our tables, in one transaction, and audit each
    tombstoned case (counts only: no identifiers, no text). Erasing twice is harmless."""
    if not conversation_id:
        raise ValueError("a conversation id is needed")
    with write_session(db) as session:
        cases = list(session.scalars(select(Escalation)
                                     .where(Escalation.conversation_id == conversation_id)
                                     .order_by(Escalation.id)))
        case_ids = [case.id for case in cases]
        entries_per_case = {case_id: 0 for case_id in case_ids}
        if case_ids:
            for case_id in session.scalars(select(CaseEntry.escalation_id)
                                           .where(CaseEntry.escalation_id.in_(case_ids))):
                entries_per_case[case_id] += 1
            session.execute(delete(CaseEntry).where(CaseEntry.escalation_id.in_(case_ids))
                            .execution_options(synchronize_session=False))
        for case in cases:
            _tombstone(case, now)
        report = ErasureReport(
            assessments=_delete(session, AssessmentRecord.sender_id, conversation_id),
            checkins=_delete(session, CheckIn.conversation_id, conversation_id),
            consents=_delete(session, ConsentRecord.conversation_id, conversation_id),
            cases=len(cases),
            case_entries=sum(entries_per_case.values()),
            outbox_messages=_delete(session, OutboxMessage.conversation_id, conversation_id),
        )
    # After the commit: audit() writes in a transaction of its own.
    for case_id, removed in entries_per_case.items():
        audit(db, "person", "erase", case_id,
              f"erased at the person's request; {removed} staff notes/replies removed",
              now=now)
    return report


def _tombstone(case: Escalation, now: datetime) -> None:
    """Nothing of the person stays: no conversation id, facts, route or department.
    Staff names stay (they are not the person's); the reason says why it was opened."""
    case.conversation_id = f"erased-{case.id}"
    case.assessment = None
    case.route = None
    case.department = None
    case.status = "closed"
    case.paused = False
    case.closed_at = case.closed_at or now
    case.erased_at = now


def _delete(session, column, value: str) -> int:
    return session.execute(delete(column.class_).where(column == value)
                           .execution_options(synchronize_session=False)).rowcount
