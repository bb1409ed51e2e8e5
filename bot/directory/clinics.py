"""Which fever clinics to tell a person about, and in what order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.directory.config import Directory, FeverClinic, LocalText
from bot.directory.hours import describe_time
from bot.nlu.language import HAN


@dataclass(frozen=True)
class ClinicStatus:
    clinic: FeverClinic
    open_now: bool
    # "open 24 hours", "open until 20:00", "opens tomorrow 08:00" (in the language asked for:
    # "24小时开诊", "开诊至20:00", "明天 08:00开诊")
    when: str


@dataclass(frozen=True)
class ClinicList:
    clinics: list[ClinicStatus]
    # The district asked about, when it has clinics: as the file has it (a LocalText, equal
    # to its English name; `display(district, language)` for the person's language).
    district: str | None
    unknown_district: bool = False  # a district was named that has no clinic


def clinics_for(directory: Directory, now: datetime, district: str | None = None,
                language: str = "en") -> ClinicList:
    """Clinics open now first (then by how soon they open), in the file's order otherwise;
    only those of `district` (named in any of its languages) when it has any."""
    local = now.astimezone(directory.zone)
    chosen = list(directory.fever_clinics)
    if district:
        in_district = [c for c in chosen if _same_district(c.district, district)]
        if in_district:
            chosen = in_district
    statuses = [_status(clinic, local, language) for clinic in chosen]
    order = {id(status): index for index, status in enumerate(statuses)}
    statuses.sort(key=lambda s: (not s.open_now, _opens_in(s, local), order[id(s)]))
    matched = next((c.district for c in directory.fever_clinics
                    if district and _same_district(c.district, district)), None)
    return ClinicList(statuses, matched, unknown_district=bool(district) and not matched)


def district_in(directory: Directory, text: str) -> str | None:
    """The directory's district the text names, in any of its languages ("any clinic in
    chaoyang?", "朝阳区有发热门诊吗", "我住在朝阳"), if any: as the file has it."""
    names = [(name, district) for district in {c.district for c in directory.fever_clinics}
             for name in _names_of(district)]
    for name, district in sorted(names, key=lambda pair: len(pair[0]), reverse=True):
        if HAN.search(name):
            # Chinese is written without spaces: no word boundaries to look for.
            found = name.casefold() in text.casefold()
        else:
            # A whole word, though Chinese may touch it: "我在Chaoyang".
            found = re.search(rf"(?<!{_NON_CJK_WORD}){re.escape(name)}(?!{_NON_CJK_WORD})",
                              text, re.IGNORECASE)
        if found:
            return district
    return None


_NON_CJK_WORD = r"[^\W\u3400-\u9fff\uf900-\ufaff]"
# What Chinese district names end with, and people often leave off ("朝阳" for 朝阳区).
_ZH_SUFFIXES = ("新区", "区", "县", "市", "镇")


def _names_of(district: str) -> list[str]:
    """Every way the file lets a person name the district: each language's name, and a
    Chinese name without its 区/县 ("朝阳区" -> "朝阳") when two characters or more remain."""
    variants = district.variants if isinstance(district, LocalText) else (str(district),)
    names = []
    for name in variants:
        names.append(name)
        if HAN.search(name):
            for suffix in _ZH_SUFFIXES:
                if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                    names.append(name[:-len(suffix)])
                    break
    return list(dict.fromkeys(names))


def _same_district(district: str, asked: str) -> bool:
    asked = asked.strip().casefold()
    return any(name.casefold() == asked for name in _names_of(district))


# How a clinic's hours read, by language: (always open, open until {time}, opens {time}, closed).
_WHEN = {
    "en": ("open 24 hours", "open until {time}", "opens {time}", "closed"),
    "zh": ("24小时开诊", "开诊至{time}", "{time}开诊", "暂停开诊"),
}


def _status(clinic: FeverClinic, local: datetime, language: str = "en") -> ClinicStatus:
    always, until, opens_at, closed = _WHEN.get(language, _WHEN["en"])
    hours = clinic.opening_hours
    if hours.always:
        return ClinicStatus(clinic, True, always)
    if hours.is_open(local):
        return ClinicStatus(clinic, True, until.format(
            time=describe_time(hours.closes_at(local), local, language)))
    opens = hours.opens_at(local)
    return ClinicStatus(clinic, False, opens_at.format(time=describe_time(opens, local, language))
                        if opens else closed)


def _opens_in(status: ClinicStatus, local: datetime) -> float:
    if status.open_now:
        return 0
    opens = status.clinic.opening_hours.opens_at(local)
    return (opens - local).total_seconds() if opens else float("inf")
