"""Speed of the assistant's own parts, without Rasa (part of `make bench`):
the protocol engine (next question from scratch and mid-dialogue, assess) and the fact
extractor on typical messages."""

from __future__ import annotations

import json
import statistics
import time

from bot.nlu.facts import extract_facts
from bot.triage import load_engine

SENTENCES = [
    "I've had a fever of 101F for 3 days and my coworker just tested positive",
    "my 8 month old is breathing really fast",
    "no cough, no sore throat, but I'm 70 and diabetic",
    "hi",
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


def main() -> dict:
    return {"engine": bench_engine(), "extractor": bench_extractor()}


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
