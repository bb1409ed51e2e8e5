"""The staff console against the running assistant, on SQLite and on PostgreSQL.

`site` is the whole assistant (`python -m bot.cli run`: Rasa, actions, web app) with
its database: the shared SQLite one (tests/fixtures/assistant.py) and a second one on
PostgreSQL in a schema of its own, made for the run and dropped after it (so other
tests' rows, and Rasa's tables, are never touched). PostgreSQL unreachable: those
tests are skipped, except in CI where they fail.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest

from bot.handoff import escalations
from bot.handoff.staff import add_staff
from bot.storage import Database
from tests.fixtures.assistant import Assistant, start_assistant
from tests.fixtures.databases import postgres_schema

PASSWORD = "a long enough test password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    """A running assistant and our tables under it."""
    name: str
    assistant: Assistant
    db: Database

    @property
    def web_url(self) -> str:
        return self.assistant.web_url

    def staff(self, role: str = "nurse") -> str:
        """A new staff account (password PASSWORD); its username."""
        username = f"{role}-{secrets.token_hex(4)}"
        add_staff(self.db, username, PASSWORD, role)
        return username

    def say(self, text_: str, sender: str | None = None) -> str:
        """A real message to the bot over the REST channel; the conversation's id."""
        sender = sender or f"console-{uuid.uuid4().hex[:12]}"
        answer = httpx.post(f"{self.assistant.rasa_url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": text_}, timeout=60)
        answer.raise_for_status()
        return f"rest:{sender}"

    def escalate(self, conversation_id: str | None = None, reason: str = "fever_clinic",
                 route: str | None = None, assessment: dict[str, Any] | None = None,
                 now: datetime | None = None):
        return escalations.escalate(
            self.db, conversation_id=conversation_id or f"rest:none-{uuid.uuid4().hex[:12]}",
            channel="rest", reason=reason, route=route, assessment=assessment, now=now)


class StaffClient:
    """A browser-like HTTP client for the console: keeps the cookie, adds the form token."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60, follow_redirects=False)
        self.token = ""

    def get(self, path: str, **kwargs) -> httpx.Response:
        answer = self.http.get(path, **kwargs)
        self._remember_token(answer)
        return answer

    def post(self, path: str, data: dict[str, str] | None = None, *, token: str | None = None,
             **kwargs) -> httpx.Response:
        """`token` overrides the page's CSRF token ("" sends none)."""
        form = dict(data or {})
        token = self.token if token is None else token
        if token:
            form["csrf_token"] = token
        answer = self.http.post(path, data=form, **kwargs)
        self._remember_token(answer)
        return answer

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/console/login")
        answer = self.post("/console/login", {"username": username, "password": password})
        if answer.status_code == 303:
            self.get(answer.headers["location"])  # the new session's form token
        return answer

    def _remember_token(self, answer: httpx.Response) -> None:
        found = CSRF.search(answer.text) if "text/html" in answer.headers.get(
            "content-type", "") else None
        if found:
            self.token = found.group(1)

    def close(self) -> None:
        self.http.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    if request.param == "sqlite":
        assistant = request.getfixturevalue("assistant")
        yield Site("sqlite", assistant, Database(assistant.env["DATABASE_URL"]))
        return
    request.getfixturevalue("model_path")  # trained before the second assistant starts
    # Our tables (and Alembic's) go to a fresh schema; Rasa's tracker stays in its SQLite file.
    with postgres_schema() as url:
        db = Database(url)
        db.migrate()
        with start_assistant(tmp_path_factory.mktemp("assistant-pg"),
                             {"DATABASE_URL": url}) as assistant:
            yield Site("postgresql", assistant, db)
        db.engine.dispose()


@pytest.fixture
def client(site):
    """A console client, not signed in."""
    staff_client = StaffClient(site.web_url)
    yield staff_client
    staff_client.close()


@pytest.fixture
def nurse(site):
    """A console client signed in as a new nurse; `.username` says who."""
    staff_client = StaffClient(site.web_url)
    staff_client.username = site.staff("nurse")
    answer = staff_client.login(staff_client.username)
    assert answer.status_code == 303, answer.text
    yield staff_client
    staff_client.close()


def rows(page: str) -> list[int]:
    """The case ids of the queue's rows, in order."""
    return [int(found) for found in re.findall(r'data-case-id="(\d+)"', page)]


def problem(page: str) -> str:
    found = re.search(r'data-testid="problem">([^<]*)<', page)
    return found.group(1) if found else ""


def flash_of(page: str) -> str:
    found = re.search(r'data-testid="flash">([^<]*)<', page)
    return found.group(1) if found else ""
