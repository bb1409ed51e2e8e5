"""What the project's training data already says: the domain's intents, and the
examples under data/ (to leave out of an export what is there already)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT
from bot.training_inbox.inbox import normalised

DOMAIN = PROJECT_ROOT / "domain"
DATA = PROJECT_ROOT / "data"
# Rasa's entity markup in an example: [text](entity), [text]{"entity": ...}, [text][{...}]
ENTITY_MARKUP = re.compile(r"\[([^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")


def domain_intents(domain: Path = DOMAIN) -> list[str]:
    """The intents listed in the domain (a file or a directory of them), sorted."""
    found: set[str] = set()
    for path in _yaml_files(domain):
        for intent in (_load(path).get("intents") or []):
            found.update(intent if isinstance(intent, dict) else [intent])
    return sorted(str(intent) for intent in found)


def existing_examples(data: Path = DATA, leave_out: Path | None = None) -> dict[str, str]:
    """Every NLU example under `data` (normalised text -> intent), but those in `leave_out`
    (the export's own file: written again, not a duplicate of itself)."""
    examples: dict[str, str] = {}
    for path in _yaml_files(data):
        if leave_out is not None and path.resolve() == leave_out.resolve():
            continue
        for block in _load(path).get("nlu") or []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            for example in _examples(block.get("examples")):
                examples.setdefault(normalised(ENTITY_MARKUP.sub(r"\1", example)),
                                    str(block["intent"]))
    return examples


def _examples(examples) -> list[str]:
    if isinstance(examples, str):
        return [line.strip()[1:].strip() for line in examples.splitlines()
                if line.strip().startswith("-")]
    if isinstance(examples, list):
        return [str(entry.get("text", "")) for entry in examples if isinstance(entry, dict)]
    return []


def _yaml_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def _load(path: Path) -> dict:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}
