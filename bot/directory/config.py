"""The hospital directory: one YAML file per deployment (hospital.yml, or HOSPITAL_CONFIG).

Hospital name and time zone, emergency number, fever clinics with opening hours, the
departments that hold online consultations, and counselling contacts. A mistake is refused
when the assistant starts, naming the file, line and field (DirectoryError).

Every text shown to people (names, addresses, districts) is either one string for all
languages or one per language, `{en: ..., zh: ...}` (a missing language falls back to en):
see `LocalText` and `display`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, conint, constr, validator

from bot.nlu.language import DEFAULT_LANGUAGE, LANGUAGES
from bot.directory.hours import HoursError, OpeningHours
from bot.settings import PROJECT_ROOT

DEFAULT_PATH = PROJECT_ROOT / "hospital.yml"
# What a department can be the online-consultation queue for (bot.directory.departments).
NEEDS = ("fever", "pregnancy", "children")

Text = constr(strip_whitespace=True, min_length=1, max_length=200)
MAX_TEXT = 200
Hours = Union[str, List[str]]


class DirectoryError(ValueError):
    """The directory file cannot be used; the message says where and why."""


class LocalText(str):
    """A display text from the file. As a string it is the English text (or the only one
    given), so code that does not care about languages keeps working; `in_language`
    gives the text for a conversation's language, falling back to English."""

    translations: Dict[str, str]

    def __new__(cls, value: Union[str, Dict[str, str]]) -> "LocalText":
        texts = dict(value) if isinstance(value, dict) else {}
        default = (texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()), None)
                   if texts else str(value))
        text = super().__new__(cls, default)
        text.translations = texts
        return text

    def in_language(self, language: str | None) -> str:
        return self.translations.get(language or DEFAULT_LANGUAGE) or str(self)

    @property
    def variants(self) -> tuple[str, ...]:
        """Every language's text, English first (what a person may type to name it)."""
        return tuple(dict.fromkeys([str(self), *self.translations.values()]))

    @classmethod
    def __get_validators__(cls):
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> "LocalText":
        if isinstance(value, LocalText):
            return value
        if isinstance(value, dict):
            if not value:
                raise ValueError(f"give the text, or one per language ({', '.join(LANGUAGES)})")
            texts = {}
            for language, text in value.items():
                if language not in LANGUAGES:
                    raise ValueError(f"{language!r} is not a language of the assistant "
                                     f"(use {', '.join(LANGUAGES)})")
                texts[language] = _one_text(text, f"{language}: ")
            return cls(texts)
        return cls(_one_text(value, ""))


def _one_text(value: Any, where: str) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"{where}expected a text, or one per language like "
                         "{en: Chaoyang, zh: 朝阳区}")
    text = str(value).strip()
    if not text:
        raise ValueError(f"{where}must not be empty")
    if len(text) > MAX_TEXT:
        raise ValueError(f"{where}at most {MAX_TEXT} characters")
    return text


def display(text: str | None, language: str | None = DEFAULT_LANGUAGE) -> str:
    """A directory text in `language` (plain strings are the same in every language)."""
    if text is None:
        return ""
    return text.in_language(language) if isinstance(text, LocalText) else str(text)


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid  # a misspelt field is an error, not silently ignored
        allow_mutation = False


def _hours(value: Any) -> OpeningHours:
    try:
        return OpeningHours.parse(value)
    except HoursError as error:
        raise ValueError(str(error))


def _checked_hours(cls, value):
    _hours(value)
    return value


class Contact(_Strict):
    name: LocalText
    phone: constr(strip_whitespace=True, min_length=2, max_length=40, regex=r"^[0-9+()\- ]+$")
    hours: Hours = "always"
    note: Optional[LocalText] = None

    _valid_hours = validator("hours", allow_reuse=True)(_checked_hours)

    @property
    def opening_hours(self) -> OpeningHours:
        return _hours(self.hours)


class FeverClinic(Contact):
    address: LocalText
    district: LocalText


class Department(_Strict):
    name: LocalText
    online_hours: Hours
    handles: List[Literal["fever", "pregnancy", "children"]] = []
    minutes_per_patient: conint(ge=1, le=240) = 10
    specialists_on_duty: conint(ge=1, le=100) = 1

    _valid_hours = validator("online_hours", allow_reuse=True)(_checked_hours)

    @property
    def opening_hours(self) -> OpeningHours:
        return _hours(self.online_hours)


class Hospital(_Strict):
    name: LocalText
    timezone: Text = "Asia/Shanghai"

    @validator("timezone")
    def _known_zone(cls, value):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone name (like Asia/Shanghai)")
        return value


class Counselling(_Strict):
    crisis_line: Contact
    contacts: List[Contact] = Field(..., min_items=1)


class Directory(_Strict):
    hospital: Hospital
    emergency_number: constr(strip_whitespace=True, regex=r"^[0-9+\-]{2,15}$") = "120"
    paediatric_age_under: conint(ge=1, le=18) = 14  # children's consultations: paediatrics
    fever_clinics: List[FeverClinic] = Field(..., min_items=1)
    departments: Dict[constr(regex=r"^[a-z_]{2,32}$"), Department]
    counselling: Counselling

    @validator("departments")
    def _one_department_per_need(cls, departments):
        for need in NEEDS:
            keys = [key for key, department in departments.items() if need in department.handles]
            if len(keys) != 1:
                found = ", ".join(keys) if keys else "none"
                raise ValueError(f"exactly one department must list {need!r} under handles "
                                 f"(found: {found})")
        return departments

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.hospital.timezone)

    def department_for(self, need: str) -> tuple[str, Department]:
        return next((key, d) for key, d in self.departments.items() if need in d.handles)


def directory_path() -> Path:
    return Path(os.environ.get("HOSPITAL_CONFIG") or DEFAULT_PATH)


def current_directory() -> Directory:
    """The deployment's directory, read once per process (per path)."""
    return _cached(str(directory_path().resolve()))


@lru_cache(maxsize=8)
def _cached(path: str) -> Directory:
    return load_directory(path)


def load_directory(path: Path | str | None = None) -> Directory:
    path = Path(path) if path else directory_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DirectoryError(f"{path}: cannot read the hospital directory ({error.strerror}). "
                             f"Set HOSPITAL_CONFIG to its path, or copy hospital.yml.")
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        raise DirectoryError(f"{path}: not valid YAML: {error}")
    if not isinstance(data, dict):
        raise DirectoryError(f"{path}: expected the fields hospital, fever_clinics, "
                             "departments and counselling")
    try:
        return Directory.parse_obj(data)
    except ValidationError as error:
        problems = [_describe(path, root, item) for item in error.errors()]
        raise DirectoryError("\n".join(problems))


# What a value that fails its pattern should look like, by field name.
_FORMATS = {
    "phone": "a phone number: digits, spaces and + - ( ) only",
    "emergency_number": 'digits only, like "120"',
    "__key__": "department keys are lower-case words with underscores, like respiratory",
}


def _describe(path: Path, root: yaml.Node, item: dict) -> str:
    location = [part for part in item["loc"] if part != "__root__"]
    field = "".join(f"[{part + 1}]" if isinstance(part, int) else f".{part}"
                    for part in location).lstrip(".") or "(top level)"
    line = _line_of(root, location)
    where = f"{path}, line {line}" if line else str(path)
    message = item["msg"]
    if item["type"] == "value_error.str.regex":
        message = _FORMATS.get(str(location[-1]) if location else "", message)
    elif item["type"] == "value_error.extra":
        message = "unknown field (misspelt?)"
    elif item["type"] == "value_error.missing":
        message = "missing (required)"
    return f"{where}: {field}: {message}"


def _line_of(node: yaml.Node | None, location: list) -> int | None:
    """The line of the deepest node on `location` that exists in the file."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in location:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line
