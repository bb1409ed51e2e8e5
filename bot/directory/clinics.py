"""Which fever clinics to tell a person about, and in what order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.directory.config import Directory, FeverClinic
from bot.directory.hours import describe_time


@dataclass(frozen=True)
class ClinicStatus:
    clinic: FeverClinic
    open_now: bool
    # "open 24 hours", "open until 20:00", "opens tomorrow 08:00"
    when: str


@dataclass(frozen=True)
class ClinicList:
    clinics: list[ClinicStatus]
    district: str | None  # the district asked about, when it has clinics
    unknown_district: bool = False  # a district was named that has no clinic


def clinics_for(directory: Directory, now: datetime, district: str | None = None) -> ClinicList:
    """Clinics open now first (then by how soon they open), in the file's order otherwise;
    only those of `district` when it has any."""
    local = now.astimezone(directory.zone)
    chosen = list(directory.fever_clinics)
    if district:
        in_district = [c for c in chosen if c.district.casefold() == district.casefold()]
        if in_district:
            chosen = in_district
    statuses = [_status(clinic, local) for clinic in chosen]
    order = {id(status): index for index, status in enumerate(statuses)}
    statuses.sort(key=lambda s: (not s.open_now, _opens_in(s, local), order[id(s)]))
    matched = next((c.district for c in directory.fever_clinics
                    if district and c.district.casefold() == district.casefold()), None)
    return ClinicList(statuses, matched, unknown_district=bool(district) and not matched)


def district_in(directory: Directory, text: str) -> str | None:
    """The directory's district the text names ("any clinic in chaoyang?"), if any."""
    for district in sorted({c.district for c in directory.fever_clinics}, key=len, reverse=True):
        if re.search(rf"(?<!\w){re.escape(district)}(?!\w)", text, re.IGNORECASE):
            return district
    return None


def _status(clinic: FeverClinic, local: datetime) -> ClinicStatus:
    hours = clinic.opening_hours
    if hours.always:
        return ClinicStatus(clinic, True, "open 24 hours")
    if hours.is_open(local):
        return ClinicStatus(clinic, True, f"open until {describe_time(hours.closes_at(local), local)}")
    opens = hours.opens_at(local)
    return ClinicStatus(clinic, False, f"opens {describe_time(opens, local)}" if opens else "closed")


def _opens_in(status: ClinicStatus, local: datetime) -> float:
    if status.open_now:
        return 0
    opens = status.clinic.opening_hours.opens_at(local)
    return (opens - local).total_seconds() if opens else float("inf")
