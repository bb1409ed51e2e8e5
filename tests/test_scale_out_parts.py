"""The parts of the scale-out switch that need no model: the balancer in front of several
Rasa servers (real HTTP servers stand in for them), the Redis lock store's URL, and
`make run`'s refusals of a cluster it cannot start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from aiohttp import ClientSession, web

from bot.balancer import create_app
from bot.processes import free_port
from bot.settings import PROJECT_ROOT
from bot.storage.lock_store import RedisUrlLockStore, redis_settings


async def serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def upstream(name: str, seen: list) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        seen.append((name, request.method, request.path_qs, await request.text(),
                     request.headers.get("Authorization")))
        return web.json_response({"server": name}, status=201, headers={"X-From": name})

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", handle)
    return app


async def two_servers_behind_a_balancer(seen: list) -> tuple[list[int], list]:
    """Stand-ins "a" and "b" and a balancer in front of them (ports[2])."""
    ports = [free_port(), free_port(), free_port()]
    runners = [await serve(upstream("a", seen), ports[0]),
               await serve(upstream("b", seen), ports[1]),
               await serve(create_app([f"http://127.0.0.1:{ports[0]}",
                                       f"http://127.0.0.1:{ports[1]}"]), ports[2])]
    return ports, runners


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


def test_the_balancer_takes_turns_and_passes_everything_through():
    """Rasa's HTTP API calls go to the servers in turn, with path, query, body, headers and
    status passed through unchanged."""
    async def scenario():
        seen: list = []
        ports, runners = await two_servers_behind_a_balancer(seen)
        try:
            async with ClientSession() as client:
                answers = []
                for n in range(4):
                    async with client.post(
                            f"http://127.0.0.1:{ports[2]}/conversations/c/messages?token=t{n}",
                            json={"message": f"m{n}"},
                            headers={"Authorization": "Bearer x"}) as answer:
                        answers.append((answer.status, answer.headers["X-From"],
                                        await answer.json()))
        finally:
            for runner in runners:
                await runner.cleanup()
        return seen, answers

    seen, answers = run(scenario())
    assert [server for _, server, _ in answers] == ["a", "b", "a", "b"]
    assert all(status == 201 for status, _, _ in answers)
    assert seen[1] == ("b", "POST", "/conversations/c/messages?token=t1", '{"message": "m1"}',
                       "Bearer x")


def test_a_server_that_is_down_is_skipped_and_none_up_is_a_clear_503():
    async def scenario():
        seen: list = []
        up, down, balancer = free_port(), free_port(), free_port()
        runners = [await serve(upstream("up", seen), up),
                   await serve(create_app([f"http://127.0.0.1:{down}",
                                           f"http://127.0.0.1:{up}"]), balancer)]
        only_down = free_port()
        runners.append(await serve(create_app([f"http://127.0.0.1:{down}"]), only_down))
        try:
            async with ClientSession() as client:
                statuses = []
                for _ in range(3):
                    async with client.get(f"http://127.0.0.1:{balancer}/status") as answer:
                        statuses.append(answer.status)
                async with client.get(f"http://127.0.0.1:{only_down}/status") as answer:
                    none_up = (answer.status, await answer.json())
        finally:
            for runner in runners:
                await runner.cleanup()
        return statuses, seen, none_up

    statuses, seen, none_up = run(scenario())
    assert statuses == [201, 201, 201] and len(seen) == 3
    assert none_up[0] == 503 and "No Rasa server is available" in none_up[1]["error"]


def test_redis_urls():
    assert redis_settings("redis://127.0.0.1:6379/2") == {
        "host": "127.0.0.1", "port": 6379, "db": 2, "username": None, "password": None,
        "use_ssl": False}
    settings = redis_settings("rediss://user:p%40ss@cache.internal/0")
    assert settings["password"] == "p@ss" and settings["use_ssl"] and settings["port"] == 6379
    for bad in ["127.0.0.1:6379", "http://cache/0", "redis://cache/zero"]:
        with pytest.raises(ValueError, match="REDIS_URL"):
            redis_settings(bad)


def test_the_lock_store_is_built_from_an_endpoint_config_and_reaches_redis():
    from rasa.utils.endpoints import EndpointConfig

    store = RedisUrlLockStore(EndpointConfig(url="redis://127.0.0.1:6379/0",
                                             type="bot.storage.lock_store.RedisUrlLockStore",
                                             key_prefix="scaleouttest"))
    assert store.key_prefix == "scaleouttest:lock:"
    try:
        store.red.ping()
    except Exception as error:  # noqa: BLE001 - any connection failure
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at 127.0.0.1:6379: {error}")
        pytest.skip(f"Redis is not reachable: {error}")
    lock = store.create_lock("conversation-1")
    store.save_lock(lock)
    assert store.get_lock("conversation-1").conversation_id == "conversation-1"
    store.delete_lock("conversation-1")
    assert store.get_lock("conversation-1") is None


@pytest.mark.parametrize("env, says", [
    ({"RASA_SERVERS": "two"}, "RASA_SERVERS must be a whole number"),
    ({"RASA_SERVERS": "2"}, "share conversations through PostgreSQL"),
    ({"RASA_SERVERS": "2", "DATABASE_URL": "postgresql://127.0.0.1:5432/test",
      "REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must look like redis://"),
])
def test_make_run_refuses_a_cluster_it_cannot_start(tmp_path, env, says):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
           "PYTHONPATH": str(PROJECT_ROOT), **env}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_SERVERS": "2",
           "DATABASE_URL": f"postgresql://someone:hunter2@127.0.0.1:{free_port()}/nothing"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Cannot reach the database" in result.stderr and "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr and "someone:***@127.0.0.1" in result.stderr


def test_an_unreachable_redis_is_named_before_anything_starts(tmp_path):
    from tests.fixtures.databases import postgres_schema

    with postgres_schema() as database:
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_SERVERS": "2",
               "DATABASE_URL": database, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
        result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env,
                                cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Cannot reach Redis at redis://127.0.0.1:" in result.stderr


def test_a_retried_message_reaches_the_server_that_has_it():
    """The same channel message sent again (a gateway's or WeChat's retry) goes to the
    same server, whose once-only guard answers it once; other messages spread out."""
    async def scenario():
        seen: list = []
        ports, runners = await two_servers_behind_a_balancer(seen)
        url = f"http://127.0.0.1:{ports[2]}/webhooks/telegram/webhook"
        try:
            async with ClientSession() as client:
                async def send(body: str) -> str:
                    async with client.post(url, data=body) as answer:
                        return answer.headers["X-From"]

                retried = [await send('{"message_id": 7, "text": "hi"}') for _ in range(4)]
                spread = {await send(f'{{"message_id": {n}, "text": "hi"}}') for n in range(20)}
        finally:
            for runner in runners:
                await runner.cleanup()
        return retried, spread

    retried, spread = run(scenario())
    assert len(set(retried)) == 1
    assert spread == {"a", "b"}


def test_servers_asking_for_one_conversation_at_once_get_different_tickets():
    """Rasa's own RedisLockStore gives two servers asking at the same moment the same
    ticket (read, change, write back); ours changes a lock in one Redis transaction."""
    import threading
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from rasa.utils.endpoints import EndpointConfig

    prefix = f"ticketrace{uuid.uuid4().hex[:8]}"
    servers = [RedisUrlLockStore(EndpointConfig(url="redis://127.0.0.1:6379/0",
                                                type="x", key_prefix=prefix))
               for _ in range(12)]
    try:
        servers[0].red.ping()
    except Exception as error:  # noqa: BLE001 - any connection failure
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at 127.0.0.1:6379: {error}")
        pytest.skip(f"Redis is not reachable: {error}")
    together = threading.Barrier(len(servers))

    def take_ticket(server: RedisUrlLockStore) -> int:
        together.wait()
        return server.issue_ticket("one-conversation")

    for _ in range(5):
        with ThreadPoolExecutor(len(servers)) as pool:
            tickets = list(pool.map(take_ticket, servers))
        assert len(set(tickets)) == len(servers), tickets
        lock = servers[0].get_lock("one-conversation")
        assert sorted(t.number for t in lock.tickets) == sorted(tickets)
        assert lock.now_serving == min(tickets)  # exactly one server goes ahead
        for server, ticket in zip(servers, tickets):
            server.cleanup("one-conversation", ticket)
        assert servers[0].get_lock("one-conversation") is None  # the last one deleted it
