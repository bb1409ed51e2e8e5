"""The scale-out switch for real: `RASA_SERVERS=2 make run` on this machine's PostgreSQL and
Redis, and one conversation whose turns go to the two Rasa servers in turn (then two at
the same moment, one to each). Nothing may be lost or duplicated, and the triage must end
on the right route, as on one server."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.processes import free_ports_in_a_row, wait_until_up
from tests.fixtures.assistant import API_TOKEN, start_assistant
from tests.fixtures.databases import postgres_schema

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as error:  # noqa: BLE001 - any connection failure
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


def say(server: str, sender: str, message: str) -> list[dict]:
    request = urllib.request.Request(
        f"{server}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())


def payload(replies: list[dict], title: str) -> str:
    for reply in replies:
        for button in reply.get("buttons") or []:
            if button["title"] == title:
                return button["payload"]
    raise AssertionError(f"no button {title!r} in {replies}")


def events_of(rasa_url: str, conversation: str) -> list[dict]:
    quoted = urllib.parse.quote(conversation, safe=":")
    with urllib.request.urlopen(f"{rasa_url}/conversations/{quoted}/tracker?token={API_TOKEN}"
                                f"&include_events=ALL", timeout=30) as answer:
        return json.loads(answer.read())["events"]


@pytest.fixture(scope="module")
def two_servers(model_path, tmp_path_factory):
    redis_url = require_redis()
    port = free_ports_in_a_row(3)
    with postgres_schema() as database, start_assistant(
            tmp_path_factory.mktemp("two-servers"),
            {"RASA_SERVERS": "2", "DATABASE_URL": database, "REDIS_URL": redis_url,
             "RASA_PORT": str(port)}) as assistant:
        servers = [f"http://127.0.0.1:{port + 1}", f"http://127.0.0.1:{port + 2}"]
        for server in servers:  # the balancer answers as soon as one of them does
            assert wait_until_up(f"{server}/status?token={API_TOKEN}", [assistant.process], 300)
        yield assistant, servers


def test_one_conversation_across_two_servers_loses_and_duplicates_nothing(two_servers):
    assistant, servers = two_servers
    sender = f"two-servers-{uuid.uuid4().hex[:8]}"
    conversation = f"rest:{sender}"
    sent, received = [], []

    def turn(number: int, message: str) -> list[dict]:
        replies = say(servers[number % 2], sender, message)
        sent.append(message)
        received.extend(texts(replies))
        return replies

    replies = turn(0, "I've had a fever of 101F for 3 days and my coworker just tested positive")
    replies = turn(1, payload(replies, "I agree"))
    assert any((r.get("custom") or {}).get("ask") for r in replies)  # the danger-sign question
    replies = turn(2, payload(replies, "None of these"))
    triage = next(r["custom"]["triage"] for r in replies if "triage" in (r.get("custom") or {}))
    assert triage["route"] == "fever_clinic" and triage["rules"][0] == "R-F1"
    assert triage["facts"]["fever_days"] == 3 and triage["facts"]["contact_confirmed_case"]

    # Two turns at the same moment, one to each server: Redis's lock makes them take turns.
    together = ["how long is the incubation period?", "thanks"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda n: say(servers[n], sender, together[n]), [0, 1]))
    assert all(answers), answers
    sent += together

    events = events_of(assistant.rasa_url, conversation)  # through the balancer
    user_texts = [e["text"] for e in events if e["event"] == "user"]
    assert user_texts[:3] == sent[:3]
    assert sorted(user_texts[3:]) == sorted(together)  # each once, in whichever order
    bot_texts = [e["text"] for e in events if e["event"] == "bot" and e.get("text")]
    for concurrent in answers:
        received.extend(texts(concurrent))
    # Every reply anybody received is stored, once; nothing is stored that nobody received.
    assert sorted(bot_texts) == sorted(received)
    stamps = [(e["event"], e.get("timestamp"), e.get("name"), e.get("text")) for e in events]
    assert len(stamps) == len(set(stamps)), "an event was stored twice"
    # The two simultaneous turns did not interleave: each one's replies follow it at once.
    said = [(e["event"], e["text"]) for e in events if e["event"] in {"user", "bot"}
            and e.get("text")]
    first, second = [n for n, (kind, _) in enumerate(said) if kind == "user"][-2:]
    order = [together.index(said[first][1]), together.index(said[second][1])]
    assert [t for _, t in said[first + 1:second]] == texts(answers[order[0]])
    assert [t for _, t in said[second + 1:]] == texts(answers[order[1]])


def texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if r.get("text")]


def test_the_balancer_answers_on_the_usual_port(two_servers):
    assistant, _ = two_servers
    replies = say(assistant.rasa_url, f"balanced-{uuid.uuid4().hex[:8]}", "my lips look blue")
    assert next(r["custom"]["triage"]["route"] for r in replies
                if "triage" in (r.get("custom") or {})) == "emergency"
    assert "Rasa servers:            2" in assistant.output()


def test_both_servers_record_into_postgresql(two_servers):
    from sqlalchemy import create_engine, text

    assistant, servers = two_servers
    sender = f"stored-{uuid.uuid4().hex[:8]}"
    for server in servers:
        say(server, sender, "hi")
    engine = create_engine(assistant.env["DATABASE_URL"])
    with engine.connect() as connection:
        count = connection.execute(
            text("select count(*) from events where sender_id = :s and type_name = 'user'"),
            {"s": f"rest:{sender}"}).scalar()
    engine.dispose()
    assert count == 2
    assert not (assistant.data / "tracker.db").exists()  # no SQLite history on the side
