"""Which department's online consultation a person sent to an online specialist joins,
and what they are told about the wait."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from bot.directory.config import Department, Directory, display
from bot.directory.hours import describe_time


def need_of(directory: Directory, facts: Mapping[str, Any]) -> str:
    """Pregnancy goes to obstetrics, children to paediatrics, everyone else to the fever
    department (respiratory or infectious diseases, as the deployment says)."""
    if facts.get("pregnant") is True:
        return "pregnancy"
    age = facts.get("age")
    if isinstance(age, (int, float)) and age < directory.paediatric_age_under:
        return "children"
    return "fever"


@dataclass(frozen=True)
class Wait:
    department: str  # its display name (in the language asked for)
    position: int  # 1 = next
    minutes: int  # rough, rounded up to 5 minutes
    opens: str | None  # when the online consultation opens, if it is closed now


def estimate_wait(department: Department, position: int, now: datetime,
                  directory: Directory, language: str = "en") -> Wait:
    local = now.astimezone(directory.zone)
    rounds = math.ceil(position / department.specialists_on_duty)
    minutes = max(5, 5 * math.ceil(rounds * department.minutes_per_patient / 5))
    hours = department.opening_hours
    opens = None if hours.is_open(local) else hours.opens_at(local)
    return Wait(department=display(department.name, language), position=position,
                minutes=minutes, opens=describe_time(opens, local, language) if opens else None)


def describe_minutes(minutes: int, language: str = "en") -> str:
    """"40 minutes", "1 hour 30 minutes", "2 hours"; in Chinese "40分钟", "1小时30分钟", "2小时"."""
    hours, rest = divmod(minutes, 60)
    if language == "zh":
        if not hours:
            return f"{minutes}分钟"
        return f"{hours}小时{rest}分钟" if rest else f"{hours}小时"
    if minutes < 60:
        return f"{minutes} minutes"
    text = f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{text} {rest} minutes" if rest else text
