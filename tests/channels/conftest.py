"""The whole assistant as `make run` starts it, talking to stand-ins for Telegram's and
WeChat's servers (real HTTP servers on local ports).

Started once per test session: the platforms' stand-ins first, so the assistant's
gateways point at them, then `python -m bot.cli run` on free ports with its own data
directory. Each stand-in is a class with `start()`, `stop()`, `reset()` and `env` (the
environment variables that point the assistant at it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.processes import free_port, wait_until_up
from bot.settings import PROJECT_ROOT

API_TOKEN = "test-api-token-not-a-secret"
CHANNEL_TOKEN = "test-channel-token-not-a-secret"


@pytest.fixture(scope="session")
def fake_telegram():
    from tests.channels.fake_telegram import FakeTelegram

    server = FakeTelegram()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_wechat():
    from tests.channels.fake_wechat import FakeWeChat

    server = FakeWeChat()
    server.start()
    yield server
    server.stop()


@dataclass
class Assistant:
    rasa_url: str
    web_url: str
    data: Path
    env: dict[str, str]
    process: subprocess.Popen
    log: Path

    def tracker_events(self, conversation: str) -> list[dict]:
        """Events of one conversation, through Rasa's HTTP API."""
        quoted = urllib.parse.quote(conversation, safe=":")  # Rasa does not decode %3A
        url = f"{self.rasa_url}/conversations/{quoted}/tracker?token={API_TOKEN}"
        with urllib.request.urlopen(url, timeout=30) as answer:
            return json.loads(answer.read())["events"]

    def user_texts(self, conversation: str) -> list[str]:
        return [e.get("text") for e in self.tracker_events(conversation) if e["event"] == "user"]

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def assistant(model_path, fake_telegram, fake_wechat, tmp_path_factory):
    data = tmp_path_factory.mktemp("assistant")
    port, action_port, web_port = free_port(), free_port(), free_port()
    env = {**os.environ, **fake_telegram.env, **fake_wechat.env,
           "RASA_API_TOKEN": API_TOKEN, "CHANNEL_TOKEN": CHANNEL_TOKEN,
           "WEB_SECRET_KEY": "test-web-secret-not-a-secret",
           "RASA_TRACKER_DB": str(data / "tracker.db"),
           "DATABASE_URL": f"sqlite:///{data / 'assistant.db'}",
           "RASA_PORT": str(port), "ACTION_PORT": str(action_port), "WEB_PORT": str(web_port)}
    log = data / "assistant.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=PROJECT_ROOT,
                                   env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    rasa, web = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{web_port}"
    up = (wait_until_up(f"{rasa}/status?token={API_TOKEN}", [process], seconds=300)
          and wait_until_up(f"{web}/healthz", [process], seconds=60))
    assert up, log.read_text(errors="replace")[-5000:]
    yield Assistant(rasa, web, data, env, process, log)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
