"""Logs without what people wrote or who they are, at INFO and above.

Every process of ours calls `configure_logging()` first; the Rasa server and the action
server get the same filter from `logging.yml` (`rasa run --logging-config-file`).
`RedactingFilter` rewrites each INFO+ record before any handler writes it:

- conversation ids (`telegram:12345`, `rest:alice`, `webchat:...`, `wechat:<openid>`)
  become a short keyed hash, `conv#3fa2c1`, the same in every process (the key comes
  from CHANNEL_TOKEN, which `make run` gives them all), so lines can still be correlated
  but the ids cannot be recovered by trying every chat id;
- secrets become `***`: the Telegram bot token in Bot API URLs (`bot<token>/...`),
  `token=`/`access_token=`/`secret=` query values, `Bearer ...`, and the values of the
  secret environment variables wherever they appear;
- identifier values (`chat_id=...`, `"sender": ...`) and message texts in structured
  lines (`"text": "..."`, as Rasa's structlog writes them) become `***`; WeChat OpenIDs
  become `openid#...`.

DEBUG records pass unchanged: an operator who sets LOG_LEVEL=DEBUG opts in to seeing more.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Environment variables whose values must never be written to a log.
SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "RASA_API_TOKEN", "CHANNEL_TOKEN", "WEB_SECRET_KEY",
                    "WECHAT_TOKEN", "WECHAT_APP_SECRET", "WECHAT_ENCODING_AES_KEY",
                    "TELEGRAM_WEBHOOK_SECRET")
# Loggers whose INFO lines are one per HTTP request with the URL (the bot token is in
# Telegram's); kept at WARNING unless LOG_LEVEL=DEBUG.
CHATTY_LIBRARIES = ("httpx", "httpcore")

CONVERSATION = re.compile(r"\b(?:telegram|rest|webchat|wechat)(?::|%3A)[^\s'\"&/?#,;<>()\[\]{}\\|]+",
                          re.IGNORECASE)
BOT_TOKEN = re.compile(r"\bbot\d+:[A-Za-z0-9_-]+")
BEARER = re.compile(r"\b(Bearer|Basic)\s+[^\s'\",]+", re.IGNORECASE)
# name=value (query strings, keyword arguments) for secrets and identifiers.
PARAMETER = re.compile(
    r"\b((?:access_|auth_|api_|bot_|secret_)?token|secret|appsecret|password|signature|"
    r"msg_signature|encrypt|chat_id|user_id|from_user|username|openid|touser|fromusername|"
    r"sender|sender_id|conversation_id)=([^&\s'\",;)]+)", re.IGNORECASE)
# "key": value / 'key': value (JSON and dict reprs) for message texts and identifiers.
FIELD = re.compile(
    r"""(["'])(text|message|user_message|json_message|content|caption|sender|sender_id|"""
    r"""conversation_id|chat_id|user_id|username|first_name|last_name|openid|touser|"""
    r"""FromUserName|ToUserName|Content|Recognition|token|access_token)\1(\s*:\s*)"""
    r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d+)""")
OPENID = re.compile(r"\bo[A-Za-z0-9_-]{27}\b")
# Attributes every LogRecord has; any other string attribute came as `extra` (Sanic's
# access log puts the URL in `request`, uvicorn's in args) and is redacted too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def _key() -> bytes:
    shared = os.environ.get("LOG_PSEUDONYM_KEY") or os.environ.get("CHANNEL_TOKEN")
    secret = shared.encode() if shared else secrets.token_bytes(32)
    return hmac.new(secret, b"log pseudonyms", hashlib.sha256).digest()


class RedactingFilter(logging.Filter):
    """Redacts identifiers, secrets and message texts in INFO+ records (never drops one)."""

    def __init__(self, name: str = "", key: bytes | None = None,
                 secrets_: list[str] | None = None) -> None:
        super().__init__(name)
        self._key = key if key is not None else _key()
        values = secrets_ if secrets_ is not None else [os.environ.get(v, "")
                                                         for v in SECRET_VARIABLES]
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted({v for v in values if v and len(v) >= 6}, key=len, reverse=True)

    def pseudonym(self, value: str, prefix: str = "conv") -> str:
        digest = hmac.new(self._key, value.replace("%3A", ":").replace("%3a", ":").encode(),
                          hashlib.sha256).hexdigest()
        return f"{prefix}#{digest[:6]}"

    def redact(self, text: str) -> str:
        for value in self._secrets:
            text = text.replace(value, "***")
        text = BOT_TOKEN.sub("bot***", text)
        text = BEARER.sub(lambda m: f"{m.group(1)} ***", text)
        text = FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}"
                                   f"{m.group(1)}***{m.group(1)}", text)
        text = PARAMETER.sub(lambda m: f"{m.group(1)}=***", text)
        text = CONVERSATION.sub(lambda m: self.pseudonym(m.group(0)), text)
        return OPENID.sub(lambda m: self.pseudonym(m.group(0), "openid"), text)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO or getattr(record, "_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format: keep the template, drop the arguments
            message = str(record.msg)
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            record.exc_info = None  # the formatter would otherwise use the text as is
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, self.redact(value))
        record._redacted = True
        return True


def _level(level: int | str | None) -> int:
    value = level if level is not None else os.environ.get("LOG_LEVEL", "INFO")
    if isinstance(value, str):
        value = logging.getLevelName(value.strip().upper())
    return value if isinstance(value, int) else logging.INFO


def configure_logging(level: int | str | None = None) -> RedactingFilter:
    """Log to stderr at `level` (default: LOG_LEVEL, else INFO) through one redacting
    filter on every root handler; quieten libraries that log each request's URL."""
    level = _level(level)
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    private = RedactingFilter()
    for handler in root.handlers:
        handler.filters = [f for f in handler.filters if not isinstance(f, RedactingFilter)]
        handler.addFilter(private)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if level <= logging.DEBUG
                                         else max(level, logging.WARNING))
    return private
