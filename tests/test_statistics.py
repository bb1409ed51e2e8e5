"""Official statistics: reading CSV and JSON files (a file with any mistake is refused
whole, with the line), the table (atomic imports, one row per region and day), when
figures count as old, which region a message asks about, what the bot says, and
`python -m bot.cli stats`. The table's tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.handoff.escalations import audit_entries
from bot.statistics import answers, importer, store
from bot.statistics.figures import Figures, latest_allowed_date, read_figures
from bot.statistics.regions import RegionAsked, region_asked
from bot.storage import Database
from bot.storage.models import OfficialStatistic
from bot.texts import catalogue, message
from tests.fixtures.databases import migrated_database

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)  # a fixed clock
HEADER = "region,confirmed,recovered,deaths,as_of,source"
GOOD_CSV = (
    "\ufeff region , confirmed,recovered ,deaths,as_of,source\r\n"  # BOM, spaces, CRLF
    "Beijing, 1234 ,1100,9,2026-11-25,Beijing Municipal Health Commission\r\n"
    '"China","10,000",9000,100,2026-11-25,"National Health Commission, daily report"\r\n'
    "\r\n"  # a blank line is skipped
)
GOOD_JSON = json.dumps([
    {"region": "Beijing", "confirmed": 1300, "recovered": 1150, "deaths": 10,
     "as_of": "2026-11-26", "source": "Beijing Municipal Health Commission"},
    {"region": "Shanghai", "confirmed": "870", "recovered": 800, "deaths": 2,
     "as_of": "2026-11-26", "source": "Shanghai Municipal Health Commission"},
], indent=2)


def figures(region: str = "Beijing", confirmed: int = 1234, recovered: int = 1100,
            deaths: int = 9, as_of: date = date(2026, 11, 25),
            source: str = "Beijing Municipal Health Commission") -> Figures:
    return Figures(region, confirmed, recovered, deaths, as_of, source)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    with migrated_database(request.param, tmp_path) as database:
        yield database


def table(db: Database) -> list[tuple]:
    """Every row, comparable: what an import must leave unchanged when refused."""
    with db.session() as session:
        return sorted(session.execute(select(
            OfficialStatistic.region, OfficialStatistic.confirmed, OfficialStatistic.recovered,
            OfficialStatistic.deaths, OfficialStatistic.as_of, OfficialStatistic.source,
            OfficialStatistic.updated_by)).all())


# ----- reading files ---------------------------------------------------------------------

def test_a_good_csv_file_is_read_with_bom_spaces_quotes_and_blank_lines():
    rows = importer.parse(GOOD_CSV.encode("utf-8"), "csv", NOW)
    assert rows == [figures(),
                    figures("China", 10000, 9000, 100,
                            source="National Health Commission, daily report")]


def test_csv_columns_may_come_in_any_order():
    text = "as_of,source,region,deaths,recovered,confirmed\n2026-11-25,X,Beijing,1,2,3\n"
    assert importer.parse(text, "csv", NOW) == [figures(confirmed=3, recovered=2, deaths=1,
                                                        source="X")]


def test_a_good_json_file_is_read_as_a_list_or_under_statistics():
    rows = importer.parse(GOOD_JSON, "json", NOW)
    assert [(row.region, row.confirmed, row.as_of) for row in rows] == [
        ("Beijing", 1300, date(2026, 11, 26)), ("Shanghai", 870, date(2026, 11, 26))]
    wrapped = json.dumps({"statistics": json.loads(GOOD_JSON), "published": "daily"})
    assert importer.parse(("\ufeff" + wrapped).encode(), "json", NOW) == rows


def refusal(content: str, fmt: str = "csv") -> list[str]:
    with pytest.raises(importer.InvalidFile) as refused:
        importer.parse(content, fmt, NOW)
    return refused.value.errors


GOOD_LINE = "Beijing,1234,1100,9,2026-11-25,Beijing Municipal Health Commission"


@pytest.mark.parametrize("bad_line, error", [
    ("Shanghai,870,800,abc,2026-11-25,X", "line 3: deaths must be a whole number ≥ 0, not 'abc'"),
    ("Shanghai,870,800,-1,2026-11-25,X", "line 3: deaths must be a whole number ≥ 0, not '-1'"),
    ("Shanghai,87.5,80,1,2026-11-25,X", "line 3: confirmed must be a whole number ≥ 0, not '87.5'"),
    ("Shanghai,,80,1,2026-11-25,X", "line 3: confirmed is missing"),
    ("Shanghai,99999999999,80,1,2026-11-25,X", "line 3: confirmed is too large"),
    ("Shanghai,870,800,71,2026-11-25,X",
     "line 3: recovered (800) plus deaths (71) is more than confirmed (870)"),
    ("Shanghai,870,800,1,25/11/2026,X",
     "line 3: as_of must be a date like 2026-11-25, not '25/11/2026'"),
    ("Shanghai,870,800,1,2026-02-30,X",
     "line 3: as_of must be a date like 2026-11-25, not '2026-02-30'"),
    ("Shanghai,870,800,1,2026-11-29,X", "line 3: as_of 2026-11-29 is in the future"),
    ("  ,870,800,1,2026-11-25,X", "line 3: region is missing"),
    ("1234,870,800,1,2026-11-25,X", "line 3: region must be a place's name, not '1234'"),
    ("Shanghai,870,800,1,2026-11-25,", "line 3: source is missing"),
    ("S" * 101 + ",870,800,1,2026-11-25,X",
     "line 3: region is too long (101 characters; at most 100)"),
    ("Shanghai,870,800,1,2026-11-25," + "x" * 256, "line 3: source is too long"),
    ("Shanghai,870,800,1,2026-11-25",
     f"line 3: expected 6 values ({HEADER}), found 5"),
    ("Shanghai,870,800,1,2026-11-25,X,extra", "line 3: expected 6 values"),
    ("beijing ,1,0,0,2026-11-25,X", "line 3: beijing on 2026-11-25 is already on line 2"),
    ('Shanghai,870,800,1,2026-11-25,"X\nY"', "line 3: source must be one line of plain text"),
    ('Shanghai,870,800,1,2026-11-25,"unclosed', "line 3: this is not valid CSV (a quote"),
    ('Shanghai,870,800,1,2026-11-25,"X"Y', "line 3: this is not valid CSV ("),
])
def test_a_bad_csv_line_is_named_with_its_field(bad_line, error):
    errors = refusal(f"{HEADER}\n{GOOD_LINE}\n{bad_line}\n")
    assert any(found.startswith(error) for found in errors), errors


@pytest.mark.parametrize("content, error", [
    ("", "the file is empty"),
    ("  \n", "the file is empty"),
    (f"{HEADER}\n", "the file has no figures after its header line"),
    ("Beijing,1234,1100,9,2026-11-25,X\n", "line 1: unknown column 'beijing'"),
    ("region,confirmed,recovered,deaths,as_of\nBeijing,1,0,0,2026-11-25\n",
     "line 1: the column 'source' is missing"),
    (f"{HEADER},region\n", "line 1: the column 'region' is there twice"),
    (f"{HEADER},notes\n", "line 1: unknown column 'notes'"),
    ("\n" + HEADER + "\n", "line 1: the header line is missing"),
])
def test_a_bad_csv_header_or_empty_file_is_refused(content, error):
    assert any(found.startswith(error) for found in refusal(content)), refusal(content)


def test_a_quoted_value_over_two_lines_counts_lines_from_where_its_row_starts():
    text = (f'{HEADER}\n"Bei\njing",1,0,0,2026-11-25,X\n'  # lines 2-3 (a line break in a name)
            "Shanghai,1,0,x,2026-11-25,X\n")  # line 4
    assert refusal(text) == ["line 2: region must be one line of plain text",
                             "line 4: deaths must be a whole number ≥ 0, not 'x'"]


def test_every_mistake_is_listed_up_to_a_limit():
    lines = [HEADER] + [f"Region {n},1,0,x,2026-11-25,X" for n in range(30)]
    errors = refusal("\n".join(lines))
    assert len(errors) == importer.MAX_ERRORS + 1
    assert errors[0] == "line 2: deaths must be a whole number ≥ 0, not 'x'"
    assert errors[-1].startswith("... and ") and errors[-1].endswith(" more")


def test_a_file_that_is_not_utf8_is_refused_with_its_line():
    content = f"{HEADER}\nBeijing,1,0,0,2026-11-25,X\nZ\xfcrich,1,0,0,2026-11-25,X\n"
    with pytest.raises(importer.InvalidFile) as refused:
        importer.parse(content.encode("latin-1"), "csv", NOW)
    assert refused.value.errors == [
        'line 3: the file is not UTF-8 text (save it as "CSV UTF-8" or UTF-8 JSON)']


def test_bad_json_items_are_named_by_number_and_line():
    text = """{"statistics": [
  {"region": "Beijing", "confirmed": 1, "recovered": 0, "deaths": 0,
   "as_of": "2026-11-25", "source": "X"},
  {"region": "Shanghai", "confirmed": 10, "recovered": 0, "deaths": true,
   "as_of": "2026-11-25", "source": "X"},
  "Guangzhou",
  {"region": "Tianjin", "confirmed": 1, "recovered": 0, "deaths": 0,
   "as_of": "2026-11-25", "source": "X", "notes": "?"},
  {"region": "BEIJING", "confirmed": 1.0, "recovered": 0, "deaths": 0,
   "as_of": "2026-11-25", "source": "X"}
]}"""
    keys = "region, confirmed, recovered, deaths, as_of, source"
    assert refusal(text, "json") == [
        "item 2 (line 4): deaths must be a whole number ≥ 0, not true",
        f"item 3 (line 6): expected an object with the keys {keys}",
        f"item 4 (line 7): unknown key 'notes' (the keys are {keys})",
        "item 5 (line 9): BEIJING on 2026-11-25 is already on item 1 (line 2)",
    ]


@pytest.mark.parametrize("text, error", [
    ('[{"region": "Beijing",\n "confirmed": 1,,}]', "line 2, column 17: this is not valid JSON"),
    ('{"figures": []}', 'the file must hold a list of figures, or {"statistics": [...]}'),
    ('"Beijing"', "the file must hold a list of figures"),
    ("[]", "the file has no figures"),
    ('[{"region": "Beijing", "confirmed": 1, "recovered": 0, "as_of": "2026-11-25", '
     '"source": "X"}]', "item 1 (line 1): deaths is missing"),
    ('[{"region": ["Beijing"], "confirmed": 1, "recovered": 0, "deaths": 0, '
     '"as_of": 20261125, "source": "X"}]', "item 1 (line 1): region must be text, not ['Beijing']"),
    ("[" * 100_000 + "]" * 100_000, "this JSON is nested too deeply"),
])
def test_bad_json_is_refused(text, error):
    errors = refusal(text, "json")
    assert any(found.startswith(error) for found in errors), errors


def test_future_dates_allow_today_anywhere_on_earth():
    """At 12:00 UTC it is already the next day east of UTC+12."""
    assert latest_allowed_date(NOW) == date(2026, 11, 28)
    assert latest_allowed_date(datetime(2026, 11, 27, 9, 59, tzinfo=timezone.utc)) == \
        date(2026, 11, 27)
    raw = {"region": "Auckland", "confirmed": "1", "recovered": "0", "deaths": "0",
           "source": "X"}
    assert read_figures({**raw, "as_of": "2026-11-28"}, NOW)[0] is not None
    assert read_figures({**raw, "as_of": "2026-11-29"}, NOW)[0] is None


def test_the_format_comes_from_the_extension_or_is_asked_for(tmp_path):
    assert importer.format_for("figures.CSV") == "csv"
    assert importer.format_for("figures.json") == "json"
    assert importer.format_for("figures.txt") is None
    path = tmp_path / "figures.txt"
    path.write_text(f"{HEADER}\n{GOOD_LINE}\n")
    with pytest.raises(importer.InvalidFile, match="CSV or JSON"):
        importer.read_file(path, now=NOW)
    assert importer.read_file(path, "csv", NOW) == [figures()]


# ----- the table -------------------------------------------------------------------------

def test_an_import_adds_and_then_updates_one_row_per_region_and_day(db):
    result = store.import_figures(db, importer.parse(GOOD_CSV, "csv", NOW), "cli", NOW)
    assert (result.rows, result.new, result.updated) == (2, 2, 0)
    again = store.import_figures(db, [figures(deaths=10), figures("Shanghai", 5, 1, 0)],
                                 "nurse-li", NOW)
    assert (again.rows, again.new, again.updated) == (2, 1, 1)
    assert table(db) == [
        ("Beijing", 1234, 1100, 10, date(2026, 11, 25), "Beijing Municipal Health Commission",
         "nurse-li"),
        ("China", 10000, 9000, 100, date(2026, 11, 25),
         "National Health Commission, daily report", "cli"),
        ("Shanghai", 5, 1, 0, date(2026, 11, 25), "Beijing Municipal Health Commission",
         "nurse-li")]


def test_latest_figures_are_each_regions_newest_day(db):
    store.import_figures(db, importer.parse(GOOD_CSV, "csv", NOW), "cli", NOW)
    store.import_figures(db, importer.parse(GOOD_JSON, "json", NOW), "cli", NOW)
    latest = store.latest_figures(db)
    assert [(row.region, row.as_of, row.confirmed) for row in latest] == [
        ("Beijing", date(2026, 11, 26), 1300), ("China", date(2026, 11, 25), 10000),
        ("Shanghai", date(2026, 11, 26), 870)]
    assert latest[0].updated_by == "cli" and latest[0].updated_at == NOW
    assert store.latest_for(db, "  BEIJING ").confirmed == 1300
    assert store.latest_for(db, "Atlantis") is None
    assert store.regions(db) == ["Beijing", "China", "Shanghai"]


def test_a_region_is_one_region_whatever_its_case(db):
    store.import_figures(db, [figures("beijing"), figures("beijing", as_of=date(2026, 11, 24))],
                         "cli", NOW)
    saved, new = store.save_figures(db, {
        "region": "Beijing", "confirmed": "1,300", "recovered": "1150", "deaths": "10",
        "as_of": "2026-11-25", "source": " Beijing  Municipal Health Commission "}, "nurse-li")
    assert not new and saved.confirmed == 1300
    assert saved.source == "Beijing Municipal Health Commission"
    assert [row[:2] for row in table(db)] == [("Beijing", 1234), ("Beijing", 1300)]
    assert store.regions(db) == ["Beijing"]


def test_a_refused_file_after_a_good_one_leaves_the_table_unchanged(db, tmp_path, monkeypatch):
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    bad = tmp_path / "bad.csv"  # an update and a new region, then one bad line
    bad.write_text(f"{HEADER}\nBeijing,2000,1100,9,2026-11-25,X\n"
                   f"Shanghai,5,0,0,2026-11-26,X\nTianjin,5,0,oops,2026-11-26,X\n")
    monkeypatch.setenv("DATABASE_URL", db.url)
    assert main(["stats", "import", str(good)]) == 0
    before = table(db)
    assert main(["stats", "import", str(bad)]) == 1
    assert table(db) == before and len(before) == 2


def test_an_import_that_fails_half_way_writes_nothing(db, monkeypatch):
    store.import_figures(db, [figures()], "cli", NOW)
    before = table(db)
    real_upsert, calls = store._upsert, []

    def failing_upsert(*args):
        calls.append(1)
        if len(calls) == 2:
            raise store.IntegrityError("insert", {}, Exception("duplicate"))
        return real_upsert(*args)

    monkeypatch.setattr(store, "_upsert", failing_upsert)
    with pytest.raises(store.StatisticsError, match="nothing was saved"):
        store.import_figures(db, [figures(confirmed=5000), figures("Shanghai")], "cli", NOW)
    assert table(db) == before


def test_the_form_is_checked_field_by_field(db):
    with pytest.raises(store.StatisticsError) as refused:
        store.save_figures(db, {"region": "<b>", "confirmed": "ten", "recovered": "0",
                                "deaths": "", "as_of": "2026-13-01", "source": "X"},
                           "nurse-li", NOW)
    assert {(problem.field, problem.message) for problem in refused.value.problems} == {
        ("confirmed", "confirmed must be a whole number ≥ 0, not 'ten'"),
        ("deaths", "deaths is missing"),
        ("as_of", "as_of must be a date like 2026-11-25, not '2026-13-01'")}
    assert table(db) == []


# ----- when figures are old --------------------------------------------------------------

def test_figures_are_stale_after_48_hours_from_the_end_of_their_day():
    day = date(2026, 11, 25)
    boundary = datetime(2026, 11, 28, 0, 0, tzinfo=timezone.utc)  # end of the 25th + 48 h
    assert answers.figures_end(day) == datetime(2026, 11, 26, tzinfo=timezone.utc)
    assert not answers.is_stale(day, datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc))
    assert not answers.is_stale(day, boundary)
    assert answers.is_stale(day, boundary + timedelta(seconds=1))
    beijing = timezone(timedelta(hours=8))  # the same moments written in another zone
    assert not answers.is_stale(day, datetime(2026, 11, 28, 8, 0, tzinfo=beijing))
    assert answers.is_stale(day, datetime(2026, 11, 28, 8, 0, 1, tzinfo=beijing))


# ----- which region a message asks about -------------------------------------------------

KNOWN = ["Beijing", "China", "Inner Mongolia", "Mongolia", "Hong Kong", "北京"]


@pytest.mark.parametrize("text, asked", [
    ("how many cases in Beijing", RegionAsked(region="Beijing")),
    ("HOW MANY CASES IN BEIJING?", RegionAsked(region="Beijing")),
    ("beijing numbers pls", RegionAsked(region="Beijing")),
    ("latest numbers in hong   kong", RegionAsked(region="Hong Kong")),
    ("cases in Inner Mongolia", RegionAsked(region="Inner Mongolia")),  # the longest name
    ("cases in Mongolia", RegionAsked(region="Mongolia")),
    ("北京有多少病例", RegionAsked(region="北京")),
    ("how are the Beijingers doing", RegionAsked()),  # whole words only
    ("latest numbers", RegionAsked()),
    ("how many cases are there?", RegionAsked()),
    ("how many cases in Atlantis", RegionAsked(unknown="Atlantis")),
    ("how many cases in atlantis today?", RegionAsked(unknown="Atlantis")),
    ("numbers for new york please", RegionAsked(unknown="New York")),
    ("any cases in the Netherlands?", RegionAsked(unknown="Netherlands")),
    ("what's the count in St. Louis", RegionAsked(unknown="St. Louis")),
    ("what about Springfield, Illinois?", RegionAsked(unknown="Springfield")),
    ("how bad is the outbreak in tianjin right now", RegionAsked(unknown="Tianjin")),
    ("how many deaths in the us", RegionAsked(unknown="US")),
    ("how many people have covid in the uk", RegionAsked(unknown="UK")),
    ("how many local cases in xi'an", RegionAsked(unknown="Xi'an")),
    ("hubei deaths", RegionAsked(unknown="Hubei")),  # the place first
    ("Wuhan covid cases?", RegionAsked(unknown="Wuhan")),
    ("any new cases", RegionAsked()),
    ("new cases today", RegionAsked()),
    ("New Zealand cases", RegionAsked(unknown="New Zealand")),
    ("give me today's numbers", RegionAsked()),
    ("cases in the last week", RegionAsked()),
    ("how many cases for covid in total", RegionAsked()),
    ("how many people died at home", RegionAsked()),
    ("deaths in my area", RegionAsked()),
    ("cases for 3 days", RegionAsked()),
])
def test_the_region_asked_is_found_in_the_message(text, asked):
    assert region_asked(text, KNOWN) == asked


def test_an_unknown_place_repeated_back_is_kept_short():
    asked = region_asked("cases in " + "Llanfair " * 3 + "x" * 200, [])
    assert asked.unknown and len(asked.unknown) <= 60


# ----- what the bot says -----------------------------------------------------------------

LATEST = [figures(),
          figures("China", 10000, 9000, 100, source="National Health Commission"),
          figures("Shanghai", 870, 800, 1, date(2026, 11, 20),
                  "Shanghai Municipal Health Commission")]


def said(result: answers.Answer) -> list[str]:
    return [message(key, **values)["text"] for key, values in answers.replies(result)]


def test_a_region_asked_gets_its_figures_date_and_source():
    assert said(answers.answer(LATEST, RegionAsked(region="Beijing"), NOW)) == [
        "Beijing: 1,234 confirmed, 1,100 recovered, 9 deaths, as of 25 November 2026 "
        "(source: Beijing Municipal Health Commission)."]


def test_old_figures_are_said_to_be_old():
    result = answers.answer(LATEST, "shanghai", NOW)
    assert result.stale
    assert said(result) == [
        "Shanghai: 870 confirmed, 800 recovered, 1 death, as of 20 November 2026 "
        "(source: Shanghai Municipal Health Commission).",
        "These figures are from 20 November 2026, more than 48 hours ago: newer ones may "
        "exist; check the health commission's website."]


def test_latest_numbers_answer_with_the_largest_region_or_the_configured_one():
    result = answers.answer(LATEST, RegionAsked(), NOW)
    assert result.figures.region == "China" and result.regions == ("Beijing", "Shanghai")
    assert said(result)[-1] == "You can also ask me about: Beijing, Shanghai."
    configured = answers.answer(LATEST, None, NOW, default_region="shanghai")
    assert configured.figures.region == "Shanghai" and configured.stale
    assert configured.regions == ("Beijing", "China")
    # A default with no figures is no answer: the largest region instead.
    assert answers.answer(LATEST, None, NOW, default_region="Atlantis").figures.region == "China"


def test_a_place_without_figures_is_said_plainly_with_the_regions_there_are():
    result = answers.answer(LATEST, RegionAsked(unknown="Atlantis"), NOW)
    assert said(result) == ["I have no official figures for Atlantis. I have figures for: "
                            "Beijing, China, Shanghai."]


def test_no_figures_at_all_is_said_plainly():
    for asked in (None, RegionAsked(unknown="Atlantis"), "Beijing"):
        assert said(answers.answer([], asked, NOW)) == [message("statistics_none")["text"]]


def test_every_statistics_text_exists_and_every_placeholder_is_filled():
    assert answers.text_keys() <= set(catalogue("en"))
    assert "statistics_unavailable" in catalogue("en")
    for result in (answers.answer(LATEST, None, NOW), answers.answer(LATEST, "Shanghai", NOW),
                   answers.answer(LATEST, "Atlantis", NOW), answers.answer([], None, NOW)):
        for text in said(result):
            assert "{" not in text, text


# ----- the command line ------------------------------------------------------------------

@pytest.fixture
def database_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def recent_csv(tmp_path: Path, name: str = "figures.csv", deaths: str = "9") -> Path:
    """Figures as of yesterday: never in the future, whatever day the tests run."""
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    path = tmp_path / name
    path.write_text(f"{HEADER}\nBeijing,1234,1100,{deaths},{yesterday},Beijing MHC\n"
                    f"China,10000,9000,100,{yesterday},NHC\n", encoding="utf-8")
    return path


def test_cli_imports_lists_and_updates(database_url, tmp_path, capsys):
    path = recent_csv(tmp_path)
    assert main(["stats", "list"]) == 0
    assert "No official figures yet" in capsys.readouterr().out
    assert main(["stats", "import", str(path)]) == 0
    assert capsys.readouterr().out == f"Imported 2 rows (2 new, 0 updated) from {path}\n"
    assert main(["stats", "import", str(recent_csv(tmp_path, deaths="10"))]) == 0
    assert capsys.readouterr().out == f"Imported 2 rows (0 new, 2 updated) from {path}\n"
    assert main(["stats", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["REGION", "CONFIRMED", "RECOVERED", "DEATHS", "AS", "OF", "SOURCE"]
    assert lines[1].split()[:4] == ["Beijing", "1,234", "1,100", "10"]
    entries = [(entry.actor, entry.action, entry.detail)
               for entry in audit_entries(Database(database_url))]
    assert ("cli", "statistics_import", "2 rows (0 new, 2 updated) from figures.csv") in entries


def test_cli_refuses_a_bad_file_whole_with_every_mistake(database_url, tmp_path, capsys):
    db = Database(database_url)
    db.migrate()
    path = tmp_path / "bad.json"
    path.write_text('[{"region": "Beijing", "confirmed": 5, "recovered": 1, "deaths": "x",\n'
                    '  "as_of": "2026-11-25", "source": "X"},\n'
                    ' {"region": "", "confirmed": 5, "recovered": 1, "deaths": 0,\n'
                    '  "as_of": "2026-11-25", "source": "X"}]')
    assert main(["stats", "import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "bad.json: item 1 (line 1): deaths must be a whole number ≥ 0, not 'x'",
        "bad.json: item 2 (line 3): region is missing",
        "Nothing was imported."]
    assert table(db) == []


def test_cli_explains_a_file_it_cannot_read(database_url, tmp_path, capsys):
    assert main(["stats", "import", str(tmp_path / "missing.csv")]) == 2
    assert capsys.readouterr().err == f"There is no file '{tmp_path / 'missing.csv'}'.\n"
    assert main(["stats", "import", str(tmp_path)]) == 2
    assert "is a folder, not a file" in capsys.readouterr().err
    text = recent_csv(tmp_path, "figures.txt")
    assert main(["stats", "import", str(text)]) == 1
    assert "name it .csv or .json, or say --format csv|json" in capsys.readouterr().err
    assert main(["stats", "import", str(text), "--format", "json"]) == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["stats", "import", str(text), "--format", "csv"]) == 0


def test_cli_as_a_user_runs_it(database_url, tmp_path):
    def run(*arguments: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
        result = subprocess.run([sys.executable, "-m", "bot.cli", "stats", *arguments],
                                capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
        assert "Traceback" not in result.stderr, result.stderr
        return result

    imported = run("import", str(recent_csv(tmp_path)))
    assert imported.returncode == 0 and imported.stdout.startswith("Imported 2 rows (2 new")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nBeijing,1,2,3,2026-11-25,X\n")
    refused = run("import", str(bad))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr == ("bad.csv: line 2: recovered (2) plus deaths (3) is more than "
                              "confirmed (1)\nNothing was imported.\n")
    missing = run("import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "There is no file" in missing.stderr
    listed = run("list")
    assert listed.returncode == 0 and "Beijing" in listed.stdout and "China" in listed.stdout
