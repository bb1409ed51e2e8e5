"""The directory in words: clinic lists and contact lines for the bot's messages."""

from __future__ import annotations

from datetime import datetime

from bot.directory.clinics import ClinicList
from bot.directory.config import Contact, Directory
from bot.directory.hours import describe_time


def clinic_lines(clinics: ClinicList) -> str:
    return "\n".join(
        f"• {s.clinic.name}, {s.clinic.address} ({s.clinic.district}), tel. {s.clinic.phone}: "
        f"{s.when}" for s in clinics.clinics)


def contact_line(contact: Contact, directory: Directory, now: datetime) -> str:
    return f"• {contact.name}: {contact.phone} ({availability(contact, directory, now)})"


def availability(contact: Contact, directory: Directory, now: datetime) -> str:
    hours = contact.opening_hours
    if hours.always:
        return "any time, day or night"
    local = now.astimezone(directory.zone)
    if hours.is_open(local):
        return f"open now, until {describe_time(hours.closes_at(local), local)}"
    opens = hours.opens_at(local)
    return f"opens {describe_time(opens, local)}" if opens else "closed"


def counselling_lines(directory: Directory, now: datetime) -> str:
    """Contacts open now first: someone who needs to talk should see who answers now."""
    contacts = sorted(directory.counselling.contacts,
                      key=lambda c: not (c.opening_hours.always
                                         or c.opening_hours.is_open(now.astimezone(directory.zone))))
    return "\n".join(contact_line(contact, directory, now) for contact in contacts)
