"""Run each message once, even when its sender delivers it again.

Telegram's and WeChat's servers, and our own gateways, retry when an answer is late. A
retry of a message still being processed waits for the first run's result; a retry
of a finished one gets that result again. Keys are kept for `ttl` seconds (WeChat
retries within 15 s; our gateways back off for a few minutes).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable


class OnceOnly:
    def __init__(self, ttl: float = 600.0, max_keys: int = 10_000) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self._runs: OrderedDict[str, tuple[float, asyncio.Future]] = OrderedDict()

    def seen(self, key: str) -> bool:
        self._forget_old()
        return key in self._runs

    async def run(self, key: str | None, work: Callable[[], Awaitable[Any]]) -> Any:
        """The result of `work()`, run only the first time `key` is seen (always if None)."""
        if key is None:
            return await work()
        self._forget_old()
        if key in self._runs:
            return await asyncio.shield(self._runs[key][1])
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._runs[key] = (time.monotonic(), future)
        try:
            result = await work()
        except BaseException as error:
            # A failed run is not "done": forget it so the sender's retry runs again.
            self._runs.pop(key, None)
            if not future.done():
                future.set_exception(error)
                future.exception()  # retrieved: no "never retrieved" warning
            raise
        future.set_result(result)
        return result

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - self.ttl
        while self._runs:
            key, (started, future) = next(iter(self._runs.items()))
            if (started >= cutoff or not future.done()) and len(self._runs) <= self.max_keys:
                break
            self._runs.popitem(last=False)
