"""Erasure at the person's request, on SQLite and on PostgreSQL: two people with rows in
every table (Rasa's `events` too); one is erased (in our code, and with
`bot.cli privacy forget`); afterwards nothing anywhere names them or holds what they
wrote, their cases are tombstones staff can still see, and the other person is untouched."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import JSON, String, Text, insert, select

from bot.cli import main
from bot.handoff import escalations as esc
from bot.privacy import tracker_events
from bot.privacy.erasure import ErasureReport, erase_person
from bot.privacy.transactions import write_connection
from bot.storage import Database
from bot.storage.models import (AssessmentRecord, AuditEntry, Base, CheckIn, ConsentRecord,
                                Escalation, OutboxMessage)
from tests.fixtures.databases import migrated_database

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
EVENTS = SQLTrackerStore.SQLEvent.__table__  # Rasa's own table definition

# Everything that identifies each person, or that they wrote.
ALICE = {"conversation": "telegram:771234987", "sender": "771234987",
         "texts": ["zebra cough since Tuesday", "my neighbour Wang Lihua is ill",
                   "call me on 13800771234"]}
BOB = {"conversation": "webchat:bob-5f2a9c", "sender": "bob-5f2a9c",
       "texts": ["headache and tiredness", "is the Chaoyang clinic open"]}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    with migrated_database(request.param, tmp_path) as database:
        yield database


def seed(db: Database, person: dict[str, Any], at: datetime) -> list[int]:
    """Rows for the person in every table; the ids of their cases."""
    conversation, texts = person["conversation"], person["texts"]
    channel = conversation.split(":")[0]
    for number, said in enumerate(texts[:2]):
        db.save_assessment(sender_id=conversation, channel=channel,
                           facts={"temperature": 38.5 + number, "note": said},
                           route="fever_clinic", rules=["R-F1"], reasons=[f"You said: {said}"],
                           protocol_version="1.0.0")
    with db.session() as session, session.begin():
        session.add_all([
            CheckIn(conversation_id=conversation, channel=channel, kind="daily", due_at=at,
                    status="sent", sent_at=at, answer="worse", created_at=at),
            CheckIn(conversation_id=conversation, channel=channel, kind="once",
                    due_at=at + timedelta(days=1), status="scheduled", created_at=at),
            ConsentRecord(conversation_id=conversation, channel=channel, decision="given",
                          notice_version="1", decided_at=at),
            OutboxMessage(conversation_id=conversation, message={"text": f"About: {texts[0]}"},
                          created_at=at),
        ])
    closed = esc.escalate(db, conversation_id=conversation, channel=channel,
                          reason="fever_clinic", route="fever_clinic", department="fever",
                          assessment={"facts": {"cough": True}, "said": texts[0]}, now=at)
    esc.claim(db, closed.id, "nurse-li", now=at)
    esc.add_note(db, closed.id, "nurse-li", f"Person said {texts[-1]!r}", now=at)
    esc.add_reply(db, closed.id, "nurse-li", f"Hello {person['sender']}", now=at)
    esc.audit(db, "nurse-li", "view", closed.id, now=at)
    esc.close(db, closed.id, "nurse-li", now=at)
    still_open = esc.escalate(db, conversation_id=conversation, channel=channel,
                              reason="crisis", assessment={"said": texts[-1]}, now=at)
    with db.engine.begin() as connection:
        EVENTS.create(connection, checkfirst=True)
        for number, said in enumerate(texts):
            stamp = at.timestamp() + number
            connection.execute(insert(EVENTS).values(
                sender_id=conversation, type_name="user", timestamp=stamp,
                intent_name="inform", data=json.dumps({"event": "user", "text": said,
                                                       "timestamp": stamp})))
    return [closed.id, still_open.id]


def every_text(db: Database) -> list[str]:
    """Every string and JSON value of every row of every table, ours and Rasa's."""
    found = []
    with db.engine.connect() as connection:
        for table in [*Base.metadata.tables.values(), EVENTS]:
            columns = [column for column in table.columns
                       if isinstance(column.type, (String, Text, JSON))]
            for row in connection.execute(select(*columns)):
                found += [value if isinstance(value, str) else json.dumps(value)
                          for value in row if value is not None]
    return found


def traces(db: Database, person: dict[str, Any]) -> list[str]:
    needles = [person["conversation"], person["sender"], *person["texts"]]
    return [value for value in every_text(db) if any(needle in value for needle in needles)]


def rows_of(db: Database, person: dict[str, Any]) -> dict[str, list]:
    """The person's rows, comparable before and after."""
    conversation = person["conversation"]
    with db.engine.connect() as connection:
        result = {"assessments": connection.execute(select(AssessmentRecord.__table__).where(
            AssessmentRecord.sender_id == conversation)).all(),
                  "events": connection.execute(select(EVENTS).where(
                      EVENTS.c.sender_id == conversation)).all()}
        for model in (CheckIn, ConsentRecord, OutboxMessage, Escalation):
            result[model.__tablename__] = connection.execute(select(model.__table__).where(
                model.conversation_id == conversation)).all()
    result["case_entries"] = [(e.kind, e.text) for case in result["escalations"]
                              for e in esc.entries(db, case.id)]
    return result


def check_erased(db: Database, alice_cases: list[int], bob_before: dict[str, list]) -> None:
    assert traces(db, ALICE) == []
    assert traces(db, BOB) != []
    assert rows_of(db, BOB) == bob_before
    for case_id in alice_cases:
        case = esc.get_case(db, case_id)
        assert case.conversation_id == f"erased-{case_id}"
        assert case.erased_at is not None and case.status == "closed" and not case.paused
        assert (case.assessment, case.route, case.department) == (None, None, None)
        assert case.closed_at is not None
        assert esc.entries(db, case_id) == []
        erasures = [e for e in esc.audit_entries(db, case_id) if e.action == "erase"]
        assert [e.actor for e in erasures] == ["person"]
        assert any(char.isdigit() for char in erasures[0].detail)  # counts, nothing else
    assert esc.get_case(db, alice_cases[0]).claimed_by == "nurse-li"  # staff's own name stays


def test_erase_person_leaves_nothing_of_them_in_our_tables(db):
    alice_cases = seed(db, ALICE, NOW - timedelta(days=3))
    seed(db, BOB, NOW - timedelta(days=2))
    bob_before = rows_of(db, BOB)
    assert traces(db, ALICE)

    report = erase_person(db, ALICE["conversation"], NOW)

    assert report == ErasureReport(assessments=2, checkins=2, consents=1, cases=2,
                                   case_entries=2, outbox_messages=1)
    assert report.describe() == ("2 assessments, 2 check-ins, 1 privacy choice, "
                                 "2 staff cases, 2 staff notes and replies, "
                                 "1 undelivered message")
    assert esc.get_case(db, alice_cases[0]).erased_at == NOW
    # Rasa's rows are the tracker store's to delete (inside Rasa's lock) or the CLI's.
    with write_connection(db.engine) as connection:
        assert tracker_events.delete_conversation(connection, ALICE["conversation"]) == 3
    check_erased(db, alice_cases, bob_before)
    assert erase_person(db, ALICE["conversation"], NOW) == ErasureReport()  # again: nothing


def test_the_forget_command_erases_our_rows_and_rasas(db, monkeypatch, capsys):
    alice_cases = seed(db, ALICE, NOW - timedelta(days=3))
    seed(db, BOB, NOW - timedelta(days=2))
    bob_before = rows_of(db, BOB)
    monkeypatch.setenv("DATABASE_URL", db.url)
    if db.url.startswith("sqlite:///"):
        monkeypatch.setenv("RASA_TRACKER_DB", db.url.removeprefix("sqlite:///"))
    else:
        monkeypatch.delenv("RASA_TRACKER_DB", raising=False)
        monkeypatch.setenv("TRACKER_STORE_URL", db.url)

    assert main(["privacy", "forget", ALICE["conversation"]]) == 0

    out, err = capsys.readouterr()
    assert "must not be active" in err
    assert "2 assessments" in out and "3 conversation events" in out
    check_erased(db, alice_cases, bob_before)


def test_describe_reads_well():
    assert ErasureReport(assessments=1, checkins=2, cases=1).describe() == (
        "1 assessment, 2 check-ins, 1 staff case")
    assert ErasureReport().describe() == "nothing"


@pytest.mark.parametrize("conversation", ["12345", "fax:1", "telegram:", ""])
def test_forget_refuses_what_is_not_a_conversation_id(conversation, capsys):
    assert main(["privacy", "forget", conversation]) == 2
    assert "Conversation ids look like telegram:12345" in capsys.readouterr().err


def test_the_privacy_notice_is_served_as_escaped_text(monkeypatch, tmp_path):
    from starlette.testclient import TestClient

    from bot.channels.client import RasaClient
    from bot.handoff.rasa_api import RasaApi
    from bot.privacy.notice import notice_html
    from bot.web.app import create_app
    from bot.web.console.state import Console

    monkeypatch.delenv("RETENTION_DAYS", raising=False)

    page = notice_html("# Title <b>\n\nA <script>x</script> {hospital}\n\n- one & two\n",
                       {"hospital": "St <Mary>"})
    assert "<script>" not in page and "&lt;script&gt;" in page and "St &lt;Mary&gt;" in page
    assert "<ul><li>one &amp; two</li></ul>" in page and "<title>Title &lt;b&gt;</title>" in page
    console = Console(Database(f"sqlite:///{tmp_path / 'ours.db'}"),  # nothing from var/
                      RasaApi("http://127.0.0.1:9", "unused"), f"sqlite:///{tmp_path / 't.db'}")
    app = create_app(RasaClient("webchat", "http://127.0.0.1:9", "unused"),
                     secret_key="test-key", console=console)
    with TestClient(app) as client:
        answer = client.get("/privacy")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    for promised in ("delete my data", "/forget", "90 days", "Example City Hospital"):
        assert promised in answer.text
    assert "{hospital}" not in answer.text and "<!--" not in answer.text
