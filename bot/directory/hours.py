"""Weekly opening hours: "always" or lines like "Mon-Fri 08:00-20:00", "Sat 09:00-12:00",
"Sun 20:00-08:00" (past midnight: open until 08:00 on Monday)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "always"
_LINE = re.compile(
    r"^\s*(?P<first>[A-Za-z]{3})(?:\s*-\s*(?P<last>[A-Za-z]{3}))?\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$")
WEEK_MINUTES = 7 * 24 * 60


class HoursError(ValueError):
    pass


@dataclass(frozen=True)
class OpeningHours:
    """Open intervals as minutes from Monday 00:00, possibly past the week's end."""

    intervals: tuple[tuple[int, int], ...]
    always: bool = False

    @classmethod
    def parse(cls, lines: str | list[str]) -> "OpeningHours":
        if isinstance(lines, str):
            if lines.strip().lower() in {ALWAYS, "24h", "24/7"}:
                return cls(intervals=(), always=True)
            lines = [lines]
        if not lines:
            raise HoursError('no opening hours given (write "always" or lines like "Mon-Fri 08:00-20:00")')
        intervals = []
        for line in lines:
            intervals.extend(_parse_line(str(line)))
        return cls(intervals=tuple(sorted(intervals)))

    def is_open(self, moment: datetime) -> bool:
        if self.always:
            return True
        minute = _week_minute(moment)
        return any(start <= m < end for start, end in self.intervals
                   for m in (minute, minute + WEEK_MINUTES))

    def closes_at(self, moment: datetime) -> datetime | None:
        """When an open place closes (None: always open, or not open now)."""
        if self.always:
            return None
        minute = _week_minute(moment)
        ends = [end - m for start, end in self.intervals
                for m in (minute, minute + WEEK_MINUTES) if start <= m < end]
        return _at(moment, max(ends)) if ends else None

    def opens_at(self, moment: datetime) -> datetime | None:
        """When a closed place next opens (None when open now or always)."""
        if self.always or self.is_open(moment):
            return None
        minute = _week_minute(moment)
        waits = [start - m for start, _ in self.intervals
                 for m in (minute, minute - WEEK_MINUTES) if start > m]
        return _at(moment, min(waits)) if waits else None


def _parse_line(line: str) -> list[tuple[int, int]]:
    match = _LINE.match(line)
    if not match:
        raise HoursError(f'{line!r} is not like "Mon-Fri 08:00-20:00" (or write "always")')
    first, last = match["first"].lower(), (match["last"] or match["first"]).lower()
    for day in (first, last):
        if day not in DAYS:
            raise HoursError(f"{line!r}: {day!r} is not a day (Mon Tue Wed Thu Fri Sat Sun)")
    opens, closes = _minutes(match["open"], line), _minutes(match["close"], line)
    if opens == closes:
        raise HoursError(f"{line!r}: opens and closes at the same time")
    if closes < opens:
        closes += 24 * 60  # past midnight
    start_day, end_day = DAYS.index(first), DAYS.index(last)
    days = range(start_day, end_day + 1) if start_day <= end_day else \
        [*range(start_day, 7), *range(0, end_day + 1)]
    return [(day * 1440 + opens, day * 1440 + closes) for day in days]


def _minutes(value: str, line: str) -> int:
    hours, minutes = (int(part) for part in value.split(":"))
    if hours == 24 and minutes == 0:
        return 24 * 60
    if hours > 23 or minutes > 59:
        raise HoursError(f"{line!r}: {value!r} is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def _week_minute(moment: datetime) -> int:
    return moment.weekday() * 1440 + moment.hour * 60 + moment.minute


def _at(moment: datetime, minutes_from_now: int) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=minutes_from_now)


# Weekdays as Chinese notices write them, Monday first.
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def describe_time(moment: datetime, now: datetime, language: str = "en") -> str:
    """"20:00", "tomorrow 08:00" or "Mon 08:00" as seen from `now` (same time zone);
    in Chinese "20:00", "明天 08:00", "周一 08:00"."""
    clock = moment.strftime("%H:%M")
    days = (moment.date() - now.date()).days
    if days == 0:
        return clock
    if language == "zh":
        return f"{'明天' if days == 1 else WEEKDAYS_ZH[moment.weekday()]} {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    return f"{moment.strftime('%a')} {clock}"


def describe_date(day: date | datetime, language: str = "en") -> str:
    """A day with its weekday: "Sat 05 Dec"; in Chinese "12月5日（周六）"."""
    if language == "zh":
        return f"{day.month}月{day.day}日（{WEEKDAYS_ZH[day.weekday()]}）"
    return day.strftime("%a %d %b")
