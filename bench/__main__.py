"""`make bench`: our assistant against the one `rasa init` creates, in one run on this machine.

    python -m bench [--seconds 30] [--levels 1,10,50,200] [--servers 2] [--skip-baseline]

For each system it measures training time, start-to-ready, peak memory of each process and,
with 1, 10, 50 and 200 people chatting at once (bench/load.py), per-turn latency
percentiles, messages per second and errors. It prints a table with our figures as ratios
to the baseline's and the issue's targets, and writes results/bench.json and
results/bench.md. With --servers N (N > 1) it also measures RASA_SERVERS=N on PostgreSQL
(POSTGRES_URL) and Redis (REDIS_URL). Numbers, never assertions: nothing here fails a build.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import uuid
from datetime import datetime, timezone

from bench import parts, systems
from bench.load import run_level, warm_up
from bench.report import table
from bot.settings import PROJECT_ROOT
from bot.training import training_times, train

RESULTS = PROJECT_ROOT / "results"


def measure(system: systems.System, levels: list[int], seconds: float) -> dict:
    run_id = uuid.uuid4().hex[:8]
    print(f"  {system.name}: ready in {system.ready_s} s; warming up", flush=True)
    first_turn = asyncio.run(warm_up(system.url, run_id))
    result = {"name": system.name, "training_s": system.training_s,
              "start_to_ready_s": system.ready_s, "first_turn_ms": first_turn, "levels": []}
    for people in levels:
        level = asyncio.run(run_level(system.url, people, seconds, run_id, system.check_routes))
        print(f"  {people:>4} people: {level['messages_per_s']:>6} msg/s, "
              f"p50 {level['p50_ms']} ms, p99 {level['p99_ms']} ms, errors {level['errors']}"
              + (f", wrong routes {level['wrong_routes']}" if system.check_routes else ""),
              flush=True)
        result["levels"].append(level)
    result["peak_memory_mb"] = system.peak_memory_mb()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30, help="length of each level")
    parser.add_argument("--levels", default="1,10,50,200", help="people at once, per level")
    parser.add_argument("--servers", type=int, default=0,
                        help="also measure RASA_SERVERS=N on PostgreSQL and Redis")
    parser.add_argument("--skip-baseline", action="store_true",
                        help="measure ours only (no ratios)")
    args = parser.parse_args(argv)
    try:
        levels = [int(n) for n in args.levels.split(",")]
    except ValueError:
        parser.error("--levels takes whole numbers separated by commas, e.g. 1,10,50")
    RESULTS.mkdir(exist_ok=True)
    logs = RESULTS / "bench-logs"
    logs.mkdir(exist_ok=True)

    model = train()
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "seconds_per_level": args.seconds, "model": model.name,
              "model_mb": round(model.stat().st_size / 2**20, 1),
              "parts": parts.main(), "systems": []}
    if not args.skip_baseline:
        print("Baseline: rasa init (training it from scratch)...", flush=True)
        training_s = systems.train_baseline()
        with systems.baseline(logs) as baseline:
            baseline.training_s = training_s
            report["systems"].append(measure(baseline, levels, args.seconds))
    print("Ours (make run's embedded defaults)...", flush=True)
    with systems.assistant(logs) as ours:
        ours.training_s = training_times().get(model.name)
        report["systems"].append(measure(ours, levels, args.seconds))
    if args.servers > 1:
        postgres = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
        redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        print(f"Ours with {args.servers} Rasa servers on PostgreSQL and Redis...", flush=True)
        with systems.assistant(logs, args.servers, postgres, redis) as cluster:
            cluster.training_s = training_times().get(model.name)
            report["systems"].append(measure(cluster, levels, args.seconds))

    text = table(report)
    (RESULTS / "bench.json").write_text(json.dumps(report, indent=2))
    (RESULTS / "bench.md").write_text(text)
    print("\n" + text)
    print(f"Written: {RESULTS / 'bench.json'}, {RESULTS / 'bench.md'} (logs in {logs})")
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    try:
        code = main()
    except RuntimeError as error:  # a system that did not start: its log says why
        print(f"make bench stopped: {error}", file=sys.stderr)
        code = 1
    print(f"make bench took {round((time.monotonic() - started) / 60, 1)} min")
    sys.exit(code)
