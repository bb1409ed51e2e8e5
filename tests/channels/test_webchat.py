"""The web chat in a real (headless) Chromium.

Fast tests run the web app alone, as `python -m bot.web` with RASA_URL pointing at a
closed port: the API's protections and what the page does while Rasa is down. The
others talk to the whole assistant (the session fixture `assistant`, trained model and
all) by clicking and typing like a person would.

Chromium is Debian's (/usr/bin/chromium, see scripts/install-browser); Playwright's own
browser downloads are never used.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import subprocess
import sys
from typing import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from bot.processes import free_port, stop, wait_until_up
from bot.settings import PROJECT_ROOT
from tests.fixtures.browser import chromium

ANSWER_TIMEOUT = 30_000  # ms: a first answer can be slow while Rasa warms up


# ----- fixtures --------------------------------------------------------------------------

@pytest.fixture(scope="module")  # see tests/fixtures/browser.py
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def new_page(browser):
    """Opens a page in a fresh browser context (its own cookie: a new visitor)."""
    contexts = []

    def open_page(url: str) -> Page:
        context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
        context.set_default_timeout(ANSWER_TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def lonely_web(tmp_path_factory):
    """The web app with no Rasa behind it (RASA_URL names a port nobody listens on)."""
    port = free_port()
    env = {**os.environ, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port),
           "RASA_URL": f"http://127.0.0.1:{free_port()}", "CHANNEL_TOKEN": "test-token",
           "WEB_SECRET_KEY": "test-secret-key-not-a-secret", "EMERGENCY_NUMBER": "112"}
    log = tmp_path_factory.mktemp("web") / "web.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT, env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    assert wait_until_up(f"{url}/healthz", [process], seconds=30), log.read_text()
    yield url
    stop([process])


# ----- helpers ---------------------------------------------------------------------------

@contextlib.contextmanager
def api_session(base_url: str) -> Iterator[tuple[httpx.Client, str]]:
    """An HTTP client holding the page's cookie, and the page's CSRF token."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        page = client.get("/")
        token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)
        yield client, token


def visitor_of(cookie: str) -> str:
    """The visitor id inside the signed session cookie (signed, not encrypted)."""
    data = cookie.split(".")[0]
    return json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))["visitor"]


def page_visitor(page: Page) -> str:
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    return visitor_of(cookie["value"])


def settled(page: Page) -> None:
    """Waits until the page has its answer (no message on its way)."""
    expect(page.locator("main.chat:not([aria-busy])")).to_have_count(1)
    expect(page.get_by_test_id("typing")).to_be_hidden()


def press(page: Page, title: str) -> None:
    """Clicks the bot's current button with exactly this title."""
    button = page.locator("button.choice:enabled").and_(
        page.get_by_role("button", name=title, exact=True))
    expect(button).to_have_count(1)
    button.click()
    settled(page)


def say(page: Page, text: str) -> None:
    page.get_by_test_id("message-input").fill(text)
    page.get_by_test_id("message-input").press("Enter")
    settled(page)


def last_bot_text(page: Page):
    return page.get_by_test_id("bot-message").last


def assert_no_machine_payloads(page: Page) -> None:
    shown = page.locator("body").inner_text()
    for machine in ('"triage"', '"ask"', '"route"', "protocol_version", "/inform", "R-"):
        assert machine not in shown, f"{machine!r} shown in the page:\n{shown}"


# ----- fast: the web app alone -----------------------------------------------------------

def test_page_gives_a_signed_http_only_cookie_and_security_headers(lonely_web):
    answer = httpx.get(f"{lonely_web}/")
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("session=") and "httponly" in cookie and "samesite=lax" in cookie
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in answer.text  # the only script is static/chat.js
    assert "not a diagnosis" in answer.text and "112" in answer.text
    assert 'data-testid="hospital">Example City Hospital<' in answer.text  # hospital.yml
    script = httpx.get(f"{lonely_web}/static/chat.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "innerHTML" not in script.text


def test_api_refuses_posts_without_cookie_or_csrf_header(lonely_web):
    body = {"message": "hi"}
    anonymous = httpx.post(f"{lonely_web}/chat/api/send", json=body)
    assert anonymous.status_code == 403 and anonymous.json()["code"] == "forbidden"

    with api_session(lonely_web) as (client, token):
        no_header = client.post("/chat/api/send", json=body)
        wrong_token = client.post("/chat/api/send", json=body, headers={"X-CSRF-Token": "guess"})
        other_site = client.post("/chat/api/send", json=body, headers={
            "X-CSRF-Token": token, "Origin": "https://evil.example"})
        form_post = client.post("/chat/api/send", content="message=hi", headers={
            "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded"})
        no_text = client.post("/chat/api/send", json={"sender": "someone else"},
                              headers={"X-CSRF-Token": token})
    assert [no_header.status_code, wrong_token.status_code, other_site.status_code] == [403] * 3
    assert form_post.status_code == 415
    assert no_text.status_code == 400
    for answer in (no_header, form_post, no_text):
        assert set(answer.json()) == {"error", "code"}  # clean JSON, never a traceback


def test_a_message_over_4096_characters_is_refused_clearly(lonely_web):
    with api_session(lonely_web) as (client, token):
        answer = client.post("/chat/api/send", json={"message": "a" * 4097},
                             headers={"X-CSRF-Token": token})
    assert answer.status_code == 413
    assert "4096" in answer.json()["error"]


def test_api_answers_503_with_an_apology_when_rasa_is_down(lonely_web):
    with api_session(lonely_web) as (client, token):
        answer = client.post("/chat/api/send", json={"message": "I have a fever"},
                             headers={"X-CSRF-Token": token})
    assert answer.status_code == 503
    assert answer.json()["code"] == "unavailable"
    assert "Sorry" in answer.json()["error"] and "112" in answer.json()["error"]


def test_page_keeps_the_typed_message_when_rasa_is_down(lonely_web, new_page):
    page = new_page(lonely_web)
    settled(page)  # the greeting fails too
    say(page, "I have a fever of 39")
    problem = page.get_by_test_id("problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("Sorry")
    expect(page.get_by_test_id("message-input")).to_have_value("I have a fever of 39")
    expect(page.get_by_test_id("user-message")).to_have_count(0)  # not shown as sent


# ----- the whole assistant ---------------------------------------------------------------

def test_a_whole_triage_by_buttons_and_numbers_ends_with_the_route_card(assistant, new_page):
    page = new_page(assistant.web_url)
    settled(page)
    expect(last_bot_text(page)).to_contain_text("not a diagnosis")  # the greeting
    press(page, "Check my symptoms")
    expect(last_bot_text(page)).to_contain_text("may I keep your answers")  # consent first
    press(page, "I agree")
    expect(last_bot_text(page)).to_contain_text("any of these right now")
    press(page, "None of these")
    expect(page.get_by_test_id("user-message").last).to_have_text("None of these")
    expect(page.get_by_role("button", name="Chest pain")).to_be_disabled()  # answered
    expect(last_bot_text(page)).to_contain_text("fever")
    press(page, "Yes")
    say(page, "38.2")  # temperature
    say(page, "2")  # days
    press(page, "No, still unwell")
    say(page, "34")  # age
    press(page, "None of these")  # exposure
    press(page, "No")  # works in health care
    press(page, "None of these")  # risk factors

    card = page.get_by_test_id("result-card")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("data-route", "online_specialist")
    expect(card.locator("h2")).to_have_text("Online specialist")
    expect(card.locator(".reasons li")).not_to_have_count(0)
    expect(page.get_by_test_id("transcript")).to_contain_text("Respiratory Medicine's online consultation")
    assert_no_machine_payloads(page)

    said = [e for e in assistant.tracker_events(f"webchat:{page_visitor(page)}")
            if e["event"] == "user"]
    assert [e["text"] for e in said if e["text"] in {"38.2", "34"}] == ["38.2", "34"]
    assert said[-1]["text"].startswith("/")  # the last answer was a button's payload


def test_an_emergency_shows_the_card_with_the_number_to_call(assistant, new_page):
    page = new_page(assistant.web_url)
    settled(page)
    say(page, "my 8 month old is breathing really fast")
    card = page.get_by_test_id("result-card")
    expect(card).to_have_attribute("data-route", "emergency")
    expect(card.locator("h2")).to_have_text("Emergency care")
    expect(card.get_by_role("link", name="Call 120")).to_have_attribute("href", "tel:120")
    assert_no_machine_payloads(page)


def test_script_in_a_message_is_shown_as_text(assistant, new_page):
    page = new_page(assistant.web_url)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    settled(page)
    say(page, "<script>alert(1)</script> <img src=x onerror=alert(2)>")
    expect(page.get_by_test_id("user-message").last).to_have_text(
        "<script>alert(1)</script> <img src=x onerror=alert(2)>")
    assert page.locator("#transcript script, #transcript img").count() == 0
    page.wait_for_timeout(300)  # time for a dialog to open, had anything run
    assert dialogs == []


def test_start_over_clears_the_page_and_asks_the_first_question_again(assistant, new_page):
    page = new_page(assistant.web_url)
    settled(page)
    press(page, "Check my symptoms")
    press(page, "I agree")
    press(page, "None of these")
    page.get_by_test_id("start-over").click()
    settled(page)
    expect(page.get_by_test_id("user-message")).to_have_text(["Start over"])
    expect(last_bot_text(page)).to_contain_text("any of these right now")
    expect(page.locator("button.choice:enabled")).not_to_have_count(0)


def test_reloading_mid_check_asks_the_current_question_again(assistant, new_page):
    page = new_page(assistant.web_url)
    settled(page)
    press(page, "Check my symptoms")
    press(page, "I agree")
    press(page, "None of these")
    expect(last_bot_text(page)).to_contain_text("fever")
    page.reload()
    settled(page)
    expect(last_bot_text(page)).to_contain_text("fever")
    press(page, "No")  # the buttons shown after the reload still work
    expect(last_bot_text(page)).not_to_contain_text("earlier question")


def test_a_retried_message_id_is_processed_once(assistant):
    body = {"message": "I have had a cough since Tuesday", "message_id": "retry-test-0001"}
    with api_session(assistant.web_url) as (client, token):
        headers = {"X-CSRF-Token": token}
        first = client.post("/chat/api/send", json=body, headers=headers)
        again = client.post("/chat/api/send", json=body, headers=headers)
        visitor = visitor_of(client.cookies["session"])
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    said = [e["text"] for e in assistant.tracker_events(f"webchat:{visitor}")
            if e["event"] == "user"]
    assert said.count(body["message"]) == 1
