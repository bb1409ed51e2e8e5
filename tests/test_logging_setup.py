"""The redacting log filter (bot/logging_setup.py) and the logging config Rasa gets."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
import yaml

from bot.logging_setup import RedactingFilter, configure_logging
from bot.settings import PROJECT_ROOT

BOT_TOKEN = "123456:AAH-secret_Token-value"
API_TOKEN = "api-token-value-0042"
TEXT = "my neighbour Zhang Wei has a fever of 39.4"


@pytest.fixture
def private() -> RedactingFilter:
    return RedactingFilter(key=b"k" * 32, secrets_=[BOT_TOKEN, API_TOKEN])


def record(message: str, *args, level: int = logging.INFO, **extra) -> logging.LogRecord:
    made = logging.LogRecord("test", level, __file__, 1, message, args or None, None)
    made.__dict__.update(extra)
    return made


def line(private: RedactingFilter, message: str, *args, level: int = logging.INFO) -> str:
    made = record(message, *args, level=level)
    assert private.filter(made) is True  # never drops a line
    return made.getMessage()


@pytest.mark.parametrize("conversation", ["telegram:12345", "rest:alice", "webchat:Zx_9-a",
                                          "wechat:oAbCdEfGhIjKlMnOpQrStUvWxYz1", "rest%3Aalice",
                                          "telegram:-100123"])
def test_conversation_ids_become_a_stable_keyed_hash(private, conversation):
    text = line(private, "Circuit breaker tripped for sender '%s'.", conversation)
    assert conversation not in text and conversation.split(":")[-1] not in text
    assert "conv#" in text
    assert text == line(private, "Circuit breaker tripped for sender '%s'.", conversation)
    other = RedactingFilter(key=b"o" * 32, secrets_=[])
    assert line(other, "%s", conversation) != line(private, "%s", conversation)


def test_the_same_conversation_has_the_same_hash_in_a_url(private):
    url = line(private, "GET /conversations/telegram:12345/tracker?token=abc 200")
    plain = line(private, "sender telegram:12345 x")
    assert url.split("/")[2] == plain.split()[1]


def test_telegram_bot_token_in_bot_api_urls(private):
    other_token = "987654:ZZZ-other"
    text = line(private, 'HTTP Request: %s %s "%s %d %s"', "POST",
                f"https://api.telegram.org/bot{other_token}/sendMessage", "HTTP/1.1", 200, "OK")
    assert other_token not in text and "987654" not in text
    assert "api.telegram.org/bot***/sendMessage" in text


@pytest.mark.parametrize("message", [
    "GET http://127.0.0.1:5005/status?token=abcdef123",
    "POST /conversations/x/execute?output_channel=latest&token=abcdef123",
    "/cgi-bin/message/custom/send?access_token=abcdef123&x=1",
    "Authorization: Bearer abcdef123",
])
def test_tokens_in_query_strings_and_headers(private, message):
    text = line(private, message)
    assert "abcdef123" not in text and "***" in text


def test_known_secret_values_anywhere(private):
    text = line(private, "failed: %r", {"auth": API_TOKEN, "t": BOT_TOKEN.split(":")[0] + ":" +
                                         BOT_TOKEN.split(":")[1]})
    assert API_TOKEN not in text and BOT_TOKEN not in text


def test_secrets_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "from-the-env-123")
    monkeypatch.setenv("CHANNEL_TOKEN", "channel-env-456")
    text = line(RedactingFilter(), "x from-the-env-123 y channel-env-456")
    assert "from-the-env-123" not in text and "channel-env-456" not in text


def test_message_texts_and_ids_in_structured_lines(private):
    # What Rasa's structlog writes (JSON) when the REST channel fails on a message.
    event = json.dumps({"text": TEXT, "event": "rest.message.received.failure",
                        "sender_id": "alice", "level": "error"})
    text = line(private, event, level=logging.ERROR)
    assert "Zhang Wei" not in text and "alice" not in text
    assert "rest.message.received.failure" in text
    assert "Zhang" not in line(private, "%r", {"text": TEXT, "chat_id": 5})


def test_identifier_parameters(private):
    text = line(private, "sendMessage chat_id=88127731 username=zhangwei openid=o123")
    assert "88127731" not in text and "zhangwei" not in text and "o123" not in text


def test_a_wechat_openid_alone(private):
    text = line(private, "invalid openid oAbCdEfGhIjKlMnOpQrStUvWxYz1 rid: 1-2")
    assert "oAbCdEfGhIjKlMnOpQrStUvWxYz1" not in text and "openid#" in text


def test_ordinary_lines_are_kept(private):
    for message in ["Rasa server is up and running.", "Registered function for 'action_ask_age'.",
                    "Telegram gateway: long polling", '127.0.0.1:5 - "GET /healthz HTTP/1.1" 200',
                    "Check-ins: 2 sent, 0 missed, 1 retried (ids [3, 4])"]:
        assert line(private, message) == message


def test_debug_records_are_left_alone(private):
    assert line(private, "sender telegram:12345 said %s", TEXT, level=logging.DEBUG) == \
        f"sender telegram:12345 said {TEXT}"


def test_exceptions_and_extra_fields_are_redacted(private):
    try:
        raise ValueError(f"could not handle telegram:12345 token={API_TOKEN}")
    except ValueError:
        import sys

        made = logging.LogRecord("test", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    # Sanic's access log puts the URL in an `extra` field.
    made.request = "GET http://127.0.0.1:5005/conversations/rest:alice/tracker?token=abc123"
    made.status = 200
    private.filter(made)
    output = logging.Formatter("%(message)s %(request)s %(status)d").format(made)
    assert "Traceback" in output and "ValueError" in output
    for secret in ["telegram:12345", API_TOKEN, "rest:alice", "abc123"]:
        assert secret not in output
    assert made.status == 200


def test_a_record_is_redacted_once_by_several_handlers(private):
    made = record("x telegram:1")
    private.filter(made)
    once = made.getMessage()
    RedactingFilter(key=b"z" * 32, secrets_=[]).filter(made)
    assert made.getMessage() == once


@pytest.fixture
def clean_root():
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {h: h.filters[:] for h in root.handlers}
    httpx_level = logging.getLogger("httpx").level
    root.handlers = []
    yield root
    root.handlers, root.level = saved[0], saved[1]
    for handler, filters in saved[2].items():
        handler.filters = filters
    logging.getLogger("httpx").setLevel(httpx_level)


def test_configure_logging_redacts_what_every_logger_writes(clean_root, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    configure_logging()
    stream = io.StringIO()
    clean_root.handlers[0].setStream(stream)
    assert clean_root.level == logging.INFO
    logging.getLogger("some.library").warning("POST https://api.telegram.org/bot%s/getMe "
                                              "for telegram:4242", BOT_TOKEN)
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET",
                                             "/x?token=abc&c=webchat:v1", "1.1", 200)
    logging.getLogger("httpx").info("HTTP Request: GET http://x/bot%s/getUpdates", BOT_TOKEN)
    output = stream.getvalue()
    assert "123456" not in output and "telegram:4242" not in output and "webchat:v1" not in output
    assert "abc" not in output and "HTTP Request" not in output  # httpx quiet at INFO
    assert output.count("\n") == 2
    configure_logging()  # a second call adds no second filter
    assert len(clean_root.handlers[0].filters) == 1


def test_log_level_from_the_environment(clean_root, monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "debug")
    configure_logging()
    assert clean_root.level == logging.DEBUG
    assert logging.getLogger("httpx").level == logging.DEBUG
    configure_logging("WARNING")
    assert clean_root.level == logging.WARNING


def test_rasa_gets_the_filter_through_its_logging_config_file(clean_root):
    config = yaml.safe_load((PROJECT_ROOT / "logging.yml").read_text())
    saved = {name: logging.getLogger(name).filters[:] for name in config["loggers"]}
    try:
        logging.config.dictConfig(config)
        assert any(isinstance(f, RedactingFilter) for f in clean_root.handlers[0].filters)
        for name in config["loggers"]:  # Sanic's loggers do not propagate to the root
            assert any(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters)
    finally:
        for name, filters in saved.items():
            logging.getLogger(name).filters = filters
            logging.getLogger(name).handlers = []
