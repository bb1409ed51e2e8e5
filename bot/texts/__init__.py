"""The bot's texts by key and language, so a translation is a data file, not code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEXTS = Path(__file__).parent
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, Any]:
    """`<language>.yml` plus every file in `<language>/` (one per topic); a key in two
    files is a mistake and refused."""
    paths = [TEXTS / f"{language}.yml", *sorted((TEXTS / language).glob("*.yml"))]
    paths = [path for path in paths if path.exists()]
    if not paths:
        return catalogue(DEFAULT_LANGUAGE) if language != DEFAULT_LANGUAGE else {}
    texts: dict[str, Any] = {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            part = yaml.safe_load(handle) or {}
        twice = sorted(set(part) & set(texts))
        if twice:
            raise ValueError(f"{path}: text keys already defined elsewhere: {', '.join(twice)}")
        texts.update(part)
    return texts


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message(key: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> dict[str, Any]:
    """{"text": ..., "buttons": [...]} for `key`, with {placeholders} filled from `values`.

    Falls back to English for a key a translation does not have yet.
    """
    entry = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    entry = {"text": entry} if isinstance(entry, str) else dict(entry)
    entry["text"] = entry["text"].format_map(_KeepUnknown(values))
    if entry.get("buttons"):  # titles may name a value too; payloads are never formatted
        entry["buttons"] = [{**button, "title": button["title"].format_map(_KeepUnknown(values))}
                            for button in entry["buttons"]]
    return entry


def choice(key: str, facts: list[str], language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """A choice question limited to `facts`: {"text": intro and bullets,
    "options": [(fact, button title), ...], "none": title of the "none of these" button}."""
    entry = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    options = [(fact, entry["options"][fact]) for fact in facts]
    bullets = "\n".join(f"• {option['text']}" for _, option in options)
    return {"text": f"{entry['text']}\n{bullets}",
            "options": [(fact, option["button"]) for fact, option in options],
            "none": entry["none"]}
