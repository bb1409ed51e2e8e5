"""A local stand-in for Telegram's Bot API: a real HTTP server speaking the methods our
gateway uses, so the real python-telegram-bot client runs against it unchanged.

Tests play the person's side (`user_says`, `press`, `send`) and read what the bot did
(`sent`, `wait_for`). Bots are told apart by token, so several gateways can share it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from bot.processes import free_port

TOKEN = "123456:TEST-token-not-a-secret"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Fever triage", "username": "fever_triage_bot"}


class FakeTelegram:
    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": f"{self.base_url}/bot"}
        self._changed = threading.Condition()
        self._ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        with self._changed:
            self.updates: dict[str, list[dict]] = {}   # token -> pending updates
            self.calls: list[tuple[str, str, dict]] = []  # (token, method, parameters)
            self.messages: dict[int, dict] = {}        # message_id -> message the bot sent
            self.webhooks: dict[str, dict] = {}        # token -> setWebhook parameters
            self._changed.notify_all()

    # --- the server ---------------------------------------------------------------------
    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer()

            def do_GET(self) -> None:  # noqa: N802
                self._answer()

            def _answer(self) -> None:
                path = urllib.parse.urlsplit(self.path)
                parts = path.path.strip("/").split("/")
                if len(parts) != 2 or not parts[0].startswith("bot"):
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                token, method = parts[0][3:], parts[1]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                parameters = _parameters(self.headers.get("Content-Type", ""), body, path.query)
                status, result = fake._call(token, method, parameters)
                self._reply(status, result)

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a long poll at shutdown)

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _call(self, token: str, method: str, p: dict) -> tuple[int, dict]:
        with self._changed:
            self.calls.append((token, method, p))
            self._changed.notify_all()
        handler = getattr(self, f"_method_{method}", None)
        if handler is None:
            return 400, {"ok": False, "error_code": 400, "description": f"unknown method {method}"}
        return 200, {"ok": True, "result": handler(token, p)}

    # --- Bot API methods ----------------------------------------------------------------
    def _method_getMe(self, token: str, p: dict) -> dict:  # noqa: N802
        return BOT_USER

    def _method_getUpdates(self, token: str, p: dict) -> list:  # noqa: N802
        offset = int(p.get("offset") or 0)
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), 2.0)
        with self._changed:
            while True:
                queue = self.updates.setdefault(token, [])
                queue[:] = [u for u in queue if u["update_id"] >= offset]  # confirmed
                if queue or time.monotonic() >= deadline:
                    return list(queue[: int(p.get("limit") or 100)])
                self._changed.wait(timeout=max(0.0, deadline - time.monotonic()))

    def _method_sendMessage(self, token: str, p: dict) -> dict:  # noqa: N802
        message = {"message_id": next(self._ids), "date": int(time.time()),
                   "chat": {"id": int(p["chat_id"]), "type": "private"}, "from": BOT_USER,
                   "text": p.get("text", "")}
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        with self._changed:
            self.messages[message["message_id"]] = message
        return message

    def _method_editMessageText(self, token: str, p: dict) -> dict:  # noqa: N802
        with self._changed:
            message = self.messages[int(p["message_id"])]
            message["text"] = p["text"]
            message.pop("reply_markup", None)
            if p.get("reply_markup"):
                message["reply_markup"] = p["reply_markup"]
            return message

    def _method_editMessageReplyMarkup(self, token: str, p: dict) -> dict:  # noqa: N802
        with self._changed:
            message = self.messages[int(p["message_id"])]
            message.pop("reply_markup", None)
            return message

    def _method_setWebhook(self, token: str, p: dict) -> bool:  # noqa: N802
        self.webhooks[token] = p
        return True

    def _method_deleteWebhook(self, token: str, p: dict) -> bool:  # noqa: N802
        self.webhooks.pop(token, None)
        return True

    def _method_getWebhookInfo(self, token: str, p: dict) -> dict:  # noqa: N802
        hook = self.webhooks.get(token, {})
        return {"url": hook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    def _accept(self, token: str, p: dict) -> bool:
        return True

    _method_answerCallbackQuery = _accept
    _method_sendChatAction = _accept
    _method_setMyCommands = _accept
    _method_close = _accept
    _method_logOut = _accept

    # --- the person's side ----------------------------------------------------------------
    def next_update_id(self) -> int:
        return next(self._ids)

    def send(self, update: dict, token: str = TOKEN) -> dict:
        """Queue a raw update for getUpdates (update_id added when missing)."""
        update = {"update_id": self.next_update_id(), **update}
        with self._changed:
            self.updates.setdefault(token, []).append(update)
            self._changed.notify_all()
        return update

    def message_update(self, chat_id: int, text: str | None = None, chat_type: str = "private",
                       **content: Any) -> dict:
        message = {"message_id": next(self._ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": chat_type,
                            **({"title": "Family"} if chat_type != "private" else {})},
                   "from": {"id": abs(chat_id), "is_bot": False, "first_name": "Pat"}, **content}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"message": message}

    def user_says(self, chat_id: int, text: str, token: str = TOKEN, **kwargs: Any) -> dict:
        return self.send(self.message_update(chat_id, text, **kwargs), token)

    def press(self, chat_id: int, message: dict, title: str, token: str = TOKEN) -> dict:
        """Press the inline button titled `title` on a message the bot sent."""
        rows = message["reply_markup"]["inline_keyboard"]
        button = next(b for row in rows for b in row if b["text"] == title)
        query = {"id": str(next(self._ids)), "chat_instance": "1", "data": button["callback_data"],
                 "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
                 "message": {**message, "chat": {"id": chat_id, "type": "private"}}}
        return self.send({"callback_query": query}, token)

    # --- what the bot did -------------------------------------------------------------------
    def sent(self, chat_id: int, token: str = TOKEN) -> list[dict]:
        """Every sendMessage to `chat_id`, in order, as the bot sent it."""
        with self._changed:
            return [p for t, m, p in self.calls
                    if t == token and m == "sendMessage" and int(p["chat_id"]) == chat_id]

    def bot_messages(self, chat_id: int) -> list[dict]:
        """The messages the bot sent to `chat_id` as they are now (edits applied)."""
        with self._changed:
            return [dict(m) for m in self.messages.values() if m["chat"]["id"] == chat_id]

    def called(self, method: str, token: str = TOKEN) -> list[dict]:
        with self._changed:
            return [p for t, m, p in self.calls if t == token and m == method]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Wait until `condition()` is truthy (re-checked on every call to the API)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the bot did not do what the test waited for")
                self._changed.wait(timeout=min(left, 0.5))

    def replies_after(self, chat_id: int, count_before: int, timeout: float = 60.0,
                      settle: float = 0.6, token: str = TOKEN) -> list[dict]:
        """The messages the bot sends after the first `count_before`, once it goes quiet."""
        self.wait_for(lambda: len(self.sent(chat_id, token)) > count_before, timeout)
        while True:
            seen = len(self.sent(chat_id, token))
            time.sleep(settle)
            if len(self.sent(chat_id, token)) == seen:
                return self.sent(chat_id, token)[count_before:]


def _parameters(content_type: str, body: str, query: str) -> dict:
    """Form or JSON parameters; python-telegram-bot sends objects as JSON strings in forms."""
    if content_type.startswith("application/json"):
        return json.loads(body or "{}")
    fields = dict(urllib.parse.parse_qsl(body or query, keep_blank_values=True))
    for name in ("reply_markup", "allowed_updates", "commands"):
        if name in fields:
            fields[name] = json.loads(fields[name])
    return fields
