"""One region's official figures on one day, and the checks every way in shares (the
console form, a CSV or JSON import), so a figure is refused for the same reason however
it arrives."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

FIELDS = ("region", "confirmed", "recovered", "deaths", "as_of", "source")
COUNTS = ("confirmed", "recovered", "deaths")
MAX_REGION = 100  # the columns' lengths (bot.storage.models.OfficialStatistic)
MAX_SOURCE = 255
MAX_COUNT = 2_147_483_647  # a PostgreSQL integer
# "1234" or "1,234": a thousands separator is how people copy figures from a web page.
_WHOLE_NUMBER = re.compile(r"\d+|\d{1,3}(?:,\d{3})+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Figures:
    region: str
    confirmed: int
    recovered: int
    deaths: int
    as_of: date
    source: str
    updated_by: str | None = None  # set once stored
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field; `message` starts with the field's name."""
    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def latest_allowed_date(now: datetime) -> date:
    """The last date figures can have: today somewhere on Earth (UTC+14). A health
    commission east of UTC dates its figures by its own calendar, which is a day ahead of
    UTC's for part of every day; only a date that is tomorrow everywhere is a mistake."""
    return (now.astimezone(timezone.utc) + timedelta(hours=14)).date()


def read_figures(raw: Mapping[str, Any], now: datetime) -> tuple[Figures | None, list[Problem]]:
    """`raw` (strings from a form or CSV, or JSON values) checked and converted: the
    figures, or None and every problem found."""
    problems: list[Problem] = []
    region = _text(raw, "region", MAX_REGION, problems)
    counts = {name: _count(raw, name, problems) for name in COUNTS}
    as_of = _date(raw, now, problems)
    source = _text(raw, "source", MAX_SOURCE, problems)
    if None not in counts.values() and counts["recovered"] + counts["deaths"] > counts["confirmed"]:
        problems.append(Problem("recovered", (
            f"recovered ({counts['recovered']:,}) plus deaths ({counts['deaths']:,}) is more "
            f"than confirmed ({counts['confirmed']:,})")))
    if problems:
        return None, problems
    return Figures(region=region, as_of=as_of, source=source, **counts), []


def normal_region(name: str) -> str:
    """How a region's name is kept: spaces trimmed and single."""
    return " ".join(name.split())


def region_key(name: str) -> str:
    """Two spellings of one region ("beijing", "Beijing ") have the same key."""
    return normal_region(name).casefold()


def shown(value: Any, limit: int = 40) -> str:
    """A bad value quoted in a message, never so long that it hides the message."""
    text = json.dumps(value) if isinstance(value, bool) or value is None else repr(value)
    return text if len(text) <= limit else text[:limit - 4] + "...'"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(raw: Mapping[str, Any], name: str, limit: int, problems: list[Problem]) -> str | None:
    value = raw.get(name)
    if _missing(value):
        problems.append(Problem(name, f"{name} is missing"))
        return None
    if not isinstance(value, str):
        problems.append(Problem(name, f"{name} must be text, not {shown(value)}"))
        return None
    if any(unicodedata.category(char) == "Cc" for char in value.strip()):
        problems.append(Problem(name, f"{name} must be one line of plain text"))
        return None
    value = normal_region(value)
    if len(value) > limit:
        problems.append(Problem(name, f"{name} is too long ({len(value)} characters; "
                                      f"at most {limit})"))
        return None
    if name == "region" and not any(char.isalpha() for char in value):
        problems.append(Problem(name, f"region must be a place's name, not {shown(value)}"))
        return None
    return value


def _count(raw: Mapping[str, Any], name: str, problems: list[Problem]) -> int | None:
    value = raw.get(name)
    if _missing(value):
        problems.append(Problem(name, f"{name} is missing"))
        return None
    number: int | None = None
    if isinstance(value, bool):
        pass  # JSON true/false are not counts
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        number = int(value.strip().replace(",", ""))
    if number is None or number < 0:
        problems.append(Problem(name, f"{name} must be a whole number ≥ 0, not {shown(value)}"))
        return None
    if number > MAX_COUNT:
        problems.append(Problem(name, f"{name} is too large (at most {MAX_COUNT:,})"))
        return None
    return number


def _date(raw: Mapping[str, Any], now: datetime, problems: list[Problem]) -> date | None:
    value = raw.get("as_of")
    if _missing(value):
        problems.append(Problem("as_of", "as_of is missing"))
        return None
    try:
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value
        elif isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            day = date.fromisoformat(value.strip())
        else:
            raise ValueError
    except ValueError:
        problems.append(Problem("as_of", f"as_of must be a date like 2026-11-25, "
                                         f"not {shown(value)}"))
        return None
    if day > latest_allowed_date(now):
        problems.append(Problem("as_of", f"as_of {day.isoformat()} is in the future"))
        return None
    return day
