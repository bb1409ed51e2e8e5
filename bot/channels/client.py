"""How our gateways (Telegram, web app) talk to the Rasa server's gateway channels."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Iterable

import httpx

from bot.settings import channel_token, rasa_url

logger = logging.getLogger(__name__)

# Waits between attempts while Rasa is down or slow: about 15 minutes in all.
RETRY_DELAYS = (1, 2, 4, 8, 15, 30, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60)


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, overloaded): worth trying again."""


class RasaRefused(Exception):
    """Rasa refused the message itself (4xx): trying again will not help."""


class RasaClient:
    def __init__(self, channel: str, base_url: str | None = None, token: str | None = None,
                 timeout: float = 30.0) -> None:
        self.url = f"{(base_url or rasa_url()).rstrip('/')}/webhooks/{channel}/webhook"
        self._token = token or channel_token()
        self._http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._http.aclose()

    async def send(self, sender: str, *, message: str | None = None, payload: str | None = None,
                   message_id: str | None = None,
                   metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One attempt; the bot's replies."""
        body: dict[str, Any] = {"sender": sender}
        body.update({"payload": payload} if payload is not None else {"message": message or ""})
        if message_id is not None:
            body["message_id"] = message_id
        if metadata:
            body["metadata"] = metadata
        try:
            answer = await self._http.post(
                self.url, json=body, headers={"Authorization": f"Bearer {self._token}"})
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        if answer.status_code >= 500 or answer.status_code in (404, 408, 429):
            # 404: Rasa is up but still loading its channels' routes.
            raise RasaUnavailable(f"HTTP {answer.status_code}")
        if answer.status_code >= 400:
            raise RasaRefused(answer.text[:200])
        return answer.json()

    async def send_with_retries(self, sender: str, *, message: str | None = None,
                                payload: str | None = None, message_id: str,
                                metadata: dict[str, Any] | None = None,
                                on_first_failure: Callable[[], Awaitable[None]] | None = None,
                                delays: Iterable[float] = RETRY_DELAYS) -> list[dict[str, Any]]:
        """Keep trying while Rasa is unavailable; `message_id` makes retries safe (Rasa
        processes a message id once). Calls `on_first_failure` once, to apologise."""
        waits = iter(delays)
        failed_before = False
        while True:
            try:
                return await self.send(sender, message=message, payload=payload,
                                       message_id=message_id, metadata=metadata)
            except RasaUnavailable as error:
                wait = next(waits, None)
                if wait is None:
                    raise
                logger.warning("Rasa unavailable (%s); retrying in %ss", error, wait)
                if not failed_before and on_first_failure is not None:
                    failed_before = True
                    await on_first_failure()
                await asyncio.sleep(wait)
