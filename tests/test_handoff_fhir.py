"""The clinician handover: an escalated case as a FHIR R4 QuestionnaireResponse.

No FHIR library is installed, so `check_r4` checks the structure against the R4 rules
(https://hl7.org/fhir/R4/questionnaireresponse.html and the datatypes it uses): the
elements that exist, the required ones, value[x] types, qrs-1, unique linkIds, dates.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.handoff import escalations
from bot.handoff.fhir import questionnaire_response
from bot.storage import Database
from bot.storage.models import CaseEntry, Escalation
from bot.texts import catalogue
from bot.triage import load_engine

ENGINE = load_engine()
T0 = datetime(2024, 3, 10, 9, 0, tzinfo=timezone.utc)

# What the person would answer, if asked. The protocol asks only what can change the route.
PERSON = dict(breathing_difficulty=False, chest_pain=False, confusion=False, cyanosis=False,
              fever=True, temperature_c=38.2, fever_days=2, respiratory_symptoms=True,
              symptoms_resolved=False, age=70, contact_confirmed_case=False,
              travel_high_risk_area=False, cluster_exposure=False, healthcare_worker=False,
              pregnant=False, chronic_condition=True, immunocompromised=False)

# ----- the R4 rules -----------------------------------------------------------------------

QR_ELEMENTS = {"resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
               "extension", "modifierExtension", "identifier", "basedOn", "partOf",
               "questionnaire", "status", "subject", "encounter", "authored", "author",
               "source", "item"}
ITEM_ELEMENTS = {"id", "extension", "modifierExtension", "linkId", "definition", "text",
                 "answer", "item"}
ANSWER_VALUES = {"valueBoolean", "valueDecimal", "valueInteger", "valueDate", "valueDateTime",
                 "valueTime", "valueString", "valueUri", "valueAttachment", "valueCoding",
                 "valueQuantity", "valueReference"}
STATUSES = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
# dateTime, from the R4 datatypes page; a time SHALL come with a time zone
DATE_TIME = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]"
    r"|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3])"
    r":[0-5][0-9]|14:00)))?)?)?")
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")  # absolute (RFC 3986), no whitespace


def check_r4(resource: dict[str, Any]) -> None:
    json.dumps(resource, allow_nan=False)  # plain JSON
    _no_empties(resource)
    assert resource["resourceType"] == "QuestionnaireResponse"
    assert set(resource) <= QR_ELEMENTS, set(resource) - QR_ELEMENTS
    assert resource["status"] in STATUSES  # 1..1
    assert ID.fullmatch(resource["id"])
    url, _, version = resource["questionnaire"].partition("|")  # canonical: URI ["|" version]
    assert URI.fullmatch(url) and "|" not in version
    assert DATE_TIME.fullmatch(resource["authored"])
    subject = resource["subject"]
    assert set(subject) <= {"reference", "type", "identifier", "display"}
    assert set(subject.get("identifier", {})) <= {"use", "type", "system", "value", "period",
                                                   "assigner"}
    assert URI.fullmatch(subject["identifier"]["system"])
    link_ids = []
    for item in resource.get("item", []):
        _check_item(item, link_ids)
    assert len(link_ids) == len(set(link_ids)), "linkIds repeat"


def _check_item(item: dict[str, Any], link_ids: list[str]) -> None:
    assert set(item) <= ITEM_ELEMENTS, set(item) - ITEM_ELEMENTS
    assert isinstance(item["linkId"], str) and item["linkId"].strip()  # 1..1
    link_ids.append(item["linkId"])
    assert isinstance(item.get("text", ""), str)
    assert not ("answer" in item and "item" in item), "qrs-1"
    for answer in item.get("answer", []):
        values = set(answer) & ANSWER_VALUES
        assert set(answer) <= ANSWER_VALUES | {"id", "extension", "modifierExtension", "item"}
        assert len(values) == 1, answer  # value[x] 0..1, and an answer without one says nothing
        (key,) = values
        value = answer[key]
        if key == "valueBoolean":
            assert isinstance(value, bool)
        elif key == "valueDecimal":
            assert isinstance(value, (int, float)) and not isinstance(value, bool)
        elif key == "valueInteger":
            assert isinstance(value, int) and not isinstance(value, bool)
            assert -2**31 <= value < 2**31
        elif key == "valueString":
            assert isinstance(value, str) and value.strip()
        for child in answer.get("item", []):
            _check_item(child, link_ids)
    for child in item.get("item", []):
        _check_item(child, link_ids)


def _no_empties(value: Any) -> None:
    """JSON rules: no nulls, no empty strings, objects or arrays."""
    assert value is not None and value != "" and value != [] and value != {}
    if isinstance(value, dict):
        for child in value.values():
            _no_empties(child)
    elif isinstance(value, list):
        for child in value:
            _no_empties(child)


def test_check_r4_catches_what_it_should():
    good = {"resourceType": "QuestionnaireResponse", "id": "x", "status": "completed",
            "questionnaire": "urn:a:b|1", "authored": "2024-03-10T09:00:00+00:00",
            "subject": {"identifier": {"system": "urn:a:c", "value": "1"}},
            "item": [{"linkId": "a", "answer": [{"valueBoolean": True}]}]}
    check_r4(good)
    for broken in ({"status": "done"}, {"authored": "2024-03-10T09:00:00"},
                   {"questionnaire": "fever protocol|1"}, {"item": []},
                   {"item": [{"linkId": "a", "answer": [{"valueBoolean": "yes"}]}]},
                   {"item": [{"linkId": "a", "answer": [{"valueDecimal": 1, "valueString": "1"}]}]},
                   {"item": [{"linkId": "a", "answer": [{}]}]},
                   {"item": [{"linkId": "a", "answer": [{"valueBoolean": True}], "item": [
                       {"linkId": "b", "answer": [{"valueBoolean": True}]}]}]},
                   {"item": [{"linkId": "a", "answer": [{"valueBoolean": True}]},
                             {"linkId": "a", "answer": [{"valueBoolean": False}]}]},
                   {"subject": {"name": "Li Lei"}}):
        with pytest.raises(AssertionError):
            check_r4({**good, **broken})


# ----- a real-looking case ----------------------------------------------------------------

def triage_events(person: dict[str, Any], stop_before: str | None = None) -> list[dict]:
    """Tracker events of a triage run by the protocol engine: the bot asks the next
    question, the person answers, the answers become slots; then the result."""
    moment = T0 - timedelta(minutes=10)
    facts: dict[str, Any] = {}

    def event(kind: str, **fields) -> dict:
        nonlocal moment
        moment += timedelta(seconds=20)
        return {"event": kind, "timestamp": moment.timestamp(), **fields}

    events = [event("action", name="action_session_start"),
              event("user", text="I have had a fever since Friday",
                    parse_data={"intent": {"name": "check_symptoms"}}, input_channel="telegram")]
    while (question := ENGINE.next_question(facts)) is not None:
        if question.id == stop_before:
            events.append(event("user", text="can I talk to a doctor?",
                                parse_data={"intent": {"name": "request_human"}}))
            return events
        events.append(event("bot", text=f"(question {question.id})", data={}))
        events.append(event("user", text="(an answer)"))
        for name in ENGINE.open_facts(question, facts):
            facts[name] = person[name]
            events.append(event("slot", name=name, value=person[name]))
    payload = ENGINE.assess(facts).as_payload()
    events.append(event("bot", text=None, data={"custom": payload}))
    return events


def last_triage(events: list[dict]) -> dict:
    return next(e["data"]["custom"]["triage"] for e in reversed(events)
                if e["event"] == "bot" and e["data"].get("custom"))


def make_case(assessment: dict | None, **fields) -> Escalation:
    values = dict(id=7, conversation_id="tg-5f3a9c", channel="telegram", reason="fever_clinic",
                  route=(assessment or {}).get("route"), priority=2, status="open",
                  paused=False, assessment=assessment, created_at=T0)
    values.update(fields)
    return Escalation(**values)


def entry(kind: str, author: str, text: str, minutes: int) -> CaseEntry:
    return CaseEntry(escalation_id=7, kind=kind, author=author, text=text,
                     created_at=T0 + timedelta(minutes=minutes))


def items_by_link(resource: dict) -> dict[str, dict]:
    return {item["linkId"]: item for item in resource.get("item", [])}


def answers(item: dict) -> list:
    return [next(iter(answer.values())) for answer in item["answer"]]


def test_an_escalated_fever_clinic_case():
    events = triage_events(PERSON)
    triage = last_triage(events)
    assert triage["route"] == "fever_clinic"  # fever and a long-term condition... and age 70
    entries = [entry("note", "nurse-li", "Called; no answer.", 3),
               entry("reply", "nurse-li", "Please come to the fever clinic today.", 5),
               entry("reply", "dr-wang", "Bring your medication list.", 12)]
    resource = questionnaire_response(make_case(triage), events, entries, engine=ENGINE)
    check_r4(resource)

    assert resource["resourceType"] == "QuestionnaireResponse"
    assert resource["id"] == "escalation-7"
    assert resource["status"] == "in-progress"
    assert resource["questionnaire"] == "urn:fever-triage:protocol|1.2.0"
    assert resource["authored"] == "2024-03-10T09:12:00+00:00"  # the last reply
    assert resource["subject"]["identifier"]["value"] == "tg-5f3a9c"
    assert "telegram" in resource["subject"]["display"]

    items = items_by_link(resource)
    asked = list(triage["facts"])
    assert asked == ["breathing_difficulty", "chest_pain", "confusion", "cyanosis", "fever",
                     "temperature_c", "fever_days", "symptoms_resolved", "age"]
    fact_items = [link for link in items if link in ENGINE.fact_types]
    assert fact_items == asked  # in protocol order; facts never asked are left out
    assert answers(items["fever"]) == [True]
    assert answers(items["cyanosis"]) == [False]
    assert items["temperature_c"]["answer"] == [{"valueDecimal": 38.2}]
    assert items["age"]["answer"] == [{"valueDecimal": 70.0}]
    assert items["fever_days"]["answer"] == [{"valueDecimal": 2.0}]

    texts = catalogue("en")
    assert items["fever"]["text"] == texts["question_fever"]["text"]
    assert items["age"]["text"] == texts["question_age"] + " (answer in years)"
    assert items["temperature_c"]["text"].endswith("(answer in °C)")
    danger = texts["question_danger_signs"]
    assert items["chest_pain"]["text"] == (
        f"{danger['text']} {danger['options']['chest_pain']['text']}")

    assert answers(items["triage-finished"]) == [True]
    assert answers(items["triage-route"]) == ["fever_clinic"]
    assert answers(items["triage-rules"]) == ["R-F2"]
    assert answers(items["triage-reasons"]) == triage["reasons"]
    assert answers(items["triage-escalation-reason"]) == ["fever_clinic"]
    # replies reach the clinician, internal notes do not
    assert answers(items["staff-replies"]) == [
        "2024-03-10T09:05:00+00:00 nurse-li: Please come to the fever clinic today.",
        "2024-03-10T09:12:00+00:00 dr-wang: Bring your medication list."]
    assert "Called; no answer." not in json.dumps(resource)


def test_a_closed_case_is_completed():
    triage = last_triage(triage_events(PERSON))
    case = make_case(triage, status="closed", closed_by="dr-wang",
                     closed_at=T0 + timedelta(hours=2))
    resource = questionnaire_response(case, [], [], engine=ENGINE)
    check_r4(resource)
    assert resource["status"] == "completed"
    assert resource["authored"] == "2024-03-10T11:00:00+00:00"
    assert "staff-replies" not in items_by_link(resource)


def test_a_temperature_not_measured_is_said_so():
    person = {**PERSON, "temperature_c": "unknown"}
    triage = last_triage(triage_events(person))
    resource = questionnaire_response(make_case(triage), [], [], engine=ENGINE)
    check_r4(resource)
    assert items_by_link(resource)["temperature_c"]["answer"] == [{"valueString": "not measured"}]


def test_a_handover_before_the_triage_ended_uses_the_answers_so_far():
    events = triage_events(PERSON, stop_before="age")
    case = make_case(None, reason="asked_for_human", priority=3, paused=True)
    resource = questionnaire_response(case, events, [], engine=ENGINE)
    check_r4(resource)
    items = items_by_link(resource)
    assert [link for link in items if link in ENGINE.fact_types] == [
        "breathing_difficulty", "chest_pain", "confusion", "cyanosis", "fever",
        "temperature_c", "fever_days", "symptoms_resolved"]
    assert answers(items["triage-finished"]) == [False]
    assert "triage-route" not in items and "triage-rules" not in items
    assert answers(items["triage-escalation-reason"]) == ["asked_for_human"]
    assert resource["questionnaire"] == f"urn:fever-triage:protocol|{ENGINE.version}"


def test_an_unfinished_triage_gives_no_route_even_when_the_case_has_one():
    """actions/handoff.py stores engine.assess(answers so far): for a person who asked for a
    human after the danger signs, that says self_care, which nobody decided."""
    events = triage_events(PERSON, stop_before="fever")
    facts = {name: PERSON[name] for name in
             ("breathing_difficulty", "chest_pain", "confusion", "cyanosis")}
    provisional = ENGINE.assess(facts).as_payload()["triage"]
    assert provisional["route"] == "self_care"
    case = make_case(provisional, reason="asked_for_human", route=None, priority=3)
    resource = questionnaire_response(case, events, [], engine=ENGINE)
    check_r4(resource)
    items = items_by_link(resource)
    assert answers(items["triage-finished"]) == [False]
    assert not {"triage-route", "triage-rules", "triage-reasons"} & set(items)
    assert "self_care" not in json.dumps(resource)
    assert answers(items["cyanosis"]) == [False]


def test_an_emergency_is_finished_as_soon_as_a_danger_sign_is_given():
    person = {**PERSON, "chest_pain": True}
    triage = last_triage(triage_events(person))
    assert triage["route"] == "emergency" and list(triage["facts"]) == [
        "breathing_difficulty", "chest_pain", "confusion", "cyanosis"]
    case = make_case(triage, reason="emergency", priority=1)
    items = items_by_link(questionnaire_response(case, [], [], engine=ENGINE))
    assert answers(items["triage-finished"]) == [True]
    assert answers(items["triage-route"]) == ["emergency"]
    assert answers(items["triage-rules"]) == ["R-E2"]


def test_the_outcome_can_come_from_the_bots_result_message():
    events = triage_events(PERSON)
    resource = questionnaire_response(make_case(None, reason="not_understood"), events, [],
                                      engine=ENGINE)
    check_r4(resource)
    items = items_by_link(resource)
    assert answers(items["triage-route"]) == ["fever_clinic"]
    assert answers(items["age"]) == [70.0]


def test_a_case_from_the_database(tmp_path):
    """Stored and read back (SQLite gives naive datetimes): still valid, still UTC."""
    db = Database(f"sqlite:///{tmp_path / 'assistant.db'}")
    db.migrate()
    triage = last_triage(triage_events(PERSON))
    case = escalations.escalate(db, conversation_id="web-8d2e", channel="webchat",
                                reason="fever_clinic", route="fever_clinic", assessment=triage,
                                now=T0)
    escalations.add_reply(db, case.id, "nurse-li", "Please come in today.",
                          now=T0 + timedelta(minutes=4))
    escalations.close(db, case.id, "nurse-li", now=T0 + timedelta(minutes=30))
    stored = escalations.get_case(db, case.id)
    assert stored.created_at.tzinfo is not None  # models.UTCDateTime: UTC, even from SQLite
    resource = questionnaire_response(stored, [], escalations.entries(db, case.id),
                                      engine=ENGINE)
    check_r4(resource)
    assert resource["id"] == f"escalation-{case.id}"
    assert resource["status"] == "completed"
    assert resource["authored"] == "2024-03-10T09:30:00+00:00"
    assert answers(items_by_link(resource)["staff-replies"]) == [
        "2024-03-10T09:04:00+00:00 nurse-li: Please come in today."]
    db.engine.dispose()


def test_the_default_engine_is_the_deployments_protocol(monkeypatch):
    monkeypatch.delenv("TRIAGE_PROTOCOL", raising=False)
    triage = last_triage(triage_events(PERSON))
    resource = questionnaire_response(make_case(triage), [], [])
    check_r4(resource)
    assert resource["item"][0]["linkId"] == "breathing_difficulty"
