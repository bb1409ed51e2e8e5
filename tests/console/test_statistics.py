"""The official statistics page of the console: signed-in clinical staff and admins see
each region's latest figures (old ones marked), add or update one region's figures, and
import a pasted CSV or JSON file that is refused whole on any mistake; every change is
audited; what staff typed is shown escaped; trainers are kept out.

Most tests run the web app in-process (the page needs no Rasa), on SQLite and on
PostgreSQL; the last ones use the whole running assistant (`site`)."""

from __future__ import annotations

import html
import re
import secrets
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.channels.client import RasaClient
from bot.handoff.escalations import audit_entries
from bot.handoff.rasa_api import RasaApi
from bot.handoff.staff import add_staff
from bot.statistics import store
from bot.statistics.figures import Figures
from bot.storage import Database
from bot.storage.models import OfficialStatistic
from bot.web.app import create_app
from bot.web.console.state import Console
from tests.console.conftest import PASSWORD, StaffClient, flash_of, problem
from tests.fixtures.databases import postgres_schema

PAGE = "/console/statistics"
HEADER = "region,confirmed,recovered,deaths,as_of,source"
ROOT = Path(__file__).resolve().parents[2]


def days_ago(days: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).date().isoformat()


class LocalSite:
    """The web app in this process over `db`; clients sign in as new staff members."""

    def __init__(self, name: str, db: Database, data: Path) -> None:
        self.name, self.db = name, db
        # Rasa is never called by these pages: a port nobody serves.
        self.console = Console(db, RasaApi("http://127.0.0.1:9", "unused"),
                               f"sqlite:///{data / 'no-tracker.db'}")
        self.clients: list[TestClient] = []

    def client(self, role: str | None = "nurse") -> StaffClient:
        """A console client, signed in as a new `role` (None: not signed in)."""
        staff_client = StaffClient("http://testserver")
        staff_client.http.close()
        app = create_app(RasaClient("webchat", "http://127.0.0.1:9", "unused"),
                         secret_key="test-key", console=self.console)  # nothing from var/
        staff_client.http = TestClient(app, base_url="http://testserver",
                                       follow_redirects=False)
        staff_client.http.__enter__()
        self.clients.append(staff_client.http)
        if role:
            staff_client.username = f"{role}-{secrets.token_hex(4)}"
            add_staff(self.db, staff_client.username, PASSWORD, role)
            assert staff_client.login(staff_client.username).status_code == 303
            staff_client.get(PAGE if role != "trainer" else "/console/inbox")  # the token
        return staff_client

    def rows(self) -> list[tuple]:
        with self.db.session() as session:
            return sorted(session.execute(select(
                OfficialStatistic.region, OfficialStatistic.confirmed,
                OfficialStatistic.recovered, OfficialStatistic.deaths,
                OfficialStatistic.as_of, OfficialStatistic.source,
                OfficialStatistic.updated_by)).all())

    def close(self) -> None:
        for client in self.clients:
            client.__exit__(None, None, None)


@pytest.fixture(params=["sqlite", "postgresql"])
def local(request, tmp_path):
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'assistant.db'}")
        db.migrate()
        site = LocalSite("sqlite", db, tmp_path)
        yield site
        site.close()
        db.engine.dispose()
        return
    with postgres_schema() as url:
        db = Database(url)
        db.migrate()
        site = LocalSite("postgresql", db, tmp_path)
        yield site
        site.close()
        db.engine.dispose()


@pytest.fixture
def clinician(local):
    """A nurse signed in to the in-process console."""
    return local.client("nurse")


def form(**changes: str) -> dict[str, str]:
    values = {"region": "Beijing", "confirmed": "1234", "recovered": "1100", "deaths": "9",
              "as_of": days_ago(1), "source": "Beijing Municipal Health Commission"}
    return {**values, **changes}


def table_rows(page: str) -> list[dict[str, str]]:
    """The figures table as shown: one dict per row, text unescaped."""
    found = []
    for row in re.findall(r'<tr data-testid="statistics-row".*?</tr>', page, re.DOTALL):
        cells = dict(re.findall(r'data-testid="([a-z-]+)">([^<]*)<', row))
        cells.pop("statistics-row", None)
        found.append({name: html.unescape(value).strip() for name, value in cells.items()}
                     | {"stale": 'data-testid="stale"' in row})
    return found


def field_problem(page: str, field: str) -> str:
    found = re.search(rf'data-testid="problem-{field}"[^>]*>([^<]*)<', page)
    return html.unescape(found.group(1)) if found else ""


def import_errors(page: str) -> list[str]:
    return [html.unescape(text) for text in
            re.findall(r'<li data-testid="import-error">([^<]*)</li>', page)]


# ----- who may use it --------------------------------------------------------------------

def test_the_page_needs_a_signed_in_member_of_staff(local):
    anonymous = local.client(None)
    answer = anonymous.get(PAGE)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"
    for path in (f"{PAGE}/save", f"{PAGE}/import"):
        assert anonymous.http.post(path, data=form()).status_code == 403
    assert local.rows() == []


def test_trainers_are_refused_and_not_shown_the_link(local):
    trainer = local.client("trainer")
    assert 'href="/console/statistics"' not in trainer.get("/console/inbox").text
    assert trainer.get(PAGE).status_code == 403
    assert trainer.post(f"{PAGE}/save", form()).status_code == 403
    assert trainer.post(f"{PAGE}/import", {"format": "csv",
                                           "content": f"{HEADER}\nX,1,0,0,2026-11-01,Y"}
                        ).status_code == 403
    assert local.rows() == []


@pytest.mark.parametrize("role", ["nurse", "doctor", "admin"])
def test_clinical_staff_and_admins_can_open_it(local, role):
    staff = local.client(role)
    page = staff.get(PAGE)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'data-testid="no-statistics"' in page.text
    assert '<a href="/console/statistics" aria-current="page">Statistics</a>' in page.text


def test_a_post_without_the_form_token_is_refused(local, clinician):
    for token in ("", "not-the-token"):
        answer = clinician.post(f"{PAGE}/save", form(), token=token)
        assert answer.status_code == 403 and "expired" in problem(answer.text)
        answer = clinician.post(f"{PAGE}/import", {"format": "csv", "content": HEADER},
                                token=token)
        assert answer.status_code == 403
    other_site = clinician.post(f"{PAGE}/save", form(),
                                headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    assert local.rows() == []


# ----- one region's figures --------------------------------------------------------------

def test_a_region_is_added_then_updated_and_each_change_audited(local, clinician):
    answer = clinician.post(f"{PAGE}/save", form())
    assert answer.status_code == 303 and answer.headers["location"] == PAGE
    page = clinician.get(PAGE)
    day = date.fromisoformat(days_ago(1))
    assert flash_of(page.text) == f"Figures for Beijing on {day.day} {day:%B} {day.year} added."
    assert table_rows(page.text) == [{
        "region": "Beijing", "confirmed": "1,234", "recovered": "1,100", "deaths": "9",
        "as-of": f"{day.day} {day:%B} {day.year}",
        "source": "Beijing Municipal Health Commission", "stale": False}]

    assert clinician.post(f"{PAGE}/save", form(region="beijing", confirmed="1,300",
                                            deaths="10")).status_code == 303
    page = clinician.get(PAGE)
    assert "updated" in flash_of(page.text)
    assert [(row["region"], row["confirmed"], row["deaths"]) for row in table_rows(page.text)] \
        == [("beijing", "1,300", "10")]
    assert [row[:4] for row in local.rows()] == [("beijing", 1300, 1100, 10)]
    assert local.rows()[0][-1] == clinician.username

    entries = [(entry.actor, entry.action, entry.detail) for entry in audit_entries(local.db)
               if entry.action == "statistics_save"]
    assert entries == [
        (clinician.username, "statistics_save", f"beijing, {day.isoformat()} (updated)"),
        (clinician.username, "statistics_save", f"Beijing, {day.isoformat()} (added)")]


def test_a_refused_form_says_why_next_to_each_field_and_keeps_what_was_typed(local, clinician):
    answer = clinician.post(f"{PAGE}/save", form(confirmed="ten", deaths="", as_of="2999-01-01",
                                             source="Health Commission <weekly>"))
    assert answer.status_code == 400
    page = answer.text
    assert field_problem(page, "confirmed") == "Confirmed must be a whole number ≥ 0, not 'ten'."
    assert field_problem(page, "deaths") == "Deaths is missing."
    assert field_problem(page, "as_of") == "The date 2999-01-01 is in the future."
    assert field_problem(page, "region") == ""
    assert 'name="confirmed" inputmode="numeric" required value="ten"' in page
    assert 'name="region" maxlength="100" required value="Beijing"' in page
    assert 'value="Health Commission &lt;weekly&gt;"' in page
    assert 'aria-describedby="problem-confirmed"' in page
    assert local.rows() == []
    assert not [entry for entry in audit_entries(local.db) if entry.action.startswith("statistics")]

    too_many = clinician.post(f"{PAGE}/save", form(recovered="1200", deaths="100"))
    assert too_many.status_code == 400
    assert field_problem(too_many.text, "recovered") == (
        "Recovered (1,200) plus deaths (100) is more than confirmed (1,234).")


def test_update_fills_the_form_with_the_region_and_its_source(local, clinician):
    clinician.post(f"{PAGE}/save", form())
    page = clinician.get(f"{PAGE}?region=BEIJING").text
    assert 'name="region" maxlength="100" required value="Beijing"' in page
    assert 'value="Beijing Municipal Health Commission"' in page
    assert 'name="confirmed" inputmode="numeric" required value=""' in page  # typed afresh


# ----- importing a file ------------------------------------------------------------------

def test_a_pasted_csv_file_is_imported_and_audited(local, clinician):
    content = (f"\ufeff{HEADER}\r\nBeijing,1234,1100,9,{days_ago(1)},Beijing MHC\r\n"
               f"China,10000,9000,100,{days_ago(1)},National Health Commission\r\n")
    answer = clinician.post(f"{PAGE}/import", {"format": "csv", "content": content})
    assert answer.status_code == 303
    page = clinician.get(PAGE)
    assert flash_of(page.text) == "Imported 2 rows (2 new, 0 updated)."
    assert [row["region"] for row in table_rows(page.text)] == ["Beijing", "China"]
    assert 'data-testid="default-region">China<' in page.text
    entry = next(entry for entry in audit_entries(local.db) if entry.action == "statistics_import")
    assert (entry.actor, entry.detail) == (clinician.username,
                                           "2 rows (2 new, 0 updated), pasted CSV")


def test_a_pasted_json_file_is_imported(local, clinician):
    content = ('{"statistics": [{"region": "Shanghai", "confirmed": 870, "recovered": 800, '
               f'"deaths": 2, "as_of": "{days_ago(1)}", "source": "Shanghai MHC"}}]}}')
    answer = clinician.post(f"{PAGE}/import", {"format": "json", "content": content})
    assert answer.status_code == 303
    assert [row[:2] for row in local.rows()] == [("Shanghai", 870)]


def test_a_bad_file_is_refused_whole_with_its_lines_and_kept_for_correcting(local, clinician):
    good = f"{HEADER}\nBeijing,1234,1100,9,{days_ago(1)},Beijing MHC\n"
    assert clinician.post(f"{PAGE}/import", {"format": "csv", "content": good}).status_code == 303
    before = local.rows()
    bad = (f"{HEADER}\nBeijing,2000,1100,9,{days_ago(1)},Beijing MHC\n"
           f"Shanghai,870,800,abc,{days_ago(1)},Shanghai MHC\n"
           f"Tianjin,10,20,0,{days_ago(1)},X\n")
    answer = clinician.post(f"{PAGE}/import", {"format": "csv", "content": bad})
    assert answer.status_code == 400
    assert import_errors(answer.text) == [
        "line 3: deaths must be a whole number ≥ 0, not 'abc'",
        "line 4: recovered (20) plus deaths (0) is more than confirmed (10)"]
    assert "Nothing was imported" in answer.text
    assert html.unescape(re.search(r'data-testid="import-content">([^<]*)</textarea>',
                                   answer.text).group(1)) == bad
    assert local.rows() == before  # Beijing's update on line 2 was not saved either
    assert [entry.action for entry in audit_entries(local.db)
            if entry.action == "statistics_import"] == ["statistics_import"]  # the good one

    as_json = clinician.post(f"{PAGE}/import", {"format": "json", "content": bad})
    assert as_json.status_code == 400
    assert import_errors(as_json.text)[0].startswith("line 1, column 1: this is not valid JSON")
    assert '<option value="json" selected>' in as_json.text
    no_format = clinician.post(f"{PAGE}/import", {"format": "xml", "content": good})
    assert no_format.status_code == 400
    assert import_errors(no_format.text) == ["Choose whether the file is CSV or JSON."]
    assert local.rows() == before


def test_an_uploaded_file_is_imported_and_a_bad_one_refused_whole(local, clinician):
    good = f"{HEADER}\nBeijing,1234,1100,9,{days_ago(1)},Beijing MHC\n".encode()
    answer = clinician.post(f"{PAGE}/import", {"format": "json"},  # the file's name wins
                            files={"file": ("figures.csv", good, "text/csv")})
    assert answer.status_code == 303
    assert [row[:2] for row in local.rows()] == [("Beijing", 1234)]
    entry = [e for e in audit_entries(local.db) if e.action == "statistics_import"][-1]
    assert entry.detail == "1 row (1 new, 0 updated), file figures.csv CSV"
    bad = b'[{"region": "Shanghai", "confirmed": -1}]'
    refused = clinician.post(f"{PAGE}/import", {"format": "csv"},
                             files={"file": ("figures.json", bad, "application/json")})
    assert refused.status_code == 400
    assert any("confirmed" in error for error in import_errors(refused.text))
    assert [row[:2] for row in local.rows()] == [("Beijing", 1234)]
    binary = clinician.post(f"{PAGE}/import", {"format": "csv"},
                            files={"file": ("figures.csv", b"\xff\xfe\x00bad", "text/csv")})
    assert binary.status_code == 400 and "not a text file in UTF-8" in binary.text


def test_an_upload_without_the_form_token_is_refused(local, clinician):
    good = f"{HEADER}\nBeijing,1234,1100,9,{days_ago(1)},Beijing MHC\n".encode()
    answer = clinician.post(f"{PAGE}/import", {"format": "csv"}, token="",
                            files={"file": ("figures.csv", good, "text/csv")})
    assert answer.status_code == 403
    assert local.rows() == []
    # multipart is accepted only where a file is expected
    elsewhere = clinician.post(f"{PAGE}/save", form(), files={"file": ("x.csv", good, "text/csv")})
    assert elsewhere.status_code == 403


# ----- what staff see --------------------------------------------------------------------

def test_old_figures_are_marked_stale(local, clinician):
    store.import_figures(local.db, [
        Figures("Beijing", 1234, 1100, 9, date.fromisoformat(days_ago(1)), "Beijing MHC"),
        Figures("Shanghai", 870, 800, 2, date.fromisoformat(days_ago(5)), "Shanghai MHC")],
        "cli")
    rows = {row["region"]: row["stale"] for row in table_rows(clinician.get(PAGE).text)}
    assert rows == {"Beijing": False, "Shanghai": True}


def test_markup_in_a_region_or_source_is_shown_as_text(local, clinician):
    script = "<script>alert('x')</script>"
    assert clinician.post(f"{PAGE}/save", form(region=f"Beijing {script}",
                                           source=f"MHC {script}")).status_code == 303
    page = clinician.get(PAGE).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert table_rows(page)[0]["region"] == f"Beijing {script}"
    refused = clinician.post(f"{PAGE}/import", {
        "format": "csv", "content": f"{HEADER}\n{script},1,0,x,{days_ago(1)},X\n"})
    assert refused.status_code == 400 and "<script>" not in refused.text
    assert import_errors(refused.text) == ["line 2: deaths must be a whole number ≥ 0, not 'x'"]


# ----- with the whole running assistant --------------------------------------------------

def test_the_running_console_serves_the_statistics_page(site, nurse):
    page = nurse.get(PAGE)
    assert page.status_code == 200 and "Official statistics" in page.text
    region = f"Testland {secrets.token_hex(3)}"
    assert nurse.post(f"{PAGE}/save", form(region=region)).status_code == 303
    assert store.latest_for(site.db, region).confirmed == 1234


def test_the_bot_quotes_the_figures_staff_saved(site, nurse):
    domain = "".join(path.read_text() for path in (ROOT / "domain").glob("*.yml"))
    if "action_statistics" not in domain or "ask_statistics" not in domain:
        pytest.skip("the domain has no ask_statistics / action_statistics yet")
    assert nurse.post(f"{PAGE}/save", form(confirmed="4321")).status_code == 303
    replies = httpx.post(f"{site.assistant.rasa_url}/webhooks/rest/webhook", timeout=60, json={
        "sender": f"stats-{secrets.token_hex(4)}", "message": "how many cases in Beijing?"})
    texts = [reply.get("text", "") for reply in replies.json()]
    assert any(text.startswith("Beijing: 4,321 confirmed, 1,100 recovered, 9 deaths, as of ")
               and "(source: Beijing Municipal Health Commission)" in text for text in texts), texts
