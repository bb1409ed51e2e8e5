"""Where and when: the hospital directory's fever clinics, open now first."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import directory, language, now, utter
from bot.directory.clinics import clinics_for, district_in
from bot.directory.config import display
from bot.directory.describe import clinic_lines


def utter_clinics(dispatcher: CollectingDispatcher, tracker: Tracker,
                  district: str | None = None) -> None:
    lang = language(tracker)
    listing = clinics_for(directory(), now(), district, lang)
    hospital = display(directory().hospital.name, lang)
    lines = clinic_lines(listing, lang)
    if listing.district:
        utter(dispatcher, tracker, "fever_clinics_in_district",
              district=display(listing.district, lang), clinics=lines)
    else:
        utter(dispatcher, tracker, "fever_clinics", hospital=hospital, clinics=lines)
    if not any(status.open_now for status in listing.clinics):
        utter(dispatcher, tracker, "fever_clinics_none_open")


def district_named(tracker: Tracker) -> str | None:
    """The district the person last named in this conversation ("I live in Haidian",
    "我住在海淀区"), in any of its languages."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            district = district_in(directory(), event.get("text") or "")
            if district:
                return district
    return None


class ActionFeverClinics(Action):
    """"Is the fever clinic open at night?", "fever clinic in Chaoyang?"."""

    def name(self) -> Text:
        return "action_fever_clinics"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        district = district_in(directory(), text)
        utter_clinics(dispatcher, tracker, district)
        return []
