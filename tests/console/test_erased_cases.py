"""A case whose person had their data deleted: the queue and the case page say
"Erased at the person's request on <date>" where the facts and the conversation were,
and the transcript is never asked of Rasa; exports refuse. The console runs in-process
(no model needed) over SQLite and PostgreSQL, with a stand-in for Rasa's HTTP API that
records what it is asked."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.channels.client import RasaClient
from bot.handoff import escalations
from bot.handoff.rasa_api import RasaApi
from bot.handoff.staff import add_staff
from bot.privacy.erasure import erase_person
from bot.storage import Database
from bot.web.app import create_app
from bot.web.console.state import Console
from tests.console.conftest import PASSWORD, StaffClient, rows
from tests.fixtures.databases import migrated_database

ERASED_ON = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SAID = "my secret cough since Tuesday"


class RecordingRasa(RasaApi):
    """Rasa's HTTP API as far as the case page uses it: every transcript asked for is
    recorded, and each has one message of the person's."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9", "unused")
        self.asked: list[str] = []

    async def events(self, conversation_id: str) -> list[dict[str, Any]]:
        self.asked.append(conversation_id)
        return [{"event": "user", "text": SAID, "timestamp": ERASED_ON.timestamp(),
                 "parse_data": {"intent": {"name": "inform", "confidence": 0.9}}}]


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    with migrated_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def rasa() -> RecordingRasa:
    return RecordingRasa()


@pytest.fixture
def nurse(db, rasa, tmp_path):
    """A nurse signed in to the console in this process (cookies and form token kept)."""
    console = Console(db, rasa, f"sqlite:///{tmp_path / 'no-tracker.db'}")
    app = create_app(RasaClient("webchat", "http://127.0.0.1:9", "unused"),
                     secret_key="test-key", console=console)
    client = StaffClient("http://testserver")
    client.http.close()
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as http:
        client.http = http
        client.username = f"nurse-{secrets.token_hex(4)}"
        add_staff(db, client.username, PASSWORD, "nurse")
        assert client.login(client.username).status_code == 303
        yield client


def cases(db: Database) -> tuple[int, int]:
    """An erased case (claimed and noted by staff first) and a live one."""
    erased = escalations.escalate(db, conversation_id="telegram:4242", channel="telegram",
                                  reason="fever_clinic", route="fever_clinic",
                                  assessment={"facts": {"temperature": 39.4},
                                              "reasons": ["High fever"]})
    escalations.claim(db, erased.id, "nurse-wu")
    escalations.add_note(db, erased.id, "nurse-wu", "Called them about the cough")
    erase_person(db, "telegram:4242", ERASED_ON)
    live = escalations.escalate(db, conversation_id="rest:live", channel="rest",
                                reason="fever_clinic", route="fever_clinic")
    return erased.id, live.id


def test_the_case_page_says_erased_and_never_fetches_the_transcript(db, rasa, nurse):
    erased, live = cases(db)
    page = nurse.get(f"/console/cases/{erased}")
    assert page.status_code == 200
    assert "Erased at the person's request on 20 Nov 2026" in page.text
    assert rasa.asked == []  # not "telegram:4242", not "erased-…": nothing asked
    for gone in (SAID, "39.4", "High fever", "Called them about the cough", "telegram:4242"):
        assert gone not in page.text
    assert 'data-testid="transcript"' not in page.text and 'data-testid="facts"' not in page.text
    assert 'data-testid="reply-form"' not in page.text  # closed: nothing can be written
    assert "nurse-wu" in page.text  # who handled it stays (staff, not the person)

    printable = nurse.get(f"/console/cases/{erased}/print")
    assert "Erased at the person's request" in printable.text and rasa.asked == []
    export = nurse.get(f"/console/cases/{erased}/export.json")
    assert export.status_code == 410 and rasa.asked == []

    control = nurse.get(f"/console/cases/{live}")  # the stand-in does answer
    assert SAID in control.text and rasa.asked == ["rest:live"]
    assert "Erased at the person" not in control.text


def test_the_queue_marks_erased_cases(db, nurse):
    erased, live = cases(db)
    page = nurse.get("/console/?status=all").text
    assert set(rows(page)) == {erased, live}
    row = page[page.index(f'data-case-id="{erased}"'):]
    row = row[:row.index("</tr>")]
    assert "Erased at the person's request on 20 Nov 2026" in row
    other = page[page.index(f'data-case-id="{live}"'):]
    assert "Erased" not in other[:other.index("</tr>")]
    assert erased not in rows(nurse.get("/console/").text)  # closed: not in the active queue
