"""The console in a real (headless) Chromium, with a real conversation: a person asks
the web chat for a doctor, a nurse signs in, claims the case, replies (the reply reaches
the person's page), closes it, and the bot takes the conversation back.

Runs on the shared SQLite assistant (the HTTP tests cover PostgreSQL). Chromium is
Debian's (/usr/bin/chromium, see scripts/install-browser).
"""

from __future__ import annotations

import secrets
import time

import pytest
from playwright.sync_api import Page, expect

from bot.handoff import escalations
from bot.handoff.staff import add_staff
from bot.storage import Database
from tests.channels.test_webchat import page_visitor, say, settled
from tests.console.conftest import PASSWORD
from tests.fixtures.browser import chromium

TIMEOUT = 30_000  # ms: a first answer can be slow while Rasa warms up


@pytest.fixture(scope="module")  # see tests/fixtures/browser.py
def browser():
    with chromium() as launched:
        yield launched


def open_page(browser, url: str, problems: list[str], **options) -> Page:
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    # A blocked inline script or style (CSP) or a script error shows up here.
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    return page


def wait_for_case(db: Database, conversation: str, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        case = escalations.open_case(db, conversation)
        if case is not None:
            return case
        time.sleep(0.2)
    pytest.fail(f"no escalation for {conversation}")


def test_a_nurse_answers_a_person_who_asked_for_a_doctor(assistant, browser):
    db = Database(assistant.env["DATABASE_URL"])
    username = f"nurse-{secrets.token_hex(4)}"
    add_staff(db, username, PASSWORD, "nurse")
    problems: list[str] = []

    # The person asks for a doctor in the web chat; the bot hands over and waits.
    person = open_page(browser, assistant.web_url, problems, viewport={"width": 390, "height": 844})
    settled(person)
    say(person, "can I talk to a doctor?")
    expect(person.get_by_test_id("bot-message").last).to_contain_text("member of the hospital")
    conversation = f"webchat:{page_visitor(person)}"
    case = wait_for_case(db, conversation)

    # The nurse signs in and finds the case in the queue.
    nurse = open_page(browser, f"{assistant.web_url}/console/", problems,
                      viewport={"width": 1280, "height": 900})
    expect(nurse).to_have_url(f"{assistant.web_url}/console/login")
    nurse.get_by_label("Username").fill(username)
    nurse.get_by_label("Password").fill(PASSWORD)
    nurse.get_by_test_id("sign-in").click()
    expect(nurse.get_by_test_id("signed-in-as")).to_contain_text(username)
    row = nurse.locator(f'tr[data-case-id="{case.id}"]')
    expect(row).to_contain_text("Asked for a person")
    expect(row).to_contain_text("webchat")
    row.get_by_role("link").click()

    # The case page shows the conversation; the nurse claims the case and replies.
    expect(nurse.get_by_test_id("transcript")).to_contain_text("can I talk to a doctor?")
    nurse.get_by_test_id("claim").click()
    expect(nurse.get_by_test_id("flash")).to_have_text("You have claimed this case.")
    expect(nurse.get_by_test_id("claimed-by")).to_contain_text(username)
    reply = "Hello, I am the nurse on duty. How high is your temperature?"
    nurse.get_by_test_id("reply-text").fill(reply)
    nurse.get_by_test_id("send-reply").click()
    expect(nurse.get_by_test_id("flash")).to_have_text("Reply sent to the person.")
    expect(nurse.get_by_test_id("entry-reply")).to_contain_text(reply)

    # The reply reaches the person's page (the page polls for it), marked as from staff.
    expect(person.get_by_test_id("transcript")).to_contain_text(reply)
    staff_marked = person.get_by_test_id("staff-message").filter(has_text=reply).count()

    # The nurse closes the case; the bot takes the conversation back and says so.
    nurse.get_by_test_id("close").click()
    expect(nurse.get_by_test_id("flash")).to_have_text(
        "Case closed. The assistant has taken the conversation back.")
    expect(nurse.get_by_test_id("read-only")).to_be_visible()
    expect(nurse.get_by_test_id("reply-form")).to_have_count(0)
    expect(person.get_by_test_id("bot-message").last).to_contain_text("I'm here again")
    assert escalations.get_case(db, case.id).status == "closed"

    # Back in the queue the case is gone from the open ones.
    nurse.get_by_role("link", name="Queue", exact=True).click()
    expect(nurse.locator(f'tr[data-case-id="{case.id}"]')).to_have_count(0)
    assert problems == []
    assert staff_marked == 1, "the staff reply is shown on the person's page as the bot's"
    db.engine.dispose()
