"""The hospital directory (hospital.yml): validation with exact fields, clinics ordered by
opening hours on a fixed clock, departments and the consultation queue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from bot.directory import DirectoryError, load_directory
from bot.directory.clinics import clinics_for, district_in
from bot.directory.consultations import describe_minutes, estimate_wait, need_of
from bot.directory.hours import HoursError, OpeningHours
from bot.handoff.escalations import escalate, queue_position
from bot.settings import PROJECT_ROOT
from bot.storage import Database

SHANGHAI = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    """A moment in the example hospital's zone: '2026-11-27 10:00' is a Friday."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def directory():
    return load_directory(PROJECT_ROOT / "hospital.yml")


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "hospital.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def example() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "hospital.yml").read_text(encoding="utf-8"))


# --- validation -------------------------------------------------------------------------

def test_the_shipped_example_is_valid(directory):
    assert directory.hospital.name == "Example City Hospital"
    assert directory.emergency_number == "120"
    assert len(directory.fever_clinics) == 3


def refused(tmp_path, data) -> str:
    with pytest.raises(DirectoryError) as error:
        load_directory(write(tmp_path, data))
    return str(error.value)


def test_a_bad_opening_time_names_the_clinic_field_and_line(tmp_path):
    data = example()
    data["fever_clinics"][1]["hours"] = ["Mon-Fri 08:00-25:00"]
    message = refused(tmp_path, data)
    assert "fever_clinics[2].hours" in message
    assert "'25:00' is not a time of day" in message
    lines = write(tmp_path, data).read_text().splitlines()
    line = int(message.split("line ")[1].split(":")[0])
    assert "25:00" in lines[line - 1]


def test_a_misspelt_field_is_refused_not_ignored(tmp_path):
    data = example()
    data["fever_clinics"][0]["adress"] = data["fever_clinics"][0].pop("address")
    message = refused(tmp_path, data)
    assert "fever_clinics[1].adress: unknown field" in message
    assert "fever_clinics[1].address: missing" in message


@pytest.mark.parametrize("change, field", [
    (lambda d: d["hospital"].update(timezone="Mars/Olympus"), "hospital.timezone"),
    (lambda d: d.update(emergency_number="call us"), "emergency_number"),
    (lambda d: d.update(fever_clinics=[]), "fever_clinics"),
    (lambda d: d["counselling"]["crisis_line"].update(phone="ring ring"), "counselling.crisis_line.phone"),
    (lambda d: d["departments"]["paediatrics"].update(handles=[]), "departments"),
    (lambda d: d["departments"]["respiratory"].update(minutes_per_patient=0),
     "departments.respiratory.minutes_per_patient"),
    (lambda d: d["departments"]["obstetrics"].update(online_hours="Someday 9-5"),
     "departments.obstetrics.online_hours"),
    (lambda d: d.pop("counselling"), "counselling: missing"),
])
def test_each_mistake_names_its_field(tmp_path, change, field):
    data = example()
    change(data)
    assert field in refused(tmp_path, data)


def test_a_department_must_take_each_kind_of_patient_once(tmp_path):
    data = example()
    data["departments"]["infectious_diseases"]["handles"] = ["fever"]
    assert "exactly one department must list 'fever'" in refused(tmp_path, data)
    assert "respiratory, infectious_diseases" in refused(tmp_path, data)


def test_a_missing_or_broken_file_is_explained(tmp_path):
    with pytest.raises(DirectoryError, match="cannot read the hospital directory"):
        load_directory(tmp_path / "nowhere.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("hospital: [unclosed")
    with pytest.raises(DirectoryError, match="not valid YAML"):
        load_directory(broken)


def test_the_start_refuses_a_bad_directory_before_starting_anything(tmp_path):
    import subprocess
    import sys

    data = example()
    data["fever_clinics"][2]["phone"] = "not a number"
    env = {"HOSPITAL_CONFIG": str(write(tmp_path, data)), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(PROJECT_ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert "fever_clinics[3].phone" in result.stderr
    assert "Traceback" not in result.stderr


# --- opening hours ----------------------------------------------------------------------

def test_hours_past_midnight_and_across_the_week():
    night = OpeningHours.parse(["Mon-Sun 20:00-08:00"])
    assert night.is_open(at("2026-11-27 23:30"))  # Friday night
    assert night.is_open(at("2026-11-30 07:59"))  # Monday morning: Sunday's night shift
    assert not night.is_open(at("2026-11-27 08:00"))
    assert night.opens_at(at("2026-11-27 12:00")) == at("2026-11-27 20:00")
    weekend = OpeningHours.parse(["Sat-Sun 09:00-12:00"])
    assert weekend.opens_at(at("2026-11-30 10:00")) == at("2026-12-05 09:00")  # Mon -> Sat
    assert weekend.closes_at(at("2026-11-29 11:00")) == at("2026-11-29 12:00")


@pytest.mark.parametrize("text", ["Mon-Fri", "Funday 08:00-10:00", "Mon 08:00-08:00",
                                  "Mon 8-17", []])
def test_unreadable_hours_are_refused(text):
    with pytest.raises(HoursError):
        OpeningHours.parse(text)


# --- clinics on a fixed clock -----------------------------------------------------------

def names(listing):
    return [status.clinic.name.split()[0] for status in listing.clinics]


def test_friday_morning_the_day_clinics_come_before_the_night_clinic(directory):
    listing = clinics_for(directory, at("2026-11-27 10:00"))
    assert names(listing) == ["Example", "Chaoyang", "Haidian"]
    assert [s.when for s in listing.clinics] == ["open 24 hours", "open until 20:00", "opens 20:00"]


def test_friday_night_the_night_clinic_comes_before_the_closed_day_clinic(directory):
    listing = clinics_for(directory, at("2026-11-27 21:00"))
    assert names(listing) == ["Example", "Haidian", "Chaoyang"]
    assert listing.clinics[1].when == "open until tomorrow 08:00"
    assert listing.clinics[2].when == "opens tomorrow 08:00"


def test_saturday_afternoon_closed_clinics_are_ordered_by_how_soon_they_open(directory):
    listing = clinics_for(directory, at("2026-11-28 14:00"))
    assert names(listing) == ["Example", "Haidian", "Chaoyang"]  # 20:00 today before 08:00 tomorrow
    assert [s.open_now for s in listing.clinics] == [True, False, False]


def test_the_clock_is_read_in_the_hospitals_zone(directory):
    # 02:00 UTC is 10:00 in Shanghai: the day clinic is open
    listing = clinics_for(directory, datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc))
    assert listing.clinics[1].when == "open until 20:00"


def test_a_district_named_lists_its_clinics_only(directory):
    assert district_in(directory, "any fever clinic in chaoyang district?") == "Chaoyang"
    assert district_in(directory, "where can I get tested") is None
    listing = clinics_for(directory, at("2026-11-27 10:00"), "chaoyang")
    assert listing.district == "Chaoyang" and names(listing) == ["Chaoyang"]
    unknown = clinics_for(directory, at("2026-11-27 10:00"), "Atlantis")
    assert unknown.unknown_district and len(unknown.clinics) == 3


# --- departments and the queue ----------------------------------------------------------

@pytest.mark.parametrize("facts, department", [
    ({"fever": True, "age": 40}, "respiratory"),
    ({"fever": True, "pregnant": True, "age": 30}, "obstetrics"),
    ({"fever": True, "age": 6}, "paediatrics"),
    ({"fever": True, "age": 14}, "respiratory"),  # paediatric_age_under: 14
    ({"fever": True}, "respiratory"),
])
def test_the_department_follows_the_person(directory, facts, department):
    assert directory.department_for(need_of(directory, facts))[0] == department


def test_the_wait_grows_with_the_queue_and_the_specialists_share_it(directory):
    respiratory = directory.departments["respiratory"]  # 10 minutes, 2 specialists
    assert estimate_wait(respiratory, 1, at("2026-11-27 10:00"), directory).minutes == 10
    assert estimate_wait(respiratory, 2, at("2026-11-27 10:00"), directory).minutes == 10
    assert estimate_wait(respiratory, 5, at("2026-11-27 10:00"), directory).minutes == 30
    closed = estimate_wait(respiratory, 1, at("2026-11-27 23:00"), directory)
    assert closed.opens == "tomorrow 08:00"
    assert describe_minutes(90) == "1 hour 30 minutes" and describe_minutes(120) == "2 hours"


def test_queue_position_counts_open_cases_of_the_same_department_ahead(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'queue.db'}")
    db.migrate()
    start = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)

    def case(name, minutes, department, reason="online_specialist"):
        return escalate(db, conversation_id=name, channel="rest", reason=reason,
                        route="online_specialist", department=department,
                        now=start + timedelta(minutes=minutes))

    first = case("a", 0, "respiratory")
    case("b", 1, "obstetrics")
    second = case("c", 2, "respiratory")
    assert queue_position(db, first) == 1
    assert queue_position(db, second) == 2
    urgent = case("d", 3, "respiratory", reason="emergency")  # priority 1 goes ahead
    assert queue_position(db, urgent) == 1
    assert queue_position(db, second) == 3
