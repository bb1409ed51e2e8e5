"""Speed and memory of the assistant's parts (run by `make bench`; never asserted in tests).

Prints a table and writes results/bench.json:
- the protocol engine (next question from scratch and mid-dialogue, assess);
- the fact extractor on typical messages;
- the whole assistant in process (trained model + real action server): model load time,
  per-message latency over scripted triages, and the process's peak memory.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu.facts import extract_facts  # noqa: E402
from bot.triage import load_engine  # noqa: E402

SENTENCES = [
    "I've had a fever of 101F for 3 days and my coworker just tested positive",
    "my 8 month old is breathing really fast",
    "no cough, no sore throat, but I'm 70 and diabetic",
    "hi",
]
SCRIPTS = [
    ["can you check my symptoms?", "/deny", "/affirm", "38.2", "2 days", "/deny", "/deny",
     "/deny", "34", "/deny"],
    ["I've had a fever of 101F for 3 days and my coworker just tested positive", "/deny"],
    ["I feel fine, I just came back from an area with lots of cases", "/deny", "no", "no"],
]


def timed(function, repeat: int) -> dict:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 3),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3), "n": repeat}


def bench_engine() -> dict:
    engine = load_engine()
    start = time.perf_counter()
    load_engine().next_question({})
    cold = (time.perf_counter() - start) * 1000
    no_danger = dict.fromkeys(["breathing_difficulty", "chest_pain", "confusion", "cyanosis"], False)
    mid = {**no_danger, "fever": True, "temperature_c": 38.2}
    return {
        "next_question_cold_ms": round(cold, 1),
        "next_question_warm": timed(lambda: engine.next_question(mid), 200),
        "assess": timed(lambda: engine.assess(mid), 2000),
    }


def bench_extractor() -> dict:
    extract_facts("warm up")
    return {s[:40]: timed(lambda s=s: extract_facts(s), 300) for s in SENTENCES}


def bench_assistant() -> dict:
    import tempfile

    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from bot.processes import running_action_server
    from bot.training import train

    model = str(train())
    database = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    loop = asyncio.new_event_loop()
    with running_action_server(database) as url:
        start = time.perf_counter()
        agent = loop.run_until_complete(_load(Agent, model, EndpointConfig(url=url)))
        load_s = time.perf_counter() - start
        latencies, first = [], None
        for round_ in range(5):
            for number, script in enumerate(SCRIPTS):
                sender = f"bench-{round_}-{number}"
                for text in script:
                    t0 = time.perf_counter()
                    loop.run_until_complete(agent.handle_text(text, sender_id=sender))
                    elapsed = (time.perf_counter() - t0) * 1000
                    if first is None:
                        first = elapsed
                    else:
                        latencies.append(elapsed)
    latencies.sort()
    return {
        "model_file_mb": round(Path(model).stat().st_size / 2**20, 1),
        "model_load_s": round(load_s, 1),
        "first_message_ms": round(first, 1),
        "message_p50_ms": round(statistics.median(latencies), 1),
        "message_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "messages": len(latencies),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


async def _load(agent_class, model, endpoint):
    return agent_class.load(model, action_endpoint=endpoint)


def main() -> None:
    results = {"engine": bench_engine(), "extractor": bench_extractor(),
               "assistant": bench_assistant()}
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
