"""The systems under test, each started from nothing so that start-to-ready is measured:

- the baseline: the assistant `rasa init` creates (trained here, served by `rasa run`);
- ours: `python -m bot.cli run`, exactly what `make run` starts (embedded defaults: SQLite,
  in-memory lock store), or with RASA_SERVERS=n on PostgreSQL and Redis.

Peak memory is each process's high-water mark of resident memory (VmHWM in Linux's
/proc/<pid>/status), read just before the system is stopped.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from bot.processes import RASA, free_port, free_ports_in_a_row, stop_group, wait_until_up
from bot.settings import PROJECT_ROOT

TOKEN = "bench-token-not-a-secret"
BASELINE_DIR = PROJECT_ROOT / "var" / "bench" / "baseline"


@dataclass
class System:
    name: str
    url: str  # the REST channel's webhook
    ready_s: float
    root: subprocess.Popen
    check_routes: bool
    training_s: float | None = None
    notes: list[str] = field(default_factory=list)

    def peak_memory_mb(self) -> dict[str, float]:
        peaks: dict[str, float] = {}
        for pid in [self.root.pid, *descendants(self.root.pid)]:
            name, peak = process_name(pid), vm_hwm_mb(pid)
            if peak is None:
                continue
            key, n = name, 2
            while key in peaks:
                key, n = f"{name} {n}", n + 1
            peaks[key] = peak
        return peaks


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def process_name(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return str(pid)
    line = " ".join(words)
    for marker, name in [("-m bot.cli", "launcher (bot.cli)"), ("-m bot.web", "web app"),
                         ("-m bot.checkins", "check-in scheduler"), ("-m bot.balancer", "balancer"),
                         ("run actions", "action server"), (" run ", "rasa server")]:
        if marker in line:
            return name
    return Path(words[0]).name if words and words[0] else str(pid)


def rasa_env() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(PROJECT_ROOT)}


def train_baseline() -> float:
    """`rasa init --no-prompt` into var/bench/baseline (a new project, trained from scratch:
    Rasa's cache is off for it). Returns the seconds it took."""
    import shutil

    shutil.rmtree(BASELINE_DIR, ignore_errors=True)
    BASELINE_DIR.mkdir(parents=True)
    started = time.monotonic()
    result = subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(BASELINE_DIR)],
                            cwd=BASELINE_DIR, env={**rasa_env(), "RASA_MAX_CACHE_SIZE": "0"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit("`rasa init` (the baseline) failed:\n" + result.stderr[-3000:])
    return round(time.monotonic() - started, 1)


@contextlib.contextmanager
def baseline(log_dir: Path) -> Iterator[System]:
    port = free_port()
    log = open(log_dir / "baseline.log", "wb")
    started = time.monotonic()
    process = subprocess.Popen([RASA, "run", "--port", str(port), "--interface", "127.0.0.1"],
                               cwd=BASELINE_DIR, env=rasa_env(), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if not wait_until_up(f"http://127.0.0.1:{port}/", [process], seconds=300):
            raise RuntimeError(f"the baseline did not start; see {log.name}")
        yield System("rasa init (baseline)", f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                     round(time.monotonic() - started, 1), process, check_routes=False)
    finally:
        stop_group(process)
        log.close()


@contextlib.contextmanager
def assistant(log_dir: Path, servers: int = 1, postgres_url: str | None = None,
              redis_url: str | None = None) -> Iterator[System]:
    """Our assistant through bot.cli run, on fresh data: a new SQLite file, or with
    several servers a new schema in `postgres_url` and its own Redis key prefix."""
    data = Path(tempfile.mkdtemp(prefix="bench-", dir=log_dir))
    port, action_port, web_port = free_ports_in_a_row(servers + 1), free_port(), free_port()
    env = {**rasa_env(), "RASA_API_TOKEN": TOKEN, "CHANNEL_TOKEN": TOKEN,
           "WEB_SECRET_KEY": TOKEN, "RASA_PORT": str(port), "ACTION_PORT": str(action_port),
           "WEB_PORT": str(web_port), "RASA_SERVERS": str(servers),
           "RASA_TRACKER_DB": str(data / "assistant.db"),
           "DATABASE_URL": f"sqlite:///{data / 'assistant.db'}", "LOG_LEVEL": "WARNING"}
    schema = None
    if servers > 1:
        schema, env["DATABASE_URL"] = new_schema(postgres_url)
        env["REDIS_URL"] = redis_url
        del env["RASA_TRACKER_DB"]
    name = "ours" if servers == 1 else f"ours, {servers} servers (PostgreSQL, Redis)"
    log = open(log_dir / f"assistant-{servers}.log", "wb")
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=PROJECT_ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        if not (wait_until_up(f"{base}/status?token={TOKEN}", [process], seconds=600)
                and wait_until_up(f"http://127.0.0.1:{web_port}/healthz", [process], 120)):
            raise RuntimeError(f"our assistant did not start; see {log.name}")
        yield System(name, f"{base}/webhooks/rest/webhook", round(time.monotonic() - started, 1),
                     process, check_routes=True)
    finally:
        stop_group(process)
        log.close()
        if schema:
            drop_schema(postgres_url, schema)


def new_schema(postgres_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in postgres_url else "?"
    return schema, f"{postgres_url}{separator}options=-csearch_path%3D{schema}"


def drop_schema(postgres_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text(f'drop schema if exists "{schema}" cascade'))
    engine.dispose()
