"""The load generator: N people at once, each playing complete conversations
(bench/conversations.py) through the REST channel, one turn after the reply to the last.

Per level it reports turn latency (p50, p95, p99, max), messages per second, errors
(a failed request, an HTTP error or a timeout) and, where the assistant says which route
it chose, how many conversations ended on a route other than the expected one.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from dataclasses import dataclass, field

import aiohttp

from bench.conversations import PEOPLE, PRESS

TURN_TIMEOUT = aiohttp.ClientTimeout(total=180)


@dataclass
class LevelResult:
    people: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    conversations: int = 0
    wrong_routes: int = 0
    wrong_route_examples: dict[str, str | None] = field(default_factory=dict)
    buttons_missing: int = 0

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    def summary(self) -> dict:
        ordered = sorted(self.latencies_ms)
        return {
            "people": self.people,
            "turns": len(ordered),
            "seconds": round(self.seconds, 1),
            "messages_per_s": round(len(ordered) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": percentile(ordered, 50),
            "p95_ms": percentile(ordered, 95),
            "p99_ms": percentile(ordered, 99),
            "max_ms": round(ordered[-1], 1) if ordered else None,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "conversations_finished": self.conversations,
            "wrong_routes": self.wrong_routes,
            "wrong_route_examples": self.wrong_route_examples,
            "buttons_missing": self.buttons_missing,
        }


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of sorted samples."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def message_for(step: tuple[str, str], replies: list[dict], result: LevelResult) -> str:
    kind, value = step
    if kind != PRESS:
        return value
    for reply in replies:
        for button in reply.get("buttons") or []:
            if button.get("title", "").lower() == value.lower():
                return button["payload"]
    result.buttons_missing += 1
    return value  # typed instead, as a person would


def route_of(replies: list[dict]) -> str | None:
    for reply in replies:
        triage = (reply.get("custom") or {}).get("triage")
        if isinstance(triage, dict):
            return triage.get("route")
    return None


async def play(session: aiohttp.ClientSession, url: str, person: dict, sender: str,
               result: LevelResult, deadline: float, check_routes: bool) -> None:
    replies: list[dict] = []
    route = None
    for step in person["steps"]:
        if time.monotonic() >= deadline:
            return  # the level is over: no new turn is started
        message = message_for(step, replies, result)
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": message}) as answer:
                body = await answer.json(content_type=None) if answer.status == 200 else None
                status = answer.status
        except asyncio.TimeoutError:
            result.error("timeout")
            return
        except (aiohttp.ClientError, ValueError) as error:
            result.error(type(error).__name__)
            return
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        if status != 200 or not isinstance(body, list):
            result.error(f"HTTP {status}")
            return
        replies = body
        route = route_of(replies) or route
    result.conversations += 1
    if check_routes and route != person["route"]:
        result.wrong_routes += 1
        result.wrong_route_examples[person["name"]] = route


async def run_level(url: str, people: int, seconds: float, run_id: str,
                    check_routes: bool) -> dict:
    """`people` concurrent people for `seconds`; turns under way at the end are finished."""
    result = LevelResult(people)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=TURN_TIMEOUT, connector=connector) as session:
        started = time.monotonic()
        deadline = started + seconds

        async def person_loop(number: int) -> None:
            for round_ in itertools.count():
                if time.monotonic() >= deadline:
                    return
                person = PEOPLE[(number + round_) % len(PEOPLE)]
                sender = f"bench-{run_id}-{people}-{number}-{round_}"
                await play(session, url, person, sender, result, deadline, check_routes)

        await asyncio.gather(*(person_loop(n) for n in range(people)))
        result.seconds = time.monotonic() - started
    return result.summary()


async def warm_up(url: str, run_id: str) -> float:
    """One whole conversation (the model's first turns are slow); its first turn's ms."""
    result = LevelResult(1)
    async with aiohttp.ClientSession(timeout=TURN_TIMEOUT) as session:
        await play(session, url, PEOPLE[2], f"bench-{run_id}-warmup", result,
                   time.monotonic() + 600, check_routes=False)
    return round(result.latencies_ms[0], 1) if result.latencies_ms else None
