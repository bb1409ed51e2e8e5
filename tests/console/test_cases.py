"""The queue and the case page against the running assistant: order, filters, the
transcript and assessment, what staff do (claim, note, reply, close), escaping, export."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import httpx
from starlette.testclient import TestClient

from bot.handoff import escalations
from bot.handoff.rasa_api import RasaApi
from bot.processes import free_port
from bot.web.app import create_app
from bot.web.console import Console
from tests.console.conftest import flash_of, problem, rows
from tests.fixtures.assistant import API_TOKEN

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_the_queue_lists_by_priority_then_age(site, nurse):
    now = datetime.now(timezone.utc)
    human = site.escalate(reason="asked_for_human", now=now - timedelta(hours=5))
    clinic_old = site.escalate(reason="fever_clinic", route="fever_clinic",
                               now=now - timedelta(hours=3))
    emergency_new = site.escalate(reason="emergency", route="emergency",
                                  now=now - timedelta(minutes=2))
    clinic_new = site.escalate(reason="fever_clinic", route="fever_clinic",
                               now=now - timedelta(minutes=30))
    emergency_old = site.escalate(reason="emergency", route="emergency",
                                  now=now - timedelta(minutes=50))
    ours = {human.id, clinic_old.id, emergency_new.id, clinic_new.id, emergency_old.id}
    page = nurse.get("/console/")
    assert page.status_code == 200
    listed = [case_id for case_id in rows(page.text) if case_id in ours]
    assert listed == [emergency_old.id, emergency_new.id, clinic_old.id, clinic_new.id, human.id]
    # Urgent cases stand out, in words as well as colour.
    row = re.search(rf'<tr class="case-row urgent"\s+data-case-id="{emergency_old.id}".*?</tr>',
                    page.text, re.S)
    assert row and "URGENT" in row.group(0)
    assert 'data-testid="count-urgent"' in page.text


def test_the_queue_filters_by_route_status_and_date(site, nurse):
    day = datetime(2020, 3, 14, 12, 0, tzinfo=timezone.utc)
    clinic = site.escalate(reason="fever_clinic", route="fever_clinic", now=day)
    online = site.escalate(reason="online_specialist", route="online_specialist", now=day)
    earlier = site.escalate(reason="fever_clinic", route="fever_clinic",
                            now=day - timedelta(days=3))
    closed = site.escalate(reason="fever_clinic", route="fever_clinic", now=day)
    escalations.close(site.db, closed.id, "someone")
    ours = {clinic.id, online.id, earlier.id, closed.id}

    def listed(query: str) -> set[int]:
        page = nurse.get(f"/console/?{query}")
        assert page.status_code == 200
        return set(rows(page.text)) & ours

    assert listed("") == {clinic.id, online.id, earlier.id}  # open and claimed by default
    assert listed("route=fever_clinic") == {clinic.id, earlier.id}
    assert listed("status=closed") == {closed.id}
    assert listed("status=all&route=fever_clinic") == {clinic.id, earlier.id, closed.id}
    assert listed("status=all&since=2020-03-14&until=2020-03-14") == {
        clinic.id, online.id, closed.id}
    assert listed("since=2020-03-10&until=2020-03-12") == {earlier.id}
    escalations.claim(site.db, clinic.id, "somebody")
    assert listed("status=claimed") == {clinic.id}
    assert listed("status=open&since=2020-03-14") == {online.id}
    bad = nurse.get("/console/?since=14/03/2020&route=nowhere&status=lost")
    assert bad.status_code == 200
    for message in ("Dates look like", "Unknown route", "Unknown status"):
        assert message in bad.text


def test_script_in_the_transcript_notes_and_assessment_is_shown_as_text(site, nurse):
    conversation = site.say(f"{SCRIPT} I have a fever")
    case = site.escalate(conversation, assessment={
        "facts": {"fever": True}, "rules": ["R-X"], "reasons": [f"reason {SCRIPT}"],
        "advice": f"advice {SCRIPT}"})
    assert nurse.post(f"/console/cases/{case.id}/note", {"text": f"note {SCRIPT}"}
                      ).status_code == 303
    page = nurse.get(f"/console/cases/{case.id}")
    assert page.status_code == 200
    assert SCRIPT not in page.text
    for shown in (f"{ESCAPED} I have a fever", f"reason {ESCAPED}", f"advice {ESCAPED}",
                  f"note {ESCAPED}"):
        assert shown in page.text
    printable = nurse.get(f"/console/cases/{case.id}/print")
    assert SCRIPT not in printable.text and f"note {ESCAPED}" in printable.text


def test_the_case_page_shows_the_conversation_and_the_result_it_gave(site, nurse):
    conversation = site.say("my 8 month old is breathing really fast")
    case = escalations.open_case(site.db, conversation) or site.escalate(conversation,
                                                                        reason="emergency")
    page = nurse.get(f"/console/cases/{case.id}")
    assert page.status_code == 200
    assert "my 8 month old is breathing really fast" in page.text
    assert 'data-testid="line-person"' in page.text and 'data-testid="line-bot"' in page.text
    customs = [(e.get("data") or {}).get("custom") or {}
               for e in site.assistant.tracker_events(conversation) if e["event"] == "bot"]
    triage = next(custom["triage"] for custom in customs if "triage" in custom)
    assert triage["route"] == "emergency"
    result = re.search(r'data-testid="result-route">([^<]*)<', page.text).group(1)
    assert result == "Emergency care"
    for rule in triage["rules"]:
        assert rule in page.text
    advice = re.search(r'data-testid="result-advice">(.*?)</div>', page.text, re.S)
    assert advice and "120" in advice.group(1)  # the person was told the number to call


def test_claim_note_reply_and_close(site, nurse):
    conversation = site.say("I have had a fever since yesterday")
    case = site.escalate(conversation, reason="asked_for_human")
    path = f"/console/cases/{case.id}"

    claimed = nurse.post(f"{path}/claim")
    assert claimed.status_code == 303 and claimed.headers["location"] == path
    page = nurse.get(path)
    assert flash_of(page.text) == "You have claimed this case."
    assert escalations.get_case(site.db, case.id).claimed_by == nurse.username

    empty = nurse.post(f"{path}/note", {"text": "   "})
    assert empty.status_code == 400 and problem(empty.text) == "Write something first."
    too_long = nurse.post(f"{path}/note", {"text": "x" * 4001})
    assert too_long.status_code == 400 and "too long" in problem(too_long.text)
    assert "x" * 4001 in too_long.text  # the typed text is kept
    assert nurse.post(f"{path}/note", {"text": "Called the ward"}).status_code == 303
    empty_reply = nurse.post(f"{path}/reply", {"text": ""})
    assert empty_reply.status_code == 400 and problem(empty_reply.text) == "Write something first."

    reply = "Hello, this is the nurse on duty. How high is the fever now?"
    sent = nurse.post(f"{path}/reply", {"text": reply})
    assert sent.status_code == 303, problem(sent.text)
    staff_said = [e for e in site.assistant.tracker_events(conversation)
                  if e["event"] == "bot" and (e.get("metadata") or {}).get("staff")]
    assert [(e["text"], e["metadata"]["staff"]) for e in staff_said] == [(reply, nurse.username)]
    fresh = escalations.get_case(site.db, case.id)
    assert fresh.first_reply_at is not None
    page = nurse.get(path)
    assert 'data-testid="line-staff"' in page.text  # in the transcript, as staff
    assert [e.kind for e in escalations.entries(site.db, case.id)] == ["note", "reply"]

    closed = nurse.post(f"{path}/close")
    assert closed.status_code == 303
    page = nurse.get(path)
    assert flash_of(page.text).startswith("Case closed.")
    assert 'data-testid="read-only"' in page.text
    assert 'data-testid="reply-form"' not in page.text and 'data-testid="claim"' not in page.text
    late = nurse.post(f"{path}/note", {"text": "one more thing"})
    assert late.status_code == 409 and problem(late.text) == "This case is closed."
    assert "one more thing" not in [e.text for e in escalations.entries(site.db, case.id)]
    trail = [e.action for e in escalations.audit_entries(site.db, case.id)]
    assert {"view", "claim", "note", "reply", "close"} <= set(trail)
    assert all(e.actor == nurse.username for e in escalations.audit_entries(site.db, case.id))


def test_replying_to_an_unclaimed_case_claims_it(site, nurse):
    case = site.escalate(site.say("hello"), reason="asked_for_human")
    assert nurse.post(f"/console/cases/{case.id}/reply", {"text": "Hi there"}).status_code == 303
    fresh = escalations.get_case(site.db, case.id)
    assert fresh.status == "claimed" and fresh.claimed_by == nurse.username


def test_when_rasa_is_down_the_reply_is_not_lost(site, nurse):
    """The console in-process on the same database, with Rasa on a port nobody serves."""
    case = site.escalate(reason="asked_for_human")
    console = Console(site.db, RasaApi(f"http://127.0.0.1:{free_port()}", API_TOKEN),
                      f"sqlite:///{site.assistant.data / 'no-tracker.db'}")
    with TestClient(create_app(secret_key="test-key", console=console),
                    base_url="http://testserver") as local:
        page = local.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        local.post("/console/login", data={"username": nurse.username,
                                           "password": "a long enough test password",
                                           "csrf_token": token})
        page = local.get(f"/console/cases/{case.id}")
        assert "cannot be shown right now" in page.text  # the rest of the case still shows
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = local.post(f"/console/cases/{case.id}/reply",
                            data={"text": "Are you still there?", "csrf_token": token})
        assert answer.status_code == 503
        assert "Your reply was not sent" in problem(answer.text)
        assert "Are you still there?</textarea>" in answer.text
        export = local.get(f"/console/cases/{case.id}/export.json")
        assert export.status_code == 503 and "text/html" in export.headers["content-type"]
    assert escalations.entries(site.db, case.id) == []
    assert escalations.get_case(site.db, case.id).first_reply_at is None


def test_a_case_exports_as_fhir_json_and_a_printable_page(site, nurse):
    conversation = site.say("I have a fever of 39 and a cough")
    case = site.escalate(conversation, reason="fever_clinic", route="fever_clinic")
    nurse.post(f"/console/cases/{case.id}/reply", {"text": "Please come to the fever clinic."})
    answer = nurse.get(f"/console/cases/{case.id}/export.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/fhir+json")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="case-{case.id}-questionnaire-response.json"')
    document = json.loads(answer.text)
    assert document["resourceType"] == "QuestionnaireResponse"
    assert document["subject"]["identifier"]["value"] == conversation
    assert "Please come to the fever clinic." in json.dumps(document)

    printable = nurse.get(f"/console/cases/{case.id}/print")
    assert printable.status_code == 200
    assert "I have a fever of 39 and a cough" in printable.text
    assert 'data-testid="reply-form"' not in printable.text
    css = httpx.get(f"{site.web_url}/static/console.css").text
    assert "@media print" in css
    exports = [e.detail for e in escalations.audit_entries(site.db, case.id)
               if e.action == "export"]
    assert exports == ["printable page", "FHIR QuestionnaireResponse"]


def test_an_oversized_form_is_refused_clearly(site, nurse):
    case = site.escalate()
    answer = nurse.post(f"/console/cases/{case.id}/note", {"text": "x" * 70_000})
    assert answer.status_code == 413 and problem(answer.text) == "That is too long to send."
    assert escalations.entries(site.db, case.id) == []
