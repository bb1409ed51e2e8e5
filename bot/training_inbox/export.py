"""Trainers' annotations as Rasa NLU training data (YAML, version "3.1"), for review in
git. Examples the training data already has are left out: under the same intent they
would add nothing, under another they would contradict it (`rasa data validate` refuses
both kinds of repetition across intents); those are listed for the trainer instead."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

import yaml

from bot.training_inbox.inbox import normalised
from bot.storage.models import NluAnnotation

VERSION = "3.1"
# "]" right before "(", "{" or "[" would read as Rasa's entity markup: "[NAME](35)".
ENTITY_LIKE = re.compile(r"\](?=[({\[])")


@dataclass
class Export:
    yaml: str
    examples: int = 0
    already_there: list[str] = field(default_factory=list)  # same intent in data/
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)  # text, ours, data's


def example_text(text: str) -> str:
    """One line, no accidental entity markup."""
    return ENTITY_LIKE.sub("] ", " ".join(text.split()))


def to_yaml(annotated: Iterable[NluAnnotation], existing: dict[str, str]) -> Export:
    """Annotated (not discarded) messages grouped by intent, oldest first; `existing` is
    normalised text -> intent of the training data (training_data.existing_examples)."""
    by_intent: dict[str, list[str]] = {}
    export = Export("")
    seen: set[str] = set()
    for annotation in sorted(annotated, key=lambda a: (a.annotated_at, a.id)):
        if annotation.status != "annotated" or not annotation.intent:
            continue
        text = example_text(annotation.text)
        there = existing.get(normalised(text))
        if there == annotation.intent:
            export.already_there.append(text)
        elif there is not None:
            export.conflicts.append((text, annotation.intent, there))
        elif normalised(text) not in seen:
            seen.add(normalised(text))
            by_intent.setdefault(annotation.intent, []).append(text)
    export.examples = sum(len(texts) for texts in by_intent.values())
    document = {"version": VERSION, "nlu": [
        {"intent": intent, "examples": _Block("".join(f"- {text}\n" for text in texts))}
        for intent, texts in sorted(by_intent.items())]}
    export.yaml = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                            width=100_000, default_flow_style=False)
    return export


def heading(who: str) -> list[str]:
    """The first lines of an exported file (as comments: see `commented`)."""
    moment = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [f"From the NLU inbox, exported {moment} by {who}.",
            "Messages people wrote (personal data masked), with the intent a trainer chose.",
            "Review them before merging; then `make validate` and retrain."]


def summary(export: Export) -> list[str]:
    """What was written and what was left out, for the trainer."""
    lines = [f"{export.examples} example(s)."]
    if export.already_there:
        lines.append(f"Left out {len(export.already_there)} already in the training data "
                     "under the same intent.")
    if export.conflicts:
        lines.append(f"Left out {len(export.conflicts)} that the training data has under "
                     "another intent (check which is right):")
        lines += [f"  {text!r}: inbox says {ours}, data/ says {theirs}"
                  for text, ours, theirs in export.conflicts]
    return lines


def commented(lines: Iterable[str], body: str) -> str:
    """`body` after `lines` as YAML comments."""
    return "".join(f"# {line}".rstrip() + "\n" for line in lines) + body


class _Block(str):
    """Written as a YAML literal block (`examples: |`), as Rasa's own files are."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Block, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", str(text), style="|"))
