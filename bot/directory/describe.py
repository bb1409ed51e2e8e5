"""The directory in words: clinic lists and contact lines for the bot's messages, in the
conversation's language ("en" or "zh")."""

from __future__ import annotations

from datetime import datetime

from bot.directory.clinics import ClinicList
from bot.directory.config import Contact, Directory, display
from bot.directory.hours import describe_time


def clinic_lines(clinics: ClinicList, language: str = "en") -> str:
    """One line per clinic; `clinics` should come from `clinics_for(..., language)` so
    that the opening hours read in the same language."""
    if language == "zh":
        return "\n".join(_clinic_line_zh(status) for status in clinics.clinics)
    return "\n".join(
        f"• {s.clinic.name}, {s.clinic.address} ({s.clinic.district}), tel. {s.clinic.phone}: "
        f"{s.when}" for s in clinics.clinics)


def _clinic_line_zh(status) -> str:
    """"• 朝阳分院发热门诊：朝阳区样本街88号3号楼，电话 010-5555-0102，开诊至20:00"."""
    clinic = status.clinic
    district, address = display(clinic.district, "zh"), display(clinic.address, "zh")
    where = address if address.startswith(district) else f"{district}{address}"
    return f"• {display(clinic.name, 'zh')}：{where}，电话 {clinic.phone}，{status.when}"


def contact_line(contact: Contact, directory: Directory, now: datetime,
                 language: str = "en") -> str:
    hours = availability(contact, directory, now, language)
    if language == "zh":
        return f"• {display(contact.name, 'zh')}：{contact.phone}（{hours}）"
    return f"• {contact.name}: {contact.phone} ({hours})"


# How a phone line's hours read, by language: (always, open now until {time}, opens {time}, closed).
_AVAILABILITY = {
    "en": ("any time, day or night", "open now, until {time}", "opens {time}", "closed"),
    "zh": ("24小时接听", "现在可拨打，接听至{time}", "{time}开始接听", "暂停接听"),
}


def availability(contact: Contact, directory: Directory, now: datetime,
                 language: str = "en") -> str:
    always, until, opens_at, closed = _AVAILABILITY.get(language, _AVAILABILITY["en"])
    hours = contact.opening_hours
    if hours.always:
        return always
    local = now.astimezone(directory.zone)
    if hours.is_open(local):
        return until.format(time=describe_time(hours.closes_at(local), local, language))
    opens = hours.opens_at(local)
    return opens_at.format(time=describe_time(opens, local, language)) if opens else closed


def counselling_lines(directory: Directory, now: datetime, language: str = "en") -> str:
    """Contacts open now first: someone who needs to talk should see who answers now."""
    contacts = sorted(directory.counselling.contacts,
                      key=lambda c: not (c.opening_hours.always
                                         or c.opening_hours.is_open(now.astimezone(directory.zone))))
    return "\n".join(contact_line(contact, directory, now, language) for contact in contacts)
