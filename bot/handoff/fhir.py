"""An escalated case as a FHIR R4 QuestionnaireResponse, the handover format clinicians'
systems read (https://hl7.org/fhir/R4/questionnaireresponse.html).

One item per protocol fact the person answered (linkId = the fact's name, text = the
question the bot asked), then the triage outcome and the replies staff sent. Standard
library only: the result is a plain dict, ready for json.dumps.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from bot.settings import Settings
from bot.texts import DEFAULT_LANGUAGE, catalogue
from bot.triage import TriageEngine, load_engine
from bot.triage.expressions import NOT_MEASURED

# Canonical URL of our protocol as a Questionnaire (a canonical is a URI; "|version" may
# follow). A deployment may pass an https URL it controls instead: the "fever-triage" URN
# namespace is not registered with IANA.
PROTOCOL_URL = "urn:fever-triage:protocol"
# Namespace of the pseudonymous conversation ids that identify the person.
CONVERSATION_SYSTEM = "urn:fever-triage:conversation"
# Units the engine keeps numbers in (people may answer in °F or months), told to the reader.
UNITS = {"temperature_c": "°C", "fever_days": "days", "age": "years"}


def questionnaire_response(case: Any, events: Iterable[Mapping[str, Any]],
                           entries: Iterable[Any], *, engine: TriageEngine | None = None,
                           language: str = DEFAULT_LANGUAGE,
                           questionnaire_url: str = PROTOCOL_URL) -> dict[str, Any]:
    """The QuestionnaireResponse for an escalation (`case`), its Rasa tracker `events`
    (dicts) and its staff entries (CaseEntry: notes stay internal, replies are included)."""
    engine = engine or load_engine(Settings.from_env().protocol_path)
    events = list(events)
    replies = [entry for entry in entries if entry.kind == "reply"]
    triage = _triage(case.assessment, events)
    facts = engine.normalise(triage.get("facts") or _slot_facts(events, engine))
    version = triage.get("protocol_version") or engine.version

    items = [_fact_item(engine, name, facts[name], language)
             for name in engine.fact_types if name in facts]
    # A handover in the middle of the triage has no result yet: the engine's route for
    # the answers so far (the others counted as "no") would mislead, so it is left out.
    finished = engine.next_question(facts) is None
    items += _outcome_items(case, triage, finished)
    if replies:
        items.append({"linkId": "staff-replies", "text": "Replies staff sent to the person",
                      "answer": [{"valueString": f"{_iso(r.created_at)} {r.author}: {r.text}"}
                                 for r in replies]})

    # Last changed: the handover, a reply, or the close.
    moments = [case.created_at, case.closed_at] + [r.created_at for r in replies]
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"escalation-{case.id}",
        "questionnaire": f"{questionnaire_url}|{version}",
        "status": "completed" if case.status == "closed" else "in-progress",
        "subject": {"identifier": {"system": CONVERSATION_SYSTEM,
                                   "value": str(case.conversation_id)},
                    "display": f"Pseudonymous person ({case.channel} conversation)"},
        "authored": _iso(max(_aware(m) for m in moments if m is not None)),
        "item": items,
    }


def _triage(assessment: Mapping[str, Any] | None,
            events: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The outcome handed over: the case's assessment, else the last one the bot sent."""
    if assessment:
        return dict(assessment)
    for event in reversed(events):
        if event.get("event") == "bot":
            triage = ((event.get("data") or {}).get("custom") or {}).get("triage")
            if triage:
                return dict(triage)
    return {}


def _slot_facts(events: list[Mapping[str, Any]], engine: TriageEngine) -> dict[str, Any]:
    """Answers given so far, from slot events (a triage handed over before its end)."""
    facts: dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot" and event.get("name") in engine.fact_types:
            facts[event["name"]] = event.get("value")
    return facts


def _fact_item(engine: TriageEngine, name: str, value: Any, language: str) -> dict[str, Any]:
    if engine.fact_types[name]["type"] == "bool":
        answer = {"valueBoolean": value}
    elif value == NOT_MEASURED:
        answer = {"valueString": "not measured"}
    else:
        answer = {"valueDecimal": value}
    text = _question_text(engine, name, language)
    if name in UNITS:
        text += f" (answer in {UNITS[name]})"
    return {"linkId": name, "text": text, "answer": [answer]}


def _question_text(engine: TriageEngine, fact: str, language: str) -> str:
    """What the bot asked about `fact`: the question, and for a choice the option."""
    question = engine.question_for_fact(fact)
    key = f"question_{question.id}"
    entry = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    if isinstance(entry, str):
        return entry
    if question.type == "choice":
        return f"{entry['text']} {entry['options'][fact]['text']}"
    return entry["text"]


def _outcome_items(case: Any, triage: Mapping[str, Any], finished: bool) -> list[dict[str, Any]]:
    items = [{"linkId": "triage-finished",
              "text": "The person answered every question the protocol needed",
              "answer": [{"valueBoolean": finished}]}]
    if finished:
        route = triage.get("route") or case.route
        for link, text, values in [
                ("route", "Route the protocol chose", [route] if route else []),
                ("rules", "Protocol rules that applied", triage.get("rules") or []),
                ("reasons", "Reasons the person was given", triage.get("reasons") or [])]:
            if values:
                items.append({"linkId": f"triage-{link}", "text": text,
                              "answer": [{"valueString": str(value)} for value in values]})
    items.append({"linkId": "triage-escalation-reason",
                  "text": "Why the conversation was handed to staff",
                  "answer": [{"valueString": case.reason}]})
    return items


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    """A FHIR dateTime: to the second, with the time zone (required when a time is given)."""
    return _aware(moment).astimezone(timezone.utc).isoformat(timespec="seconds")
