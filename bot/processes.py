"""Starting the Rasa servers as child processes (used by `make run`, tests and benchmarks)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, Mapping

from bot.settings import PROJECT_ROOT

RASA = str(Path(sys.executable).parent / "rasa")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports_in_a_row(count: int) -> int:
    """A free port whose next `count - 1` ports are free too (a balancer and its servers)."""
    for _ in range(100):
        port = free_port()
        if port + count < 65536 and not any(port_in_use("127.0.0.1", port + n)
                                            for n in range(1, count)):
            return port
    raise RuntimeError(f"no {count} free ports in a row")


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


# Rasa's and the action server's logging: redacts ids, texts and tokens (bot/logging_setup.py).
LOGGING_CONFIG = ["--logging-config-file", str(PROJECT_ROOT / "logging.yml")]


def action_server_command(port: int) -> list[str]:
    return [RASA, "run", "actions", "--actions", "actions", "--port", str(port), *LOGGING_CONFIG]


def rasa_server_command(host: str, port: int, token: str, endpoints: str = "endpoints.yml"
                        ) -> list[str]:
    """A Rasa server with our channels and fixes (bot/rasa_server.py), its HTTP API behind
    `token`."""
    return [sys.executable, "-m", "bot.rasa_server", "run", "--model", "models",
            "--endpoints", endpoints, "--credentials", "credentials.yml", "--interface", host, "--port", str(port),
            "--enable-api", "--auth-token", token, *LOGGING_CONFIG]


def balancer_command(host: str, port: int, upstreams: list[str]) -> list[str]:
    return [sys.executable, "-m", "bot.balancer", "--host", host, "--port", str(port), *upstreams]


def server_environment(extra: Mapping[str, str]) -> dict[str, str]:
    # The action server serves the Rasa server only: never on a public interface.
    # Sanic closes an idle keep-alive connection after 5 s; when a busy Rasa server reuses
    # one at that moment the action call fails ("Cannot write to closing transport") and
    # the turn's events are lost (seen under load). Clients close theirs first (aiohttp
    # after 15 s), so the servers wait longer.
    return {**os.environ, "SANIC_HOST": "127.0.0.1", "SANIC_KEEP_ALIVE_TIMEOUT": "75",
            "PYTHONPATH": str(PROJECT_ROOT), **extra}


def wait_until_up(url: str, processes: list[subprocess.Popen], seconds: float) -> bool:
    """Poll `url` until it answers; False if a process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    return False


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process started with start_new_session=True and all it started (as Ctrl-C)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def running_action_server(database_url: str) -> Iterator[str]:
    """An action server on a free local port; yields its webhook URL."""
    port = free_port()
    env = server_environment({"DATABASE_URL": database_url})
    process = subprocess.Popen(action_server_command(port), cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_until_up(f"http://127.0.0.1:{port}/health", [process], seconds=120):
            stop([process])
            raise RuntimeError("action server did not start:\n"
                               + process.stderr.read().decode(errors="replace")[-3000:])
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        stop([process])
