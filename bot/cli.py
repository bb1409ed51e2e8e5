"""Command line: `python -m bot.cli run` starts the assistant, `chat` talks to it."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.processes import (action_server_command, balancer_command, port_in_use,
                           rasa_server_command, server_environment, stop, wait_until_up)
from bot.handoff.cli import add_staff_commands
from bot.privacy.cli import add_privacy_commands
from bot.statistics.cli import add_statistics_commands
from bot.training_inbox.cli import add_nlu_commands
from bot.settings import PROJECT_ROOT, VAR, Settings, api_token, channel_token

TOKEN_FILE = VAR / "rasa-api-token"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Exit codes of a server stopped on purpose (Ctrl-C or a terminate), not a crash.
STOPPED_BY_SIGNAL = {0, -signal.SIGINT, -signal.SIGTERM, 128 + signal.SIGINT}


def run(args: argparse.Namespace) -> int:
    """Start the action server and the Rasa server; stop both on Ctrl-C."""
    from bot.directory import DirectoryError, directory_path, load_directory

    try:
        load_directory()  # refused here, with the exact field, before anything starts
    except DirectoryError as error:
        print(f"The hospital directory ({directory_path()}) has mistakes; nothing was "
              f"started:\n{error}", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
    except ValueError as error:  # a setting that is not a number, say: named, no traceback
        print(f"A setting is wrong; nothing was started: {error}", file=sys.stderr)
        return 2
    from bot.storage import Database  # imported late: `chat` needs no database

    try:
        servers = rasa_servers()
        cluster = cluster_settings(settings.database_url) if servers > 1 else {}
    except ValueError as error:
        print(f"A setting is wrong; nothing was started: {error}", file=sys.stderr)
        return 2
    try:
        Database(settings.database_url).migrate()
    except OperationalError as error:
        print(f"Cannot reach the database at {safe_url(settings.database_url)}; nothing was "
              f"started ({str(error.orig).strip()}).", file=sys.stderr)
        return 1
    if cluster and not redis_reachable(cluster["REDIS_URL"]):
        print(f"Cannot reach Redis at {safe_url(cluster['REDIS_URL'])} (REDIS_URL), which "
              f"several Rasa servers need for their locks; nothing was started.", file=sys.stderr)
        return 1
    host, rasa_port, action_port = args.host, args.port, args.action_port
    web_host, web_port = args.web_host, args.web_port
    telegram = bool(os.environ.get("TELEGRAM_BOT_TOKEN"))
    # With several servers the balancer takes RASA_PORT and the servers the ports after it.
    server_ports = [rasa_port + n for n in range(1, servers + 1)] if servers > 1 else [rasa_port]
    ports = [("RASA_PORT", host, rasa_port), ("ACTION_PORT", "127.0.0.1", action_port),
             ("WEB_PORT", web_host, web_port)]
    if servers > 1:
        ports += [("RASA_PORT", "127.0.0.1", port) for port in server_ports]
    for name, address, port in ports:
        if port_in_use(address, port):
            print(f"Port {port} is already in use (is the assistant already running?). "
                  f"Stop that program, or choose another port: make run {name}=<port>",
                  file=sys.stderr)
            return 1
    env = server_environment({
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "DATABASE_URL": settings.database_url,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "RASA_API_TOKEN": api_token(),
        "CHANNEL_TOKEN": channel_token(),
        "WEB_HOST": web_host,
        "WEB_PORT": str(web_port),
        **(cluster or {"RASA_TRACKER_DB": os.environ.get("RASA_TRACKER_DB",
                                                         str(VAR / "assistant.db"))}),
    })
    if cluster:
        env.pop("RASA_TRACKER_DB", None)  # Rasa's history is in PostgreSQL now
        # Several servers share the cores: TensorFlow's thread pools in each would fight
        # over them (measured: 10 % more messages per second with one thread each).
        for variable in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS"):
            env.setdefault(variable, "1")
    VAR.mkdir(exist_ok=True)
    processes = [subprocess.Popen(action_server_command(action_port), cwd=PROJECT_ROOT, env=env)]
    if servers == 1:
        processes.append(subprocess.Popen(rasa_server_command(host, rasa_port, api_token()),
                                          cwd=PROJECT_ROOT, env=env))
    else:
        processes += [subprocess.Popen(rasa_server_command("127.0.0.1", port, api_token(),
                                                           endpoints="endpoints.cluster.yml"),
                                       cwd=PROJECT_ROOT, env=env) for port in server_ports]
        processes.append(subprocess.Popen(
            balancer_command(host, rasa_port, [f"http://127.0.0.1:{p}" for p in server_ports]),
            cwd=PROJECT_ROOT, env=env))
    processes += [
        subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT, env=env),
        # Sends due follow-up check-ins (stored in the database, so they survive restarts).
        subprocess.Popen([sys.executable, "-m", "bot.checkins"], cwd=PROJECT_ROOT, env=env),
    ]
    if telegram:
        processes.append(subprocess.Popen([sys.executable, "-m", "bot.telegram_gateway"],
                                          cwd=PROJECT_ROOT, env=env))

    signal.signal(signal.SIGTERM, lambda *_: (stop(processes), sys.exit(0)))
    # Ctrl-C stops everything even when started from a shell that ignores SIGINT (background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        print("Starting the assistant (loading the model takes about half a minute)...", flush=True)
        if not all(wait_until_up(f"http://127.0.0.1:{port}/status?token={api_token()}",
                                 processes, seconds=300)
                   for port in (server_ports if servers == 1 else [*server_ports, rasa_port])):
            print("The assistant did not start; see the messages above.", file=sys.stderr)
            stop(processes)
            return 1
        web = f"http://{web_host}:{web_port}"
        if not wait_until_up(f"{web}/healthz", processes, seconds=60):
            print("The web chat did not start; see the messages above.", file=sys.stderr)
            stop(processes)
            return 1
        telegram_line = ("  Telegram:                your bot answers (gateway started)\n" if telegram else
                         "  Telegram:                set TELEGRAM_BOT_TOKEN to connect a bot\n")
        scale_line = (f"  Rasa servers:            {servers} (ports {server_ports[0]}-"
                      f"{server_ports[-1]}), behind the balancer on {rasa_port}; "
                      f"PostgreSQL and Redis\n" if servers > 1 else "")
        print(f"""
The fever triage assistant is running.
  Chat in your browser:    {web}/
  Staff console:           {web}/console/   (add an account: make staff-add NAME=alice ROLE=nurse)
  Chat in this terminal:   make shell        (in another terminal)
{telegram_line.rstrip()}
{scale_line}  REST channel:            POST http://{host}:{rasa_port}/webhooks/rest/webhook
                           {{"sender": "me", "message": "hi"}}
  Rasa HTTP API token:     in {TOKEN_FILE.relative_to(PROJECT_ROOT)} (or RASA_API_TOKEN)
Press Ctrl-C to stop.""", flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(1)
        time.sleep(0.5)  # Ctrl-C reaches the servers too; let our own handler see it first
        if all(p.returncode in STOPPED_BY_SIGNAL for p in processes if p.poll() is not None):
            print("\nStopped.", flush=True)
            return 0
        print("A server stopped unexpectedly; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    finally:
        stop(processes)


def rasa_servers() -> int:
    """RASA_SERVERS: how many Rasa servers `run` starts (1, the embedded default)."""
    value = os.environ.get("RASA_SERVERS") or "1"
    if not value.isdigit() or not 1 <= int(value) <= 32:
        raise ValueError(f"RASA_SERVERS must be a whole number from 1 to 32, not {value!r}")
    return int(value)


def cluster_settings(database_url: str) -> dict[str, str]:
    """Where several Rasa servers share conversations: Rasa's tracker store in our own
    PostgreSQL database (DATABASE_URL) and the lock store in Redis (REDIS_URL)."""
    from bot.storage.lock_store import redis_settings

    if not database_url.startswith("postgresql"):
        raise ValueError("several Rasa servers (RASA_SERVERS) share conversations through "
                         "PostgreSQL: set DATABASE_URL=postgresql://user@host:5432/database")
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    redis_settings(redis_url)  # refused here, with the reason, before anything starts
    return {"TRACKER_STORE_URL": database_url, "REDIS_URL": redis_url}


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=3).ping())
    except redis.RedisError:
        return False


def safe_url(url: str) -> str:
    """A database or Redis URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def chat(args: argparse.Namespace) -> int:
    """A small terminal chat over the REST channel; buttons can be chosen by number."""
    url = f"http://{args.host}:{args.port}/webhooks/rest/webhook"
    sender = args.sender or f"shell-{secrets.token_hex(4)}"
    print("Type a message (Ctrl-D or /quit to leave). Buttons can be picked by number.")
    buttons: list[dict] = []
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text in {"/quit", "/exit"}:
            return 0
        if text.isdigit() and buttons and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        if not text:
            continue
        try:
            replies = _post(url, {"sender": sender, "message": text})
        except (urllib.error.URLError, OSError) as error:
            print(f"Cannot reach the assistant at {url} ({error}). Is `make run` running?")
            continue
        buttons = []
        for reply in replies:
            if reply.get("text"):
                print(f"bot> {reply['text']}")
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"     [{len(buttons)}] {button['title']}")


def _post(url: str, payload: dict) -> list[dict]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"[]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="start the assistant")
    run_parser.add_argument("--host", default=os.environ.get("RASA_HOST", "127.0.0.1"))
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    run_parser.add_argument("--action-port", type=int,
                            default=int(os.environ.get("ACTION_PORT", 5055)))
    run_parser.add_argument("--web-host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    run_parser.add_argument("--web-port", type=int, default=int(os.environ.get("WEB_PORT", 8000)))
    run_parser.set_defaults(handler=run)
    chat_parser = commands.add_parser("chat", help="chat with a running assistant")
    chat_parser.add_argument("--host", default="127.0.0.1")
    chat_parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    chat_parser.add_argument("--sender", default=None)
    chat_parser.set_defaults(handler=chat)
    add_staff_commands(commands)
    add_nlu_commands(commands)
    add_statistics_commands(commands)
    add_privacy_commands(commands)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
