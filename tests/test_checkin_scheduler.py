"""The check-in scheduler against a real local HTTP server standing in for Rasa's HTTP API
(it checks the token and, like the bot's check-in action, delivers a check-in only once),
a real SQLite tracker store with Rasa's `events` table, and fixed clocks. Also
`python -m bot.checkins` as the process `make run` starts."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select

from bot.checkins import store
from bot.checkins.scheduler import CheckInScheduler
from bot.handoff.escalations import escalate
from bot.handoff.rasa_api import RasaApi
from bot.storage import Database
from bot.storage.models import CheckIn

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-token-123"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
CONV = "telegram:42"
WECHAT = "wechat:oAbC123"


class FakeRasa:
    """Rasa's `GET /status` and `POST /conversations/{id}/execute`: records each call; with
    `db`, runs the check-in action's once-only gate as the real bot does."""

    def __init__(self, db: Database | None = None, port: int = 0, delay: float = 0.0) -> None:
        self.db, self.delay = db, delay
        self.triggers: list[tuple[str, dict]] = []
        self.checkin_ids: list[int] = []  # the claimed check-in of each call's conversation
        self.delivered: list[int] = []
        self.refused = 0
        self.fail = False  # answer every execute with 500
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.start(port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int | None = None) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                if parts.path != "/status":
                    return self._answer(404, {})
                ok = parse_qs(parts.query).get("token") == [TOKEN]
                self._answer(200 if ok else 401, {"model_file": "m.tar.gz"} if ok else {})

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                path = parts.path.split("/")
                if query.get("token") != [TOKEN]:
                    with fake.lock:
                        fake.refused += 1
                    return self._answer(401, {"message": "User is not authenticated."})
                if (len(path) != 4 or path[1] != "conversations" or path[3] != "execute"
                        or query.get("output_channel") != ["latest"]):
                    return self._answer(404, {})
                if fake.fail:
                    return self._answer(500, {"message": "action server unreachable"})
                time.sleep(fake.delay)
                with fake.lock:
                    fake.triggers.append((unquote(path[2]), body))
                if fake.db is not None:
                    with fake.db.session() as session:  # what action_checkin looks up
                        claimed = session.scalars(select(CheckIn.id).where(
                            CheckIn.conversation_id == unquote(path[2]),
                            CheckIn.status == "sending")).first()
                    with fake.lock:
                        fake.checkin_ids.append(claimed)
                    checkin = store.claim_delivery(fake.db, claimed, NOW) if claimed else None
                    if checkin is not None:
                        with fake.lock:
                            fake.delivered.append(checkin.id)
                self._answer(200, {"tracker": {"sender_id": unquote(path[2])}})

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port if port is not None else self.port),
                                          Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'assistant.db'}")
    database.migrate()
    yield database
    database.engine.dispose()


@pytest.fixture
def rasa(db):
    fake = FakeRasa(db)
    yield fake
    fake.stop()


@pytest.fixture
def tracker(tmp_path):
    """Rasa's SQL tracker store (the columns we read are Rasa's own)."""
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table events (id integer primary key, sender_id varchar(255) "
                           "not null, type_name varchar(255) not null, timestamp float, "
                           "intent_name varchar(255), action_name varchar(255), data text)")
    return path


def said(tracker: Path, conversation_id: str, at: datetime) -> None:
    """The person wrote at `at` (and the bot answered, which must not count)."""
    with sqlite3.connect(tracker) as connection:
        for kind, moment in [("user", at), ("bot", at + timedelta(hours=1))]:
            connection.execute("insert into events (sender_id, type_name, timestamp, data) "
                               "values (?, ?, ?, '{}')",
                               (conversation_id, kind, moment.timestamp()))


def due(db: Database, conversation_id: str = CONV, channel: str = "telegram",
        **kwargs) -> CheckIn:
    return store.schedule(db, conversation_id=conversation_id, channel=channel,
                          now=NOW - timedelta(hours=4), hours=4, **kwargs)


def status(db: Database, checkin: CheckIn) -> tuple:
    with db.session() as session:
        row = session.get(CheckIn, checkin.id)
        return row.status, row.detail


async def run(db: Database, rasa: FakeRasa, clock: Clock, tracker: Path | None,
              rounds: int = 1, token: str = TOKEN, worker: str = "w1") -> list[dict[str, int]]:
    api = RasaApi(rasa.url, token, timeout=5)
    scheduler = CheckInScheduler(db, api, clock=clock, worker_id=worker,
                                 tracker_url=f"sqlite:///{tracker}" if tracker else None)
    try:
        return [await scheduler.run_once() for _ in range(rounds)]
    finally:
        await api.close()


def test_nothing_is_sent_before_it_is_due(db, rasa, tracker):
    store.schedule(db, conversation_id=CONV, channel="telegram", now=NOW, hours=4)
    counts = asyncio.run(run(db, rasa, Clock(NOW + timedelta(hours=3, minutes=59)), tracker))
    assert counts == [{"sent": 0, "missed": 0, "retried": 0}]
    assert rasa.triggers == []


def test_a_due_check_in_is_triggered_once_however_often_it_runs(db, rasa, tracker, caplog):
    checkin = due(db)
    said(tracker, CONV, NOW - timedelta(hours=5))
    with caplog.at_level(logging.DEBUG):
        counts = asyncio.run(run(db, rasa, Clock(NOW), tracker, rounds=2))
    assert counts == [{"sent": 1, "missed": 0, "retried": 0},
                      {"sent": 0, "missed": 0, "retried": 0}]
    assert rasa.triggers == [(CONV, {"name": "action_checkin"})]
    assert rasa.checkin_ids == [checkin.id]
    assert rasa.delivered == [checkin.id] and rasa.refused == 0
    assert status(db, checkin) == ("sent", None)
    # Privacy: our lines carry check-in ids, never the conversation (the process also
    # silences httpx's request lines, which carry it: see the process tests).
    ours = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert f"ids [{checkin.id}]" in ours and "42" not in ours


def test_a_wrong_token_is_refused_and_the_check_in_retried(db, rasa, tracker):
    checkin = due(db)
    counts = asyncio.run(run(db, rasa, Clock(NOW), tracker, token="wrong"))
    assert counts == [{"sent": 0, "missed": 0, "retried": 1}]
    assert rasa.refused == 1 and rasa.triggers == []
    assert status(db, checkin) == ("scheduled", None)


def test_two_schedulers_at_once_trigger_each_check_in_once(db, tracker, tmp_path):
    checkins = [due(db, f"telegram:{n}") for n in range(8)]
    rasa = FakeRasa(db, delay=0.05)
    second_db = Database(db.url)  # another process's connections to the same database

    async def both():
        return await asyncio.gather(run(db, rasa, Clock(NOW), tracker, worker="a"),
                                    run(second_db, rasa, Clock(NOW), tracker, worker="b"))

    try:
        [[a], [b]] = asyncio.run(both())
    finally:
        rasa.stop()
        second_db.engine.dispose()
    assert a["sent"] + b["sent"] == 8
    ids = sorted(rasa.checkin_ids)
    assert ids == sorted(c.id for c in checkins)
    assert sorted(rasa.delivered) == ids


def test_nothing_is_claimed_while_rasa_is_down_and_it_is_sent_once_back(db, rasa, tracker):
    checkin = due(db)
    rasa.stop()
    clock = Clock(NOW)
    assert asyncio.run(run(db, rasa, clock, tracker)) == [{"sent": 0, "missed": 0, "retried": 0}]
    with db.session() as session:
        row = session.get(CheckIn, checkin.id)
        assert (row.status, row.due_at, row.attempts) == ("scheduled", NOW, 0)
    rasa.start()  # back, on the same port, on the same (fixed) clock
    assert asyncio.run(run(db, rasa, clock, tracker))[0]["sent"] == 1
    assert rasa.checkin_ids == [checkin.id]
    assert status(db, checkin) == ("sent", None)


def test_a_failed_call_releases_it_and_a_later_run_sends_it(db, rasa, tracker):
    checkin = due(db)
    rasa.fail = True  # Rasa answers 500 (e.g. the action server is down)
    clock = Clock(NOW)
    assert asyncio.run(run(db, rasa, clock, tracker)) == [{"sent": 0, "missed": 0, "retried": 1}]
    with db.session() as session:
        row = session.get(CheckIn, checkin.id)
        assert (row.status, row.due_at, row.attempts) == ("scheduled", NOW + timedelta(seconds=60), 1)
    rasa.fail = False
    clock.at = NOW + timedelta(seconds=30)
    assert asyncio.run(run(db, rasa, clock, tracker))[0]["sent"] == 0  # not before the retry
    clock.at = NOW + timedelta(seconds=61)
    assert asyncio.run(run(db, rasa, clock, tracker))[0]["sent"] == 1
    assert rasa.checkin_ids == [checkin.id]
    assert status(db, checkin) == ("sent", None)


def test_someone_writing_right_now_is_not_interrupted(db, rasa, tracker):
    checkin = due(db)
    said(tracker, CONV, NOW - timedelta(minutes=5))
    clock = Clock(NOW)
    assert asyncio.run(run(db, rasa, clock, tracker))[0]["retried"] == 1
    assert rasa.triggers == []
    assert store.pending(db, CONV)[0].due_at == NOW + timedelta(minutes=30)
    clock.at = NOW + timedelta(minutes=31)
    assert asyncio.run(run(db, rasa, clock, tracker))[0]["sent"] == 1
    assert status(db, checkin) == ("sent", None)


@pytest.mark.parametrize("hours_ago, sent", [(49, False), (47, True)])
def test_wechat_only_within_48_hours_of_the_last_message(db, rasa, tracker, hours_ago, sent):
    checkin = due(db, WECHAT, "wechat", daily_until=NOW + timedelta(days=3))
    said(tracker, WECHAT, NOW - timedelta(hours=hours_ago))
    [counts] = asyncio.run(run(db, rasa, Clock(NOW), tracker))
    if sent:
        assert counts["sent"] == 1 and len(rasa.triggers) == 1
        assert status(db, checkin) == ("sent", None)
        assert len(store.pending(db, WECHAT)) == 1  # the series goes on
    else:
        assert counts["missed"] == 1 and rasa.triggers == []
        assert status(db, checkin) == ("missed", "wechat_window")
        assert store.pending(db, WECHAT) == []  # and it ends: WeChat would refuse them all


def test_wechat_with_an_unreadable_tracker_store_is_not_attempted(db, rasa, tmp_path):
    checkin = due(db, WECHAT, "wechat")
    telegram = due(db)
    missing = tmp_path / "no-such-tracker.db"
    [counts] = asyncio.run(run(db, rasa, Clock(NOW), missing))
    assert counts == {"sent": 1, "missed": 1, "retried": 0}
    assert status(db, checkin) == ("missed", "wechat_window")
    assert status(db, telegram) == ("sent", None)
    assert not missing.exists()  # read-only: never created


def test_a_conversation_with_staff_is_not_interrupted(db, rasa, tracker):
    checkin = due(db)
    escalate(db, conversation_id=CONV, channel="telegram", reason="asked_for_human", now=NOW)
    [counts] = asyncio.run(run(db, rasa, Clock(NOW), tracker))
    assert counts["missed"] == 1 and rasa.triggers == []
    assert status(db, checkin) == ("missed", "with_staff")


# ----- the process -------------------------------------------------------------------------

def process_env(db: Database, rasa: FakeRasa, tracker: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": db.url, "RASA_URL": rasa.url, "RASA_API_TOKEN": TOKEN,
            "RASA_TRACKER_DB": str(tracker), "ASSISTANT_FIXED_TIME": NOW.isoformat(),
            "PYTHONPATH": str(ROOT), **extra}


def test_the_process_sends_due_check_ins_once(db, rasa, tracker):
    checkin = due(db)
    later = store.schedule(db, conversation_id="telegram:7", channel="telegram", now=NOW,
                           hours=1)
    done = subprocess.run([sys.executable, "-m", "bot.checkins", "--once"], cwd=ROOT,
                          env=process_env(db, rasa, tracker), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert rasa.checkin_ids == [checkin.id]
    assert status(db, checkin) == ("sent", None) and status(db, later) == ("scheduled", None)
    assert CONV not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_the_looping_process_stops_cleanly_on_sigterm(db, rasa, tracker):
    checkin = due(db)
    process = subprocess.Popen([sys.executable, "-m", "bot.checkins"], cwd=ROOT,
                               env=process_env(db, rasa, tracker, CHECKIN_POLL_SECONDS="0.2"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not rasa.triggers and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert rasa.triggers, "the scheduler never sent the due check-in"
        time.sleep(0.5)  # a few idle rounds
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err and CONV not in err + out
    assert len(rasa.triggers) == 1 and status(db, checkin) == ("sent", None)
