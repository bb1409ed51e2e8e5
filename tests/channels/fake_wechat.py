"""A stand-in for WeChat's servers, as a real HTTP server on a local port.

Towards the assistant it serves the two APIs our channel calls: the access token
(`/cgi-bin/token`) and customer-service messages (`/cgi-bin/message/custom/send`,
recorded). Towards our webhook it plays WeChat's side: builds, signs (and in safe mode
encrypts) messages, posts them, and reads the replies.

Its crypto is written here on purpose, not imported from bot.channels.wechat_crypto:
a shared bug would otherwise pass both ends of a round trip.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.processes import free_port

TOKEN = "test-wechat-token"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "test-wechat-app-secret"
# 43 characters, as WeChat's admin console shows it.
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_test_account"  # the Official Account's original id (ToUserName)
MAX_CONTENT_BYTES = 2048


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def aes_encrypt(message: str, key: str = AES_KEY, app_id: str = APP_ID) -> str:
    raw_key = base64.b64decode(key + "=")
    data = message.encode()
    plain = os.urandom(16) + struct.pack(">I", len(data)) + data + app_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(raw_key), modes.CBC(raw_key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def aes_decrypt(encrypted: str, key: str = AES_KEY) -> tuple[str, str]:
    raw_key = base64.b64decode(key + "=")
    decryptor = Cipher(algorithms.AES(raw_key), modes.CBC(raw_key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[:-plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20:20 + length].decode(), plain[20 + length:].decode()


def fields(xml: str) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ElementTree.fromstring(xml)}


@dataclass
class Answer:
    """What our webhook answered."""
    status: int
    body: str
    # The reply's fields (decrypted in safe mode); {} for `success`, errors or no XML.
    reply: dict[str, str] = field(default_factory=dict)

    @property
    def content(self) -> str:
        return self.reply.get("Content", "")


class FakeWeChat:
    def __init__(self, token: str = TOKEN, app_id: str = APP_ID, app_secret: str = APP_SECRET,
                 aes_key: str = AES_KEY, account: str = ACCOUNT) -> None:
        self.token, self.app_id, self.app_secret = token, app_id, app_secret
        self.aes_key, self.account = aes_key, account
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Condition()
        self._ids = count(1)
        self._server: ThreadingHTTPServer | None = None
        self.reset()

    @property
    def env(self) -> dict[str, str]:
        return {"WECHAT_TOKEN": self.token, "WECHAT_APP_ID": self.app_id,
                "WECHAT_APP_SECRET": self.app_secret, "WECHAT_ENCODING_AES_KEY": self.aes_key,
                "WECHAT_API_BASE": self.url}

    # --- the server ---------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                fake._answer(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                fake._answer(self, "POST")

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reset(self) -> None:
        with self._lock:
            self.sent: list[dict] = []  # customer-service messages, as posted
            self.token_calls = 0
            self.valid_tokens: set[str] = set()
            self.token_lifetime = 7200
            self.send_error: int | None = None  # errcode every send answers, if set

    def expire_tokens(self) -> None:
        """WeChat invalidated every token it gave (as when another server asked for one)."""
        with self._lock:
            self.valid_tokens.clear()

    def messages(self, touser: str | None = None) -> list[dict]:
        with self._lock:
            return [m for m in self.sent if touser is None or m.get("touser") == touser]

    def wait_for_messages(self, number: int, touser: str | None = None,
                          timeout: float = 10.0) -> list[dict]:
        """At least `number` customer-service messages (to `touser`); AssertionError after
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(found := self.messages(touser)) < number:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {number} customer-service messages, got {found}"
                self._lock.wait(left)
            return found

    def _answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if method == "GET" and url.path == "/cgi-bin/token":
            body = self._token(query)
        elif method == "POST" and url.path == "/cgi-bin/message/custom/send":
            length = int(handler.headers.get("Content-Length") or 0)
            body = self._custom_send(query, handler.rfile.read(length))
        else:
            handler.send_response(404)
            handler.end_headers()
            return
        data = json.dumps(body).encode()
        handler.send_response(200)  # WeChat answers errors with 200 and an errcode
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _token(self, query: dict[str, str]) -> dict:
        with self._lock:
            self.token_calls += 1
            if query.get("grant_type") != "client_credential":
                return {"errcode": 40002, "errmsg": "invalid grant_type"}
            if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            token = f"fake-token-{next(self._ids)}"
            self.valid_tokens.add(token)
            return {"access_token": token, "expires_in": self.token_lifetime}

    def _custom_send(self, query: dict[str, str], raw: bytes) -> dict:
        with self._lock:
            if query.get("access_token") not in self.valid_tokens:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
            if self.send_error is not None:
                return {"errcode": self.send_error, "errmsg": "failing on purpose"}
            try:
                message = json.loads(raw)
                content = message["text"]["content"]
                assert message["msgtype"] == "text" and message["touser"]
            except (ValueError, KeyError, TypeError, AssertionError):
                return {"errcode": 44002, "errmsg": "bad message"}
            if len(content.encode()) > MAX_CONTENT_BYTES:
                return {"errcode": 45002, "errmsg": "content size out of limit"}
            self.sent.append(message)
            self._lock.notify_all()
            return {"errcode": 0, "errmsg": "ok"}

    # --- WeChat's side towards our webhook ----------------------------------------------

    def signed_query(self, timestamp: str | None = None, nonce: str | None = None,
                     token: str | None = None) -> dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(next(self._ids) + 100_000)
        return {"signature": sign(token or self.token, timestamp, nonce),
                "timestamp": timestamp, "nonce": nonce}

    def text_xml(self, openid: str, content: str, msg_id: int | None = None) -> str:
        return self._message_xml(openid, "text", f"<Content><![CDATA[{content}]]></Content>"
                                 f"<MsgId>{msg_id or self.new_msg_id()}</MsgId>")

    def event_xml(self, openid: str, event: str, create_time: int | None = None) -> str:
        return self._message_xml(openid, "event", f"<Event><![CDATA[{event}]]></Event>",
                                 create_time)

    def image_xml(self, openid: str, msg_id: int | None = None) -> str:
        return self._message_xml(openid, "image",
                                 "<PicUrl><![CDATA[http://example.invalid/p.jpg]]></PicUrl>"
                                 "<MediaId><![CDATA[media1]]></MediaId>"
                                 f"<MsgId>{msg_id or self.new_msg_id()}</MsgId>")

    def voice_xml(self, openid: str, recognition: str = "", msg_id: int | None = None) -> str:
        return self._message_xml(openid, "voice",
                                 "<MediaId><![CDATA[media2]]></MediaId>"
                                 "<Format><![CDATA[amr]]></Format>"
                                 f"<Recognition><![CDATA[{recognition}]]></Recognition>"
                                 f"<MsgId>{msg_id or self.new_msg_id()}</MsgId>")

    def new_msg_id(self) -> int:
        return 24_000_000_000_000_000 + next(self._ids)

    def _message_xml(self, openid: str, kind: str, rest: str,
                     create_time: int | None = None) -> str:
        return (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
                f"<MsgType><![CDATA[{kind}]]></MsgType>{rest}</xml>")

    def verify(self, webhook: str, echostr: str = "echo-1234", **query: str) -> Answer:
        """WeChat's GET check of the server URL; `query` overrides the signed parameters."""
        return self.request(webhook, {**self.signed_query(), "echostr": echostr, **query})

    def post(self, webhook: str, xml: str | bytes, *, aes: bool = False,
             timeout: float = 30.0, **query: str) -> Answer:
        """POST a message as WeChat does (signed; encrypted when `aes`); `query` overrides
        the signed parameters."""
        params = self.signed_query()
        if aes:
            encrypted = aes_encrypt(xml if isinstance(xml, str) else xml.decode(),
                                    self.aes_key, self.app_id)
            params.update(encrypt_type="aes", openid="o-ignored", msg_signature=sign(
                self.token, params["timestamp"], params["nonce"], encrypted))
            xml = (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                   f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        params.update(query)
        body = xml.encode() if isinstance(xml, str) else xml
        return self.request(webhook, params, body, timeout)

    def send_text(self, webhook: str, openid: str, content: str, *, msg_id: int | None = None,
                  aes: bool = False) -> Answer:
        return self.post(webhook, self.text_xml(openid, content, msg_id), aes=aes)

    def request(self, webhook: str, query: dict[str, str], body: bytes | None = None,
                timeout: float = 30.0) -> Answer:
        url = f"{webhook}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, data=body, method="POST" if body else "GET",
                                         headers={"Content-Type": "text/xml"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        return Answer(status, text, self.read_reply(text) if status == 200 else {})

    def read_reply(self, text: str) -> dict[str, str]:
        """A passive reply's fields; a safe-mode reply is checked and decrypted first."""
        if not text.startswith("<xml>"):
            return {}
        reply = fields(text)
        if "Encrypt" not in reply:
            return reply
        expected = sign(self.token, reply["TimeStamp"], reply["Nonce"], reply["Encrypt"])
        assert reply["MsgSignature"] == expected, "the reply's MsgSignature is wrong"
        message, app_id = aes_decrypt(reply["Encrypt"], self.aes_key)
        assert app_id == self.app_id, f"reply encrypted for {app_id}"
        return {**fields(message), "encrypted": "yes"}
