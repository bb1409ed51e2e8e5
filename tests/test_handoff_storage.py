"""Escalations (cases) and staff accounts, on SQLite and on PostgreSQL.

PostgreSQL runs in a schema of its own, made for this module and dropped after it, so
these tests never touch anyone else's rows (nor Rasa's `events`) in the shared database.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from bot.handoff import escalations as esc
from bot.handoff import staff
from bot.storage import Database
from bot.storage.models import AssessmentRecord
from tests.fixtures.databases import postgres_schema

OUR_TABLES = ("case_entries", "escalations", "audit_log", "staff_users", "webchat_outbox",
              "assessments")
T0 = datetime(2024, 3, 10, 9, 0, tzinfo=timezone.utc)  # a fixed clock
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def postgres_database():
    with postgres_schema() as url:
        database = Database(url)
        database.migrate()
        yield database
        database.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'assistant.db'}")
        database.migrate()
        yield database
        database.engine.dispose()
        return
    database = request.getfixturevalue("postgres_database")
    with database.engine.begin() as connection:
        for table in OUR_TABLES:
            connection.execute(text(f"delete from {table}"))
    yield database


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    """Cheap argon2 parameters: the lockout tests hash a dozen times (real ones: ~0.3 s each)."""
    monkeypatch.setattr(staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                         parallelism=1))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _case(db, conversation="c1", reason="fever_clinic", minutes=0, **kwargs):
    return esc.escalate(db, conversation_id=conversation, channel="telegram", reason=reason,
                        now=T0 + timedelta(minutes=minutes), **kwargs)


# ----- escalations --------------------------------------------------------------------

def test_a_conversation_has_one_open_case_whose_priority_only_rises(db):
    assessment = {"route": "online_specialist", "facts": {"fever": True}, "rules": ["R-O1"]}
    first = _case(db, reason="online_specialist", route="online_specialist",
                  assessment=assessment)
    assert (first.status, first.priority, first.reason) == ("open", 3, "online_specialist")

    raised = _case(db, reason="emergency", route="emergency", minutes=1)
    assert raised.id == first.id
    assert (raised.priority, raised.reason, raised.route) == (1, "emergency", "emergency")
    assert raised.assessment == assessment  # kept when the new reason brings none

    lowered = _case(db, reason="not_understood", minutes=2)
    assert lowered.id == first.id
    assert (lowered.priority, lowered.reason, lowered.route) == (1, "emergency", "emergency")
    assert _aware(lowered.created_at) == T0  # the case's age is from its first reason
    assert [c.id for c in esc.list_cases(db)] == [first.id]
    assert esc.open_case(db, "c1").id == first.id and esc.open_case(db, "other") is None


def test_an_unknown_reason_is_refused(db):
    with pytest.raises(ValueError):
        _case(db, reason="bored")
    assert esc.list_cases(db) == []


def test_a_closed_case_leaves_room_for_a_new_one(db):
    first = _case(db)
    esc.close(db, first.id, "nurse-li", now=T0 + timedelta(minutes=5))
    second = _case(db, reason="not_understood", minutes=10)
    assert second.id != first.id and second.priority == esc.PRIORITY["not_understood"]
    assert esc.open_case(db, "c1").id == second.id


def test_only_some_reasons_pause_the_bot(db):
    assert _case(db, "a", reason="emergency").paused is False
    assert _case(db, "b", reason="not_understood").paused is False
    assert _case(db, "c", reason="asked_for_human").paused is True
    assert _case(db, "d", reason="online_specialist").paused is True
    # a pause stays when a more urgent reason follows
    assert _case(db, "c", reason="emergency").paused is True
    # and a pausing reason pauses an open case that was not paused
    assert _case(db, "b", reason="asked_for_human").paused is True


def test_cases_are_listed_most_urgent_first_then_oldest_first(db):
    low = _case(db, "low", reason="not_understood", minutes=0)
    clinic_late = _case(db, "clinic-late", reason="fever_clinic", route="fever_clinic",
                        minutes=20)
    clinic_early = _case(db, "clinic-early", reason="fever_clinic", route="fever_clinic",
                         minutes=10)
    crisis = _case(db, "crisis", reason="crisis", minutes=30)
    online = _case(db, "online", reason="online_specialist", route="online_specialist",
                   minutes=5)
    order = [crisis.id, clinic_early.id, clinic_late.id, online.id, low.id]
    assert [c.id for c in esc.list_cases(db)] == order

    esc.claim(db, clinic_late.id, "nurse-li")
    esc.close(db, online.id, "nurse-li")
    assert [c.id for c in esc.list_cases(db)] == [crisis.id, clinic_early.id, clinic_late.id,
                                                  low.id]
    assert [c.id for c in esc.list_cases(db, statuses=["closed"])] == [online.id]
    assert [c.id for c in esc.list_cases(db, statuses=["claimed"])] == [clinic_late.id]
    assert [c.id for c in esc.list_cases(db, statuses=esc.STATUSES)] == order
    assert [c.id for c in esc.list_cases(db, route="fever_clinic")] == [clinic_early.id,
                                                                         clinic_late.id]
    window = esc.list_cases(db, statuses=esc.STATUSES, since=T0 + timedelta(minutes=5),
                            until=T0 + timedelta(minutes=20))
    assert [c.id for c in window] == [clinic_early.id, online.id]  # since included, until not


def test_time_filters_work_in_any_time_zone(db):
    _case(db, "early", minutes=0)
    late = _case(db, "late", minutes=60)
    beijing = timezone(timedelta(hours=8))
    since = (T0 + timedelta(minutes=30)).astimezone(beijing)  # 17:30+08:00 is 09:30 UTC
    # SQLite keeps only wall-clock times: models.UTCDateTime stores UTC.
    assert [c.id for c in esc.list_cases(db, since=since)] == [late.id]


def test_claim_note_reply_and_close(db):
    case = _case(db)
    claimed = esc.claim(db, case.id, "nurse-li", now=T0 + timedelta(minutes=1))
    assert (claimed.status, claimed.claimed_by) == ("claimed", "nurse-li")
    assert _aware(claimed.claimed_at) == T0 + timedelta(minutes=1)
    assert esc.open_case(db, "c1").id == case.id  # claimed is still open

    esc.add_note(db, case.id, "nurse-li", "  Called, no answer.  ", now=T0 + timedelta(minutes=2))
    assert esc.get_case(db, case.id).first_reply_at is None  # a note is not a reply
    esc.add_reply(db, case.id, "nurse-li", "Please go to the fever clinic today.",
                  now=T0 + timedelta(minutes=3))
    esc.add_reply(db, case.id, "dr-wang", "Bring your ID card.", now=T0 + timedelta(minutes=9))
    assert _aware(esc.get_case(db, case.id).first_reply_at) == T0 + timedelta(minutes=3)

    entries = esc.entries(db, case.id)
    assert [(e.kind, e.author, e.text) for e in entries] == [
        ("note", "nurse-li", "Called, no answer."),
        ("reply", "nurse-li", "Please go to the fever clinic today."),
        ("reply", "dr-wang", "Bring your ID card.")]

    closed = esc.close(db, case.id, "dr-wang", now=T0 + timedelta(minutes=10))
    assert (closed.status, closed.closed_by) == ("closed", "dr-wang")
    assert _aware(closed.closed_at) == T0 + timedelta(minutes=10)
    assert esc.open_case(db, "c1") is None
    for change in (lambda: esc.claim(db, case.id, "x"),
                   lambda: esc.add_note(db, case.id, "x", "late note"),
                   lambda: esc.add_reply(db, case.id, "x", "late reply"),
                   lambda: esc.close(db, case.id, "x")):
        with pytest.raises(esc.CaseError, match="closed"):
            change()
    assert len(esc.entries(db, case.id)) == 3
    assert esc.get_case(db, case.id).closed_by == "dr-wang"


def test_entries_must_have_text_of_a_sane_length_and_a_case(db):
    case = _case(db)
    with pytest.raises(esc.CaseError, match="Write something"):
        esc.add_note(db, case.id, "nurse-li", "   ")
    with pytest.raises(esc.CaseError, match="too long"):
        esc.add_reply(db, case.id, "nurse-li", "x" * (esc.MAX_TEXT + 1))
    esc.add_reply(db, case.id, "nurse-li", "x" * esc.MAX_TEXT)
    with pytest.raises(esc.CaseError, match="no such case"):
        esc.add_note(db, case.id + 1000, "nurse-li", "hello")
    with pytest.raises(esc.CaseError, match="no such case"):
        esc.claim(db, case.id + 1000, "nurse-li")
    assert esc.get_case(db, case.id + 1000) is None


def test_counts_per_status_and_open_cases_per_reason(db):
    assert esc.counts(db) == {"open": 0, "claimed": 0, "closed": 0}
    _case(db, "a", reason="emergency")
    _case(db, "b", reason="emergency")
    claimed = _case(db, "c", reason="asked_for_human")
    closed = _case(db, "d", reason="emergency")
    esc.claim(db, claimed.id, "nurse-li")
    esc.close(db, closed.id, "nurse-li")
    assert esc.counts(db) == {"open": 2, "claimed": 1, "closed": 1,
                              "open_emergency": 2, "open_asked_for_human": 1}


def test_median_time_to_the_first_reply(db):
    assert esc.median_first_reply(db) is None
    for minutes_to_reply, conversation in [(10, "a"), (30, "b"), (50, "c")]:
        case = _case(db, conversation)
        esc.add_reply(db, case.id, "nurse-li", "Hello",
                      now=T0 + timedelta(minutes=minutes_to_reply))
        esc.add_reply(db, case.id, "nurse-li", "Later", now=T0 + timedelta(hours=5))
    _case(db, "no-reply-yet")
    assert esc.median_first_reply(db) == timedelta(minutes=30)


def test_assessments_per_day_with_a_fixed_clock(db):
    now = datetime(2024, 3, 10, 12, 0, tzinfo=timezone.utc)
    rows = [(datetime(2024, 3, 10, 0, 0, tzinfo=timezone.utc), "self_care"),
            (datetime(2024, 3, 10, 11, 59, tzinfo=timezone.utc), "self_care"),
            (datetime(2024, 3, 9, 23, 59, tzinfo=timezone.utc), "fever_clinic"),
            (datetime(2024, 3, 8, 6, 0, tzinfo=timezone.utc), "emergency"),
            (datetime(2024, 3, 7, 23, 59, tzinfo=timezone.utc), "self_care")]  # too old
    with db.session() as session, session.begin():
        for created, route in rows:
            session.add(AssessmentRecord(sender_id="s", channel="rest", facts={}, route=route,
                                         rules=[], reasons=[], protocol_version="1.2.0",
                                         created_at=created))
    per_day = esc.assessments_per_day(db, days=3, now=now)
    assert per_day == {"2024-03-08": {"emergency": 1},
                       "2024-03-09": {"fever_clinic": 1},
                       "2024-03-10": {"self_care": 2}}
    assert list(esc.assessments_per_day(db, now=now)) == [
        (now.date() - timedelta(days=13 - i)).isoformat() for i in range(14)]


def test_the_outbox_gives_a_conversation_its_messages_after_an_id(db):
    assert esc.outbox_after(db, "web-1", 0) == []
    esc.push_outbox(db, "web-1", {"text": "A nurse: hello", "custom": {"staff": True}})
    esc.push_outbox(db, "web-2", {"text": "someone else"})
    esc.push_outbox(db, "web-1", {"text": "second"})
    messages = esc.outbox_after(db, "web-1", 0)
    assert [m.message for m in messages] == [
        {"text": "A nurse: hello", "custom": {"staff": True}}, {"text": "second"}]
    assert [m.message["text"] for m in esc.outbox_after(db, "web-1", messages[0].id)] == ["second"]
    assert esc.outbox_after(db, "web-1", messages[-1].id) == []


def test_the_audit_log(db):
    case = _case(db)
    esc.audit(db, "nurse-li", "login", now=T0)
    esc.audit(db, "nurse-li", "claim", case.id, now=T0 + timedelta(minutes=1))
    esc.audit(db, "nurse-li", "reply", case.id, "x" * 300, now=T0 + timedelta(minutes=2))
    esc.audit(db, "nurse-li", "logout", detail="", now=T0 + timedelta(minutes=3))
    newest_first = esc.audit_entries(db)
    assert [e.action for e in newest_first] == ["logout", "reply", "claim", "login"]
    assert newest_first[0].detail is None
    assert len(newest_first[1].detail) == 255
    assert _aware(newest_first[1].at) == T0 + timedelta(minutes=2)
    assert [e.action for e in esc.audit_entries(db, case.id)] == ["reply", "claim"]
    assert [e.action for e in esc.audit_entries(db, limit=1)] == ["logout"]


# ----- staff accounts -----------------------------------------------------------------

@pytest.mark.parametrize("username, password, role, message", [
    ("a", PASSWORD, "nurse", "username"),
    ("has space", PASSWORD, "nurse", "username"),
    ("-dash-first", PASSWORD, "nurse", "username"),
    ("x" * 65, PASSWORD, "nurse", "username"),
    ("alice", PASSWORD, "janitor", "role"),
    ("alice", "short", "nurse", "at least 10"),
])
def test_a_bad_account_is_refused(db, username, password, role, message):
    with pytest.raises(staff.StaffError, match=message):
        staff.add_staff(db, username, password, role)
    assert staff.list_staff(db) == []


def test_accounts_are_added_with_lowercase_names_and_no_duplicates(db):
    user = staff.add_staff(db, " Alice ", PASSWORD, "nurse")
    assert (user.username, user.role, user.failed_logins) == ("alice", "nurse", 0)
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2")
    with pytest.raises(staff.StaffError, match="already"):
        staff.add_staff(db, "ALICE", "another password", "doctor")
    staff.add_staff(db, "dr.wang_2", PASSWORD, "doctor")
    assert [(u.username, u.role) for u in staff.list_staff(db)] == [("alice", "nurse"),
                                                                    ("dr.wang_2", "doctor")]
    assert staff.find_staff(db, "ALICE").username == "alice"
    assert staff.find_staff(db, "bob") is None


def test_authenticate_right_wrong_and_unknown(db):
    staff.add_staff(db, "alice", PASSWORD, "nurse")
    wrong = staff.authenticate(db, "alice", "wrong password", now=T0)
    assert wrong.user is None and wrong.locked_until is None
    assert staff.find_staff(db, "alice").failed_logins == 1

    right = staff.authenticate(db, " ALICE", PASSWORD, now=T0 + timedelta(minutes=1))
    assert right.user.username == "alice" and right.locked_until is None
    stored = staff.find_staff(db, "alice")
    assert stored.failed_logins == 0
    assert _aware(stored.last_login_at) == T0 + timedelta(minutes=1)

    unknown = staff.authenticate(db, "mallory", PASSWORD, now=T0)
    assert unknown.user is None and unknown.locked_until is None


def test_five_failures_lock_the_account_for_fifteen_minutes(db):
    staff.add_staff(db, "alice", PASSWORD, "nurse")
    for attempt in range(staff.MAX_FAILED_LOGINS - 1):
        assert staff.authenticate(db, "alice", "wrong", now=T0) == staff.Login(None)
    locked = staff.authenticate(db, "alice", "wrong", now=T0)
    assert locked.user is None and locked.locked_until == T0 + staff.LOCKOUT

    # even the right password is refused while locked, and says until when
    almost = staff.authenticate(db, "alice", PASSWORD, now=T0 + timedelta(minutes=14, seconds=59))
    assert almost.user is None and almost.locked_until == T0 + staff.LOCKOUT

    after = staff.authenticate(db, "alice", PASSWORD, now=T0 + staff.LOCKOUT + timedelta(seconds=1))
    assert after.user is not None and after.locked_until is None
    assert staff.find_staff(db, "alice").locked_until is None

    # the count starts again: one more failure does not lock
    again = staff.authenticate(db, "alice", "wrong", now=T0 + timedelta(minutes=20))
    assert again == staff.Login(None)


def test_a_new_password_unlocks_the_account(db):
    staff.add_staff(db, "alice", PASSWORD, "nurse")
    for attempt in range(staff.MAX_FAILED_LOGINS):
        staff.authenticate(db, "alice", "wrong", now=T0)
    assert staff.authenticate(db, "alice", PASSWORD, now=T0).locked_until is not None

    with pytest.raises(staff.StaffError, match="at least 10"):
        staff.set_password(db, "alice", "short")
    with pytest.raises(staff.StaffError, match="no staff account"):
        staff.set_password(db, "bob", "a new long password")
    staff.set_password(db, "ALICE", "a new long password")
    stored = staff.find_staff(db, "alice")
    assert (stored.failed_logins, stored.locked_until) == (0, None)

    soon = T0 + timedelta(minutes=1)
    assert staff.authenticate(db, "alice", PASSWORD, now=soon).user is None  # the old one
    assert staff.authenticate(db, "alice", "a new long password", now=soon).user is not None
