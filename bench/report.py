"""The benchmark's short table (Markdown): figures, ratios to the baseline, targets."""

from __future__ import annotations

BASELINE_PREFIX = "rasa init"


def table(report: dict) -> str:
    machine = report["machine"]
    lines = [f"# make bench, {report['date']} ({machine['cores']} cores, Python "
             f"{machine['python']}), {report['seconds_per_level']:g} s per level", "",
             "| system | training | start to ready | first turn | peak memory (MB) |",
             "|---|---|---|---|---|"]
    for system in report["systems"]:
        memory = ", ".join(f"{name} {mb:.0f}" for name, mb in system["peak_memory_mb"].items())
        training = f"{system['training_s']} s" if system["training_s"] else "not recorded"
        lines.append(f"| {system['name']} | {training} | {system['start_to_ready_s']} s | "
                     f"{system['first_turn_ms']} ms | {memory} |")
    lines += ["", "| system | people | msg/s | p50 ms | p95 ms | p99 ms | max ms | errors | "
                  "wrong routes |", "|---|---|---|---|---|---|---|---|---|"]
    for system in report["systems"]:
        routes = system["name"].startswith(BASELINE_PREFIX)
        for level in system["levels"]:
            lines.append(f"| {system['name']} | {level['people']} | {level['messages_per_s']} | "
                         f"{level['p50_ms']} | {level['p95_ms']} | {level['p99_ms']} | "
                         f"{level['max_ms']} | {level['errors']} | "
                         f"{'n/a' if routes else level['wrong_routes']} |")
    baseline = next((s for s in report["systems"] if s["name"].startswith(BASELINE_PREFIX)),
                    None)
    ours = [s for s in report["systems"] if not s["name"].startswith(BASELINE_PREFIX)]
    if baseline and ours:
        lines += ["", "Ratios to the baseline (ours / baseline; latency: lower is better, "
                      "msg/s: higher is better)", "",
                  "| system | people | p50 | p99 | msg/s |", "|---|---|---|---|---|"]
        for system in ours:
            for mine, theirs in zip(system["levels"], baseline["levels"]):
                lines.append(f"| {system['name']} | {mine['people']} | "
                             f"{ratio(mine['p50_ms'], theirs['p50_ms'])} | "
                             f"{ratio(mine['p99_ms'], theirs['p99_ms'])} | "
                             f"{ratio(mine['messages_per_s'], theirs['messages_per_s'])} |")
        lines += ["", "Targets (issue 8)", ""]
        for system in ours:
            lines += [f"- {system['name']}: " + "; ".join(targets(system, baseline))]
    return "\n".join(lines) + "\n"


def ratio(mine: float | None, theirs: float | None) -> str:
    if not mine or not theirs:
        return "n/a"
    return f"{mine / theirs:.2f}x"


def level(system: dict, people: int) -> dict | None:
    return next((lv for lv in system["levels"] if lv["people"] == people), None)


def targets(system: dict, baseline: dict) -> list[str]:
    verdicts = []
    mine, theirs = level(system, 1), level(baseline, 1)
    if mine and theirs and mine["p50_ms"] and theirs["p50_ms"]:
        value = mine["p50_ms"] / theirs["p50_ms"]
        verdicts.append(f"p50 at 1 person {value:.2f}x the baseline's (at most 1.5x: "
                        f"{met(value <= 1.5)})")
    at_50 = level(system, 50)
    if at_50:
        verdicts.append(f"50 people: {at_50['errors']} errors ({met(at_50['errors'] == 0)}), "
                        f"p99 {at_50['p99_ms']} ms (under 1 s: "
                        f"{met(at_50['p99_ms'] is not None and at_50['p99_ms'] < 1000)})")
    best_mine = max((lv["messages_per_s"] for lv in system["levels"]), default=0)
    best_theirs = max((lv["messages_per_s"] for lv in baseline["levels"]), default=0)
    if best_theirs:
        value = best_mine / best_theirs
        verdicts.append(f"best throughput {best_mine} msg/s, {value:.2f}x the baseline's "
                        f"{best_theirs} (at least 2x: {met(value >= 2)})")
    return verdicts


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"
