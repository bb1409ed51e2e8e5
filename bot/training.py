"""Train the model only when its inputs changed, and keep models/ from filling the disk.

Rasa 3 reuses cached components but still writes a new 35 MB archive on every
`rasa train`; `make train`, `make run` and the tests all come through here instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.settings import PROJECT_ROOT

MODELS = PROJECT_ROOT / "models"
KEEP = 3
TIMES = MODELS / "training-times.json"  # seconds each model took to train
# What a trained model depends on (the NLU components' code: VocabularyGuard learns words).
INPUTS = ["config.yml", "domain", "data", "bot/nlu/components.py"]


def _newest_input() -> float:
    paths = []
    for name in INPUTS:
        path = PROJECT_ROOT / name
        paths += [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    return max(p.stat().st_mtime for p in paths)


def current_model() -> Path | None:
    """The newest model, if it is newer than everything it was trained from."""
    models = sorted(MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if models and models[-1].stat().st_mtime >= _newest_input():
        return models[-1]
    return None


def train(force: bool = False) -> Path:
    model = None if force else current_model()
    if model is not None:
        print(f"The model is up to date: {model.relative_to(PROJECT_ROOT)}")
        return model
    from rasa.model_training import train as rasa_train

    started = time.monotonic()
    result = rasa_train(domain=str(PROJECT_ROOT / "domain"), config=str(PROJECT_ROOT / "config.yml"),
                        training_files=[str(PROJECT_ROOT / "data")], output=str(MODELS),
                        force_training=force)
    if result.code != 0 or not result.model:
        raise SystemExit("Training failed; see the messages above.")
    record_training_time(Path(result.model), time.monotonic() - started)
    for old in sorted(MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
        old.unlink()
    return Path(result.model)


def record_training_time(model: Path, seconds: float) -> None:
    """Kept beside the models for `make bench` (which does not retrain to measure it)."""
    times = training_times()
    times[model.name] = round(seconds, 1)
    TIMES.write_text(json.dumps(times, indent=1))


def training_times() -> dict[str, float]:
    try:
        return json.loads(TIMES.read_text())
    except (OSError, ValueError):
        return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.training", description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    train(parser.parse_args(argv).force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
