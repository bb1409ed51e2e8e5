"""`make run` as a user gets it: both servers from bot.cli, the REST channel, the
HTTP API behind its token, the tracker store file, and a clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from bot.processes import free_port, wait_until_up
from bot.settings import PROJECT_ROOT

TOKEN = "test-token-not-a-secret"


@pytest.fixture(scope="module")
def server(model_path, tmp_path_factory):
    data = tmp_path_factory.mktemp("server")
    port, action_port = free_port(), free_port()
    env = {**os.environ, "RASA_API_TOKEN": TOKEN, "RASA_TRACKER_DB": str(data / "tracker.db"),
           "DATABASE_URL": f"sqlite:///{data / 'assistant.db'}", "EMERGENCY_NUMBER": "999",
           "WEB_PORT": str(free_port())}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--port", str(port),
         "--action-port", str(action_port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    assert wait_until_up(f"{base}/status?token={TOKEN}", [process], seconds=240), \
        process.stdout.read().decode(errors="replace")[-3000:] if process.poll() is not None else ""
    yield base, data, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)


def post(url: str, payload: dict) -> list[dict]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_a_triage_over_the_rest_channel(server):
    base, data, _ = server
    url = f"{base}/webhooks/rest/webhook"
    replies = post(url, {"sender": "rest-user", "message": "hi"})
    assert "/privacy" in replies[0]["text"]  # first contact: what is kept, and why
    assert "not a diagnosis" in replies[-1]["text"]
    replies = post(url, {"sender": "rest-user", "message": "my lips look blue"})
    assert "999" in replies[0]["text"]  # the deployment's emergency number
    triage = next(r["custom"]["triage"] for r in replies if "triage" in r.get("custom", {}))
    assert triage["route"] == "emergency"
    assert (data / "tracker.db").exists() and (data / "assistant.db").exists()


def test_the_http_api_needs_the_token(server):
    base, _, _ = server
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/conversations/rest-user/tracker", timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{base}/conversations/rest:rest-user/tracker?token={TOKEN}",
                                timeout=10) as response:
        events = json.loads(response.read())["events"]
    assert any(e.get("text") == "my lips look blue" for e in events)


def test_ctrl_c_stops_every_process(server):
    base, _, process = server
    children = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
    assert len(children.stdout.split()) >= 4  # the runner, the action server, Rasa, the web app
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=60) == 0
    left = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
    assert left.stdout.split() == []


def test_a_busy_port_gets_a_clear_message():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--port", str(port)],
                                cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr
