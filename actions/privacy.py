"""The privacy notice, consent before health questions, and "delete my data"."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.common import database, directory, language, now, settings, utter
from bot.checkins import store as checkins
from bot.privacy.consent import current_decision, record_decision
from bot.directory.config import display
from bot.privacy.erasure import erase_person, join_counts
from bot.settings import public_web_url
from bot.storage.models import AssessmentRecord, Escalation

CONSENT = "privacy_consent"


def notice_values(lang: str = "en") -> dict[str, Any]:
    """The privacy texts' values; in Chinese, our own /privacy page is linked in Chinese
    (?lang=zh). A hospital's own notice (PRIVACY_NOTICE_URL elsewhere) is linked as given."""
    config = settings()
    privacy_url = config.privacy_url
    if lang == "zh" and privacy_url == f"{public_web_url()}/privacy":
        privacy_url += "?lang=zh"
    return {"hospital": display(directory().hospital.name, lang), "privacy_url": privacy_url,
            "retention_days": config.retention_days}


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


def restore_consent(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """At session start: the person's earlier answer (kept in our database across sessions)
    as the slot, or, at first contact (no answer to this notice yet), what is kept and why."""
    decision = current_decision(database(), tracker.sender_id)
    if decision is None:
        utter(dispatcher, tracker, "privacy_notice", **notice_values(language(tracker)))
    return [SlotSet(CONSENT, decision)]


_REFUSAL = re.compile(r"\b(no|nope|nah|don'?t|do not|disagree|refuse|rather not|never)\b"
                      r"|不同意|不接受|拒绝|不要|不愿意|不行|不想|不了", re.I)
_AGREEMENT = re.compile(r"\b(yes|yeah|yep|ok|okay|sure|agree|i agree|fine|accept|go ahead)\b"
                        r"|同意|接受|可以|好的|行|没问题|嗯", re.I)


def consent_answer(text: str, intent: str | None) -> bool | None:
    """True (agrees), False (refuses), or None when the message is neither a yes nor a no
    (a question about the notice, say): then the question is asked again."""
    refuses = bool(_REFUSAL.search(text))
    if intent == "deny" or (intent == "affirm" and refuses):
        return False
    if intent == "affirm":
        return True
    if len(text.split()) <= 6:  # "ok fine", "I don't agree": short replies only
        if refuses:
            return False
        if _AGREEMENT.search(text):
            return True
    return None


def record_consent(tracker: Tracker, given: bool) -> List[EventType]:
    """Recorded in our database (with the notice version) before the first health question."""
    record_decision(database(), conversation_id=tracker.sender_id, channel=channel_of(tracker),
                    given=given, now=now())
    return [SlotSet(CONSENT, "given" if given else "declined")]


class ActionAskPrivacyConsent(Action):
    """The triage form's first "question": may we keep the answers?"""

    def name(self) -> Text:
        return "action_ask_privacy_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        utter(dispatcher, tracker, "consent_question", **notice_values(language(tracker)))
        dispatcher.utter_message(json_message={"ask": [CONSENT], "type": "consent"})
        return []


def message_count(tracker: Tracker) -> int:
    return sum(1 for event in tracker.events if event.get("event") in {"user", "bot"})


def stored_about(tracker: Tracker) -> dict[str, int]:
    """What is kept about this person, by kind (for "delete my data")."""
    db = database()
    with db.session() as session:
        assessments = session.scalar(select(func.count()).select_from(AssessmentRecord)
                                     .where(AssessmentRecord.sender_id == tracker.sender_id))
        cases = session.scalar(select(func.count()).select_from(Escalation)
                               .where(Escalation.conversation_id == tracker.sender_id))
    return {"message": message_count(tracker), "assessment": assessments or 0,
            "planned check-in": len(checkins.pending(db, tracker.sender_id)),
            "staff case": cases or 0}


def ask_forget(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    stored = stored_about(tracker)
    staff_note = (" The hospital's staff will see only that a case existed and was erased."
                  if stored["staff case"] else "")
    utter(dispatcher, tracker, "forget_question",
          stored=describe_counts(stored, language(tracker)), staff_note=staff_note)


# What each kind of count reads as in Chinese: "3条消息", "1次评估".
_COUNTED_ZH = {"message": "{}条消息", "assessment": "{}次评估", "planned check-in": "{}次待进行的随访",
               "staff case": "{}条工作人员跟进记录"}


def describe_counts(counts: dict[str, int], language: str = "en") -> str:
    """"3 messages, 1 assessment" ("nothing"); in Chinese "3条消息、1次评估" ("无")."""
    if language == "zh":
        parts = [_COUNTED_ZH[kind].format(count) for kind, count in counts.items() if count]
    else:
        parts = [f"{count} {kind}{'' if count == 1 else 's'}"
                 for kind, count in counts.items() if count]
    return join_counts(parts, language)


class ActionAskForget(Action):
    """"Delete my data": says what is kept, and asks before deleting it."""

    def name(self) -> Text:
        return "action_ask_forget"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        ask_forget(dispatcher, tracker)
        return [SlotSet("awaiting_answer", "forget")]


def forget(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Deletes the person's rows in our tables now; `erase_conversation` makes our tracker
    store delete the conversation itself once this turn is saved (bot/storage/tracker_store.py)."""
    report = erase_person(database(), tracker.sender_id, now())
    lang, messages = language(tracker), message_count(tracker)
    parts = [describe_counts({"message": messages}, lang)] if messages else []
    if report.total:
        parts.append(report.describe(lang))
    removed = join_counts(parts, lang)
    utter(dispatcher, tracker, "forget_done", removed=removed)
    # The whole conversation goes (an active form with it): the next message starts afresh.
    return [SlotSet("erase_conversation", True)]


def forget_while_waiting(dispatcher: CollectingDispatcher, tracker: Tracker,
                         intent: str | None) -> List[EventType]:
    """"Delete my data" while staff have the conversation (handoff_form stays active until
    the answer): the same question, then the same erasure, which ends the wait."""
    if intent == "forget_me":
        ask_forget(dispatcher, tracker)
        return [SlotSet("awaiting_answer", "forget")]
    if intent == "affirm":
        return forget(dispatcher, tracker) + [SlotSet("awaiting_answer", None)]
    if intent == "deny":
        utter(dispatcher, tracker, "forget_kept")
    return [SlotSet("awaiting_answer", None)]
