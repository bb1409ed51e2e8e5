"""Retention, on SQLite and on PostgreSQL: rows just before and just after the cutoff in
every table, and exactly the older ones go; open cases, check-ins still to send, a
conversation's governing consent and Rasa's current sessions stay; dry runs delete
nothing; a second run finds nothing; `bot.cli privacy retention` for cron (exit codes,
messages, two runs at once)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from sqlalchemy import create_engine, insert, select, text

from bot.cli import main
from bot.handoff import escalations as esc
from bot.privacy.retention import RetentionReport, apply_retention
from bot.settings import PROJECT_ROOT
from bot.storage import Database
from bot.storage.models import (AssessmentRecord, AuditEntry, CaseEntry, CheckIn,
                                ConsentRecord, Escalation, OutboxMessage)
from tests.fixtures.databases import migrated_database

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
DAYS = 30
CUTOFF = NOW - timedelta(days=DAYS)
OLD, NEW = CUTOFF - timedelta(minutes=1), CUTOFF + timedelta(minutes=1)
EVENTS = SQLTrackerStore.SQLEvent.__table__
TABLES = {"assessments": AssessmentRecord, "checkins": CheckIn, "consents": ConsentRecord,
          "escalations": Escalation, "case_entries": CaseEntry,
          "webchat_outbox": OutboxMessage}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    with migrated_database(request.param, tmp_path) as database:
        yield database


# ----- seeding: (label) names each row so that what is left can be read ------------------

def seed(db: Database, now: datetime = NOW) -> None:
    cutoff = now - timedelta(days=DAYS)
    old, new = cutoff - timedelta(minutes=1), cutoff + timedelta(minutes=1)
    ancient = cutoff - timedelta(days=50)
    with db.session() as session, session.begin():
        session.add_all([
            _assessment("rest:a-old", old), _assessment("rest:a-new", new),
            _assessment("rest:c-active", new),  # keeps that conversation's consent
            _checkin("rest:k-old-sent", old, "sent"), _checkin("rest:k-new-sent", new, "sent"),
            _checkin("rest:k-old-answered", old, "answered"),
            _checkin("rest:k-old-scheduled", old, "scheduled"),  # still to be sent
            _checkin("rest:k-old-sending", old, "sending"),
            _consent("rest:c-active", ancient), _consent("rest:c-active", old),
            _consent("rest:c-gone", old), _consent("rest:c-new", new),
            _consent("rest:c-chatting", old),  # has events after the cutoff
            _consent("rest:c-open-case", ancient),  # its case is still open
            OutboxMessage(conversation_id="rest:o-old", message={"text": "old"}, created_at=old),
            OutboxMessage(conversation_id="rest:o-new", message={"text": "new"}, created_at=new),
        ])
    cases = {
        "closed-old": _case(db, "rest:e-closed-old", ancient, closed_at=old),
        "closed-new": _case(db, "rest:e-closed-new", ancient, closed_at=new),
        "open-old": _case(db, "rest:c-open-case", ancient),
        "claimed-old": _case(db, "rest:e-claimed-old", ancient, claimed=True),
        "erased-old": _case(db, "rest:e-erased-old", ancient, closed_at=ancient, erased_at=old),
        "erased-new": _case(db, "rest:e-erased-new", ancient, closed_at=old, erased_at=new),
    }
    for label, case_id in cases.items():
        esc.audit(db, "nurse-li", "view", case_id, now=ancient)
    with db.engine.begin() as connection:
        EVENTS.create(connection, checkfirst=True)
        # A whole conversation before the cutoff (two sessions): goes entirely.
        _session(connection, "rest:ev-old", ancient.timestamp(), 3)
        _session(connection, "rest:ev-old", old.timestamp() - 100, 3)
        # An earlier session (goes), and a current one that began before the cutoff and
        # goes on after it (stays whole: Rasa counts its rows when saving).
        _session(connection, "rest:ev-active", ancient.timestamp(), 3)
        _session(connection, "rest:ev-active", old.timestamp() - 100, 2)
        _event(connection, "rest:ev-active", "user", new.timestamp())
        # No session_started at all: Rasa counts every row, so none may go.
        _event(connection, "rest:ev-nosession", "user", old.timestamp())
        _event(connection, "rest:ev-nosession", "user", new.timestamp())
        _session(connection, "rest:ev-new", new.timestamp(), 2)
        _event(connection, "rest:c-chatting", "user", new.timestamp())


def _assessment(sender: str, at: datetime) -> AssessmentRecord:
    return AssessmentRecord(sender_id=sender, channel="rest", facts={}, route="self_care",
                            rules=[], reasons=[], protocol_version="1", created_at=at)


def _checkin(conversation: str, at: datetime, status: str) -> CheckIn:
    return CheckIn(conversation_id=conversation, channel="rest", kind="once", due_at=at,
                   status=status, created_at=at)


def _consent(conversation: str, at: datetime) -> ConsentRecord:
    return ConsentRecord(conversation_id=conversation, channel="rest", decision="given",
                         notice_version="1", decided_at=at)


def _case(db: Database, conversation: str, created: datetime, closed_at: datetime | None = None,
          erased_at: datetime | None = None, claimed: bool = False) -> int:
    case = esc.escalate(db, conversation_id=conversation, channel="rest", reason="fever_clinic",
                        route="fever_clinic", now=created)
    esc.add_note(db, case.id, "nurse-li", f"note on {conversation}", now=created)
    if claimed:
        esc.claim(db, case.id, "nurse-li", now=created)
    if closed_at:
        esc.close(db, case.id, "nurse-li", now=closed_at)
    if erased_at:
        with db.session() as session, session.begin():
            session.get(Escalation, case.id).erased_at = erased_at
    return case.id


def _session(connection, sender: str, start: float, messages: int) -> None:
    _event(connection, sender, "action", start)  # action_session_start
    _event(connection, sender, "session_started", start + 1)
    for number in range(messages):
        _event(connection, sender, "user", start + 2 + number)


def _event(connection, sender: str, kind: str, at: float) -> None:
    event = {"action": lambda: ActionExecuted("action_session_start", timestamp=at),
             "session_started": lambda: SessionStarted(timestamp=at),
             "user": lambda: UserUttered("hello", {"name": "greet", "confidence": 1.0},
                                         timestamp=at)}[kind]()
    connection.execute(insert(EVENTS).values(sender_id=sender, type_name=kind, timestamp=at,
                                             data=json.dumps(event.as_dict())))


def left(db: Database) -> dict[str, list[str]]:
    """Which conversations still have rows, per table (Rasa's: per row)."""
    with db.engine.connect() as connection:
        found = {name: sorted(connection.execute(select(
            model.sender_id if model is AssessmentRecord else model.conversation_id)).scalars())
                 for name, model in TABLES.items() if model is not CaseEntry}
        found["case_entries"] = sorted(connection.execute(select(CaseEntry.text)).scalars())
        found["events"] = sorted(connection.execute(select(EVENTS.c.sender_id)).scalars())
    return found


def audits(db: Database) -> list[AuditEntry]:
    return [entry for entry in esc.audit_entries(db) if entry.action == "retention"]


EXPECTED_LEFT = {
    "assessments": ["rest:a-new", "rest:c-active"],
    "checkins": ["rest:k-new-sent", "rest:k-old-scheduled", "rest:k-old-sending"],
    # c-active's newest (old) consent governs its new assessment; c-open-case's its open case.
    "consents": ["rest:c-active", "rest:c-chatting", "rest:c-new", "rest:c-open-case"],
    "escalations": ["erased-new", "rest:c-open-case", "rest:e-claimed-old", "rest:e-closed-new"],
    "case_entries": ["note on rest:c-open-case", "note on rest:e-claimed-old",
                     "note on rest:e-closed-new", "note on rest:e-erased-new"],
    "webchat_outbox": ["rest:o-new"],
    "events": ["rest:c-chatting"] + ["rest:ev-active"] * 4 + ["rest:ev-new"] * 4
              + ["rest:ev-nosession"] * 2,
}


def _rename_tombstone(db: Database) -> None:
    """The erased cases' conversation id as erasure leaves it."""
    with db.session() as session, session.begin():
        for case in session.scalars(select(Escalation).where(
                Escalation.conversation_id.like("rest:e-erased-%"))):
            case.conversation_id = "erased-" + case.conversation_id.split("-")[-1]


# ----- the function --------------------------------------------------------------------------

def test_exactly_the_older_rows_go(db):
    seed(db)
    _rename_tombstone(db)
    domain = Domain.empty()
    store = SQLTrackerStore(domain, host=db.url)
    current = asyncio.run(store._retrieve("rest:ev-active", False))
    store.engine.dispose()

    report = apply_retention(db, tracker_url=db.url, days=DAYS, now=NOW)

    assert left(db) == EXPECTED_LEFT
    assert report == RetentionReport(CUTOFF, False, assessments=1, checkins=2, consents=2,
                                     cases=2, case_entries=2, outbox_messages=1, events=16)
    # Rasa finds the same current session, so its count-based save adds nothing twice.
    with db.engine.connect() as connection:
        rows = connection.execute(select(EVENTS.c.data).where(
            EVENTS.c.sender_id == "rest:ev-active").order_by(EVENTS.c.id)).scalars().all()
    assert [json.loads(row)["timestamp"] for row in rows] == [
        event.timestamp for event in current.events]
    [entry] = audits(db)
    assert entry.actor == "retention" and entry.escalation_id is None
    assert entry.detail.startswith(f"cutoff {CUTOFF.date().isoformat()}: assessments 1, ")
    assert "conversation events (Rasa) 16" in entry.detail
    assert [e.action for e in esc.audit_entries(db)].count("view") == 6  # the log is kept


def test_a_dry_run_deletes_nothing_and_counts_the_same(db):
    seed(db)
    before = left(db)
    dry = apply_retention(db, tracker_url=db.url, days=DAYS, now=NOW, dry_run=True)
    assert left(db) == before and audits(db) == []
    real = apply_retention(db, tracker_url=db.url, days=DAYS, now=NOW)
    assert dry.counts() == real.counts() and dry.dry_run and not real.dry_run
    assert "dry run: nothing was deleted" in dry.lines()[0]


def test_a_second_run_finds_nothing(db):
    seed(db)
    apply_retention(db, tracker_url=db.url, days=DAYS, now=NOW)
    after_first = left(db)
    again = apply_retention(db, tracker_url=db.url, days=DAYS, now=NOW)
    assert left(db) == after_first
    assert set(again.counts().values()) == {0}
    assert len(audits(db)) == 2


def test_rasas_store_in_a_file_of_its_own(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'ours.db'}")
    db.migrate()
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(tracker)
    with engine.begin() as connection:
        EVENTS.create(connection)
        _session(connection, "rest:x", OLD.timestamp() - 100, 2)
        _session(connection, "rest:y", NEW.timestamp(), 2)
    report = apply_retention(db, tracker_url=tracker, days=DAYS, now=NOW)
    assert report.events == 4
    with engine.connect() as connection:
        assert set(connection.execute(select(EVENTS.c.sender_id)).scalars()) == {"rest:y"}
    engine.dispose()
    missing = tmp_path / "never-ran.db"
    assert apply_retention(db, tracker_url=f"sqlite:///{missing}", days=DAYS,
                           now=NOW).events is None
    assert not missing.exists()  # no empty tracker file is made
    db.engine.dispose()


def test_the_period_is_at_least_a_day(db):
    with pytest.raises(ValueError):
        apply_retention(db, tracker_url=None, days=0, now=NOW)


# ----- the command ---------------------------------------------------------------------------

@pytest.mark.parametrize("days", ["0", "-3", "abc", "1.5", ""])
def test_a_bad_period_is_refused_clearly(days, capsys):
    assert main(["privacy", "retention", "--days", days]) == 2
    assert "--days must be a whole number of days, at least 1" in capsys.readouterr().err


def test_a_bad_retention_days_setting_is_refused_clearly(monkeypatch, capsys):
    monkeypatch.setenv("RETENTION_DAYS", "ninety")
    assert main(["privacy", "retention"]) == 2
    assert "RETENTION_DAYS must be a whole number" in capsys.readouterr().err


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT),
                   "SQLALCHEMY_SILENCE_UBER_WARNING": "1", **env}
    environment.pop("RASA_TRACKER_DB", None)
    return subprocess.run([sys.executable, "-m", "bot.cli", "privacy", "retention", *args],
                          cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
                          timeout=120)


def test_an_unreachable_database_is_one_line_and_exit_1(tmp_path):
    done = cli({"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
                "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 't.db'}"})
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("Cannot use the database: ")
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_command_deletes_and_says_what(db):
    now = datetime.now(timezone.utc)
    seed(db, now)
    env = {"DATABASE_URL": db.url, "TRACKER_STORE_URL": db.url}
    dry = cli(env, "--days", str(DAYS), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Would delete everything from before" in dry.stdout and audits(db) == []
    done = cli({**env, "RETENTION_DAYS": str(DAYS)})
    assert done.returncode == 0, done.stderr
    assert re.search(r"assessments +1\n", done.stdout)
    assert re.search(r"conversation events \(Rasa\) +16\n", done.stdout)
    assert len(audits(db)) == 1


def counts_in(output: str) -> dict[str, int]:
    return {label.strip(): int(count)
            for label, count in re.findall(r"^  (.+?) +(\d+)$", output, re.MULTILINE)}


def test_two_runs_at_once_never_both_delete(db):
    now = datetime.now(timezone.utc)
    seed(db, now)
    env = {"DATABASE_URL": db.url, "TRACKER_STORE_URL": db.url}
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env}
    environment.pop("RASA_TRACKER_DB", None)
    command = [sys.executable, "-m", "bot.cli", "privacy", "retention", "--days", str(DAYS)]
    runs = [subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    deleted = [counts_in(out) for out, _ in outputs]
    busy = ["another retention run is in progress" in out for out, _ in outputs]
    # One deleted everything; the other waited and found nothing, or found the lock taken.
    assert sum(d.get("assessments", 0) for d in deleted) == 1
    assert sum(d.get("conversation events (Rasa)", 0) for d in deleted) == 16
    assert len(audits(db)) == 2 - sum(busy)
    exp = dict(EXPECTED_LEFT, escalations=sorted(
        ["rest:c-open-case", "rest:e-claimed-old", "rest:e-closed-new", "rest:e-erased-new"]))
    assert left(db) == exp


def test_a_run_while_another_holds_the_lock_does_nothing(db):
    if not db.url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's; SQLite runs queue for the write lock")
    seed(db, datetime.now(timezone.utc))
    before = left(db)
    with db.engine.connect() as connection, connection.begin():
        assert connection.execute(text(
            "SELECT pg_try_advisory_xact_lock("
            "hashtext('bot.privacy.retention:' || current_schema()))")).scalar()
        done = cli({"DATABASE_URL": db.url, "TRACKER_STORE_URL": db.url}, "--days", str(DAYS))
    assert done.returncode == 0, done.stderr
    assert "another retention run is in progress" in done.stdout
    assert left(db) == before and audits(db) == []
