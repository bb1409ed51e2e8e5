"""What the staff console asks of the Rasa server, through its HTTP API (token-protected).

The transcript is read from Rasa's tracker store through the API, never written there
directly; staff replies and the end of a handoff go through the API too, so Rasa
delivers them on the person's own channel (`output_channel=latest`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from bot.settings import api_token, rasa_url


class RasaApiError(RuntimeError):
    """Rasa did not do what was asked; the message is fit to show staff."""


class RasaApi:
    def __init__(self, base_url: str | None = None, token: str | None = None,
                 timeout: float = 30.0) -> None:
        self.base = (base_url or rasa_url()).rstrip("/")
        self._token = token or api_token()
        self._http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._http.aclose()

    async def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every event of the conversation (all sessions), oldest first."""
        answer = await self._call("GET", conversation_id, "tracker",
                                  params={"include_events": "ALL"})
        return answer.get("events") or []

    async def send_staff_reply(self, conversation_id: str, text: str, staff: str) -> None:
        """Recorded in the conversation and delivered on the person's channel."""
        await self._call("POST", conversation_id, "tracker/events",
                         params={"output_channel": "latest", "execute_side_effects": "true"},
                         json=[{"event": "bot", "text": text,
                                "metadata": {"staff": staff}}])

    async def end_handoff(self, conversation_id: str) -> None:
        """Staff closed the case: the bot takes the conversation back and says so, on the
        person's channel (nothing happens if the bot was not waiting for staff)."""
        await self._call("POST", conversation_id, "execute",
                         params={"output_channel": "latest"},
                         json={"name": "action_handoff_resumed"})

    async def execute(self, conversation_id: str, action: str) -> None:
        """Rasa runs `action` in the conversation (a due check-in, say); what it says goes
        out on the person's last channel."""
        await self._call("POST", conversation_id, "execute",
                         params={"output_channel": "latest"}, json={"name": action})

    async def ready(self) -> bool:
        """False while the server is unreachable or still loading its model. A refused
        token counts as ready: the call that follows fails and says why."""
        try:
            answer = await self._http.get(f"{self.base}/status", params={"token": self._token})
        except httpx.HTTPError:
            return False
        return answer.status_code in {200, 401, 403}

    async def _call(self, method: str, conversation_id: str, path: str,
                    params: dict[str, str], json: Any = None) -> dict[str, Any]:
        # Rasa does not decode %3A: keep the channel prefix's colon as it is.
        url = f"{self.base}/conversations/{quote(conversation_id, safe=':')}/{path}"
        try:
            answer = await self._http.request(method, url, json=json,
                                              params={**params, "token": self._token})
        except httpx.HTTPError as error:
            raise RasaApiError("The assistant's server cannot be reached right now; "
                               "please try again in a minute.") from error
        if answer.status_code >= 400:
            raise RasaApiError(f"The assistant's server refused this (HTTP {answer.status_code}).")
        return answer.json() if answer.content else {}
