"""The check-ins table: scheduling and cancelling, claiming due rows so that two
schedulers never both take one (also two threads racing on PostgreSQL), the lease, the
once-only delivery gate, answers, and daily series. On SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from bot.checkins import store
from bot.storage import Database
from bot.storage.models import CheckIn
from tests.fixtures.databases import database_url

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
CONV = "telegram:42"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.migrate()
    yield database
    database.engine.dispose()


def rows(db: Database, conversation_id: str = CONV) -> list[CheckIn]:
    with db.session() as session:
        return list(session.scalars(select(CheckIn)
                                    .where(CheckIn.conversation_id == conversation_id)
                                    .order_by(CheckIn.id)))


def due_now(db: Database, conversation_id: str = CONV, **kwargs) -> CheckIn:
    return store.schedule(db, conversation_id=conversation_id, channel="telegram",
                          now=NOW - 5 * HOUR, hours=4, **kwargs)


# ----- the bot's side ----------------------------------------------------------------------

def test_schedule_replaces_what_was_still_to_come(db):
    first = store.schedule(db, conversation_id=CONV, channel="telegram", now=NOW, hours=4)
    assert (first.kind, first.status, first.due_at) == ("once", "scheduled", NOW + 4 * HOUR)
    second = store.schedule(db, conversation_id=CONV, channel="telegram", now=NOW, hours=8,
                            daily_until=NOW + 3 * DAY)
    assert [c.id for c in store.pending(db, CONV)] == [second.id]
    assert (second.kind, second.series_until) == ("daily", NOW + 3 * DAY)
    old = rows(db)[0]
    assert (old.status, old.detail) == ("cancelled", "replaced")
    assert store.pending(db, "telegram:other") == []


def test_cancel_all_stops_scheduled_and_claimed_but_undelivered_ones(db):
    due_now(db)
    due_now(db, "telegram:7")
    store.claim_due(db, NOW, "w1", 300)  # both now "sending", neither delivered
    store.claim_delivery(db, rows(db, "telegram:7")[0].id, NOW)
    assert store.cancel_all(db, CONV, now=NOW) == 1
    assert store.cancel_all(db, "telegram:7", now=NOW) == 0  # delivered: too late to cancel
    assert store.cancel_all(db, CONV, now=NOW) == 0
    assert (rows(db)[0].status, rows(db)[0].detail) == ("cancelled", "stopped")
    assert store.pending(db, CONV) == []
    assert store.claim_delivery(db, rows(db)[0].id, NOW) is None  # the action stays silent


def test_pending_is_by_due_time(db):
    later = store.schedule(db, conversation_id=CONV, channel="web", now=NOW, hours=9)
    with db.session() as session, session.begin():  # an older row the bot did not replace
        session.add(CheckIn(conversation_id=CONV, channel="web", kind="once", status="scheduled",
                            due_at=NOW + HOUR, created_at=NOW))
    assert [c.due_at for c in store.pending(db, CONV)] == [NOW + HOUR, later.due_at]


def test_claim_delivery_wins_once_only(db):
    checkin = due_now(db)
    won = store.claim_delivery(db, checkin.id, NOW)
    assert won is not None and won.id == checkin.id and won.sent_at == NOW
    assert store.claim_delivery(db, checkin.id, NOW + HOUR) is None
    assert store.claim_delivery(db, 999999, NOW) is None
    assert store.last_sent(db, CONV).id == checkin.id


def test_an_answer_goes_to_the_latest_sent_check_in(db):
    assert store.record_answer(db, CONV, "better", NOW) is None  # nothing sent yet
    checkin = due_now(db)
    [claimed] = store.claim_due(db, NOW, "w1", 300)
    store.claim_delivery(db, checkin.id, NOW)
    assert store.mark_sent(db, claimed, NOW)
    answered = store.record_answer(db, CONV, "worse", NOW + HOUR)
    assert (answered.id, answered.status, answered.answer, answered.answered_at) == (
        checkin.id, "answered", "worse", NOW + HOUR)
    with pytest.raises(ValueError):
        store.record_answer(db, CONV, "fine I guess", NOW)


# ----- claiming ----------------------------------------------------------------------------

def test_claim_due_takes_only_due_rows(db):
    due = due_now(db)
    later = store.schedule(db, conversation_id="telegram:7", channel="telegram", now=NOW,
                           hours=1)
    claimed = store.claim_due(db, NOW, "w1", 300)
    assert [c.id for c in claimed] == [due.id]
    assert (claimed[0].status, claimed[0].claimed_by, claimed[0].claimed_at,
            claimed[0].attempts) == ("sending", "w1", NOW, 1)
    assert store.claim_due(db, NOW, "w1", 300) == []  # already claimed
    # An hour on, the other one is due; the first is still held (a lease of two hours).
    assert [c.id for c in store.claim_due(db, NOW + HOUR, "w1", 7200)] == [later.id]


def test_two_workers_claiming_the_same_rows_each_get_a_row_once(db):
    for number in range(6):
        due_now(db, f"telegram:{number}")
    first = store.claim_due(db, NOW, "w1", 300, limit=4)
    second = store.claim_due(db, NOW, "w2", 300)
    assert len(first) == 4 and len(second) == 2
    assert not {c.id for c in first} & {c.id for c in second}


def test_a_worker_that_read_a_row_before_another_claimed_it_loses(db_url, db):
    """w2 has read the row as due; w1 claims it just before w2's UPDATE runs."""
    checkin = due_now(db)
    w2, other = Database(db_url), Database(db_url)
    fired: list[int] = []

    @event.listens_for(w2.engine, "before_cursor_execute")
    def w1_first(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE") and not fired:
            fired.extend(c.id for c in store.claim_due(other, NOW, "w1", 300))

    try:
        assert store.claim_due(w2, NOW, "w2", 300) == []
    finally:
        w2.engine.dispose()
        other.engine.dispose()
    assert fired == [checkin.id]
    assert (rows(db)[0].claimed_by, rows(db)[0].attempts) == ("w1", 1)


def test_two_threads_race_with_their_own_connections(db_url, db):
    for number in range(40):
        due_now(db, f"telegram:{number}")
    workers = [Database(db_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    claimed: dict[str, list[int]] = {}

    def work(name: str, database: Database) -> None:
        barrier.wait()
        got: list[int] = []
        while batch := store.claim_due(database, NOW, name, 300, limit=5):
            got += [c.id for c in batch]
        claimed[name] = got

    threads = [threading.Thread(target=work, args=(f"w{n}", database))
               for n, database in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for database in workers:
        database.engine.dispose()
    every = claimed["w0"] + claimed["w1"]
    assert len(every) == 40 and len(set(every)) == 40  # each row claimed, and only once
    with db.session() as session:
        assert set(session.scalars(select(CheckIn.attempts))) == {1}


def test_a_claim_whose_lease_expired_is_taken_over(db):
    checkin = due_now(db)
    [lost] = store.claim_due(db, NOW, "w1", 300)
    assert store.claim_due(db, NOW + timedelta(seconds=299), "w2", 300) == []
    [taken] = store.claim_due(db, NOW + timedelta(seconds=301), "w2", 300)
    assert (taken.id, taken.claimed_by, taken.attempts) == (checkin.id, "w2", 2)
    assert not store.mark_sent(db, lost, NOW)  # the dead worker's claim no longer holds
    assert store.mark_sent(db, taken, NOW + timedelta(seconds=302))
    assert rows(db)[0].status == "sent"


def test_release_puts_it_back_and_gives_up_after_twelve_attempts(db):
    due_now(db)
    at = NOW
    for attempt in range(1, store.MAX_ATTEMPTS):
        [checkin] = store.claim_due(db, at, "w1", 300)
        assert checkin.attempts == attempt
        assert store.release(db, checkin, at, at + timedelta(minutes=1)) == "scheduled"
        assert store.claim_due(db, at, "w1", 300) == []  # not before retry_at
        at += timedelta(minutes=1)
    [checkin] = store.claim_due(db, at, "w1", 300)
    assert store.release(db, checkin, at, at + timedelta(minutes=1)) == "missed"
    assert (rows(db)[0].status, rows(db)[0].detail) == ("missed", "undeliverable")


def test_a_check_in_cancelled_while_it_was_being_sent_stays_cancelled(db):
    due_now(db)
    [checkin] = store.claim_due(db, NOW, "w1", 300)
    store.cancel_all(db, CONV, now=NOW)
    assert not store.mark_sent(db, checkin, NOW)
    assert rows(db)[0].status == "cancelled"


# ----- daily series ------------------------------------------------------------------------

def test_a_daily_series_writes_the_next_day_and_stops_after_series_until(db):
    first = due_now(db, daily_until=NOW + 2 * DAY + HOUR)
    at = first.due_at
    sent = []
    for _ in range(5):
        claimed = store.claim_due(db, at, "w1", 300)
        for checkin in claimed:
            assert store.mark_sent(db, checkin, at)
            sent.append(checkin.due_at)
        at += DAY
    assert sent == [first.due_at, first.due_at + DAY, first.due_at + 2 * DAY]
    assert [c.status for c in rows(db)] == ["sent"] * 3
    assert store.pending(db, CONV) == []


def test_a_daily_series_goes_on_after_a_miss_but_ends_at_the_wechat_window(db):
    first = due_now(db, daily_until=NOW + 5 * DAY)
    [checkin] = store.claim_due(db, first.due_at, "w1", 300)
    assert store.mark_missed(db, checkin, first.due_at, "with_staff")
    [next_day] = store.pending(db, CONV)
    assert next_day.due_at == first.due_at + DAY
    [checkin] = store.claim_due(db, next_day.due_at, "w1", 300)
    assert store.mark_missed(db, checkin, next_day.due_at, "wechat_window")
    assert store.pending(db, CONV) == []
    assert [(c.status, c.detail) for c in rows(db)] == [("missed", "with_staff"),
                                                         ("missed", "wechat_window")]


def test_a_daily_series_replaced_while_sending_does_not_fork(db):
    first = due_now(db, daily_until=NOW + 5 * DAY)
    [checkin] = store.claim_due(db, first.due_at, "w1", 300)
    store.claim_delivery(db, checkin.id, first.due_at)  # delivered, not yet marked
    newer = store.schedule(db, conversation_id=CONV, channel="telegram", now=first.due_at,
                           hours=24)
    assert store.mark_sent(db, checkin, first.due_at)
    assert [c.id for c in store.pending(db, CONV)] == [newer.id]
