"""Signing in and out, the session every console page needs, CSRF on every form, the
lockout after wrong passwords, and who may read the audit log."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Mount, Route

from bot.handoff import escalations
from bot.web.app import create_app
from tests.console.conftest import PASSWORD, StaffClient, problem

SECRET_MARK = "case-secret-7f3a"  # written into a case: must never show without a session


def console_routes() -> list[tuple[str, str]]:
    """(method, path template) of every console route, read from the app's router so a
    route added later is checked too."""
    found = []

    def walk(routes, prefix=""):
        for route in routes:
            if isinstance(route, Mount):
                walk(route.routes, prefix + route.path)
            elif isinstance(route, Route) and (prefix + route.path).startswith("/console"):
                found.extend((method, prefix + route.path)
                             for method in sorted(route.methods - {"HEAD"}))

    walk(create_app(secret_key="only-for-reading-the-routes").routes)
    return found


def fill(path: str, case_id: int) -> str:
    return re.sub(r"\{case_id(:int)?\}", str(case_id), path)


def test_the_router_has_the_console_routes_we_expect():
    routes = console_routes()
    for expected in [("GET", "/console/"), ("GET", "/console/login"), ("POST", "/console/login"),
                     ("POST", "/console/logout"), ("GET", "/console/cases/{case_id:int}"),
                     ("POST", "/console/cases/{case_id:int}/reply"), ("GET", "/console/audit"),
                     ("GET", "/console/dashboard")]:
        assert expected in routes
    assert all("{" not in path or "{case_id:int}" in path for _, path in routes)


def test_every_console_route_refuses_without_a_session(site, client):
    case = site.escalate(assessment={"facts": {}, "reasons": [SECRET_MARK]})
    escalations.add_note(site.db, case.id, "someone", SECRET_MARK)
    checked = 0
    for method, template in console_routes():
        path = fill(template, case.id)
        if method == "GET":
            answer = client.http.get(path)
            if path == "/console/login":
                assert answer.status_code == 200
            else:
                assert answer.status_code == 303, path
                assert answer.headers["location"] == "/console/login", path
        else:
            answer = client.http.post(path, data={"text": "hello"})
            assert answer.status_code == 403, path
        assert SECRET_MARK not in answer.text
        checked += 1
    assert checked >= 12
    # Nothing happened to the case.
    assert escalations.get_case(site.db, case.id).status == "open"
    assert len(escalations.entries(site.db, case.id)) == 1


def test_a_stale_or_forged_session_cookie_is_refused(site, client):
    client.http.cookies.set("session", "eyJzdGFmZl9pZCI6IDF9.forged.signature")
    assert client.http.get("/console/").status_code == 303


def test_every_post_without_the_right_csrf_token_is_refused(site, nurse):
    case = site.escalate()
    posts = [fill(path, case.id) for method, path in console_routes() if method == "POST"]
    nurse.get("/console/")
    for path in posts:
        data = {"text": "should not be saved", "username": nurse.username, "password": PASSWORD}
        missing = nurse.post(path, data, token="")
        wrong = nurse.post(path, data, token="not-the-token")
        other_site = nurse.post(path, data, headers={"Origin": "https://evil.example"})
        assert [missing.status_code, wrong.status_code, other_site.status_code] == [403] * 3, path
        assert "expired" in problem(missing.text)
    fresh = escalations.get_case(site.db, case.id)
    assert fresh.status == "open" and escalations.entries(site.db, case.id) == []
    assert nurse.get("/console/").status_code == 200  # still signed in: logout was refused too
    # The same form with the token goes through.
    assert nurse.post(f"/console/cases/{case.id}/note", {"text": "fine"}).status_code == 303


def test_login_rotates_the_session_and_logout_ends_it(site, client):
    username = site.staff("doctor")
    page = client.get("/console/login")
    assert page.status_code == 200
    before = client.token
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    answer = client.post("/console/login", {"username": username, "password": PASSWORD})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/"
    queue = client.get("/console/")
    assert queue.status_code == 200 and username in queue.text
    assert client.token != before  # a fresh CSRF token with the new session
    signed_in_cookie = client.http.cookies.get("session")

    assert client.post("/console/logout").status_code == 303
    assert client.http.get("/console/").status_code == 303
    # The old cookie, replayed after the sign-out, no longer opens the console.
    replay = StaffClient(site.web_url)
    replay.http.cookies.set("session", signed_in_cookie)
    assert replay.http.get("/console/").status_code == 303
    replay.close()
    actions = [e.action for e in escalations.audit_entries(site.db) if e.actor == username]
    assert actions[:2] == ["logout", "login"]


def test_wrong_passwords_lock_the_account(site, client):
    username = site.staff("nurse")
    for _ in range(4):
        answer = client.login(username, "not the password at all")
        assert answer.status_code == 401
        assert problem(answer.text) == "Wrong username or password."
        assert "value=\"" + username in answer.text  # the username is kept
    fifth = client.login(username, "not the password at all")
    assert fifth.status_code == 401 and "locked" in problem(fifth.text)
    assert "Try again after" in problem(fifth.text)
    right = client.login(username, PASSWORD)
    assert right.status_code == 401 and "locked" in problem(right.text)
    assert client.http.get("/console/").status_code == 303  # not signed in
    unknown = client.login("nobody-by-this-name", PASSWORD)
    assert problem(unknown.text) == "Wrong username or password."
    empty = client.login("", "")
    assert problem(empty.text) == "Enter your username and password."
    actions = [e.action for e in escalations.audit_entries(site.db) if e.actor == username]
    assert actions.count("login_failed") == 4 and actions.count("login_locked") == 2
    assert "login" not in actions


def test_the_audit_log_page_is_for_admins_only(site, nurse):
    refused = nurse.get("/console/audit")
    assert refused.status_code == 403 and "administrators" in problem(refused.text)
    assert "Audit log" not in nurse.get("/console/").text  # not offered in the menu
    admin = StaffClient(site.web_url)
    name = site.staff("admin")
    admin.login(name)
    page = admin.get("/console/audit")
    assert page.status_code == 200
    assert nurse.username in page.text and name in page.text  # their logins
    admin.close()


@pytest.mark.parametrize("path", ["/console/cases/99999999", "/console/cases/abc",
                                  "/console/no-such-page"])
def test_unknown_pages_and_cases_get_a_plain_not_found_page(site, nurse, path):
    answer = nurse.get(path)
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"] and "Traceback" not in answer.text
    assert "Not found" in answer.text
    posted = nurse.post("/console/cases/99999999/note", {"text": "hello"})
    assert posted.status_code == 404 and "no such case" in problem(posted.text)


def test_trainers_never_see_patient_cases(site, client):
    case = site.escalate(assessment={"facts": {}, "reasons": [SECRET_MARK]})
    escalations.add_note(site.db, case.id, "someone", SECRET_MARK)
    client.login(site.staff("trainer"))
    queue = client.get("/console/")
    assert queue.status_code == 303 and queue.headers["location"] == "/console/inbox"
    for method, template in console_routes():
        path = fill(template, case.id)
        if path.startswith(("/console/inbox", "/console/login", "/console/logout")) \
                or path == "/console/":
            continue
        answer = (client.get(path) if method == "GET"
                  else client.post(path, {"text": "hello"}))
        assert answer.status_code == 403, path
        assert SECRET_MARK not in answer.text
    assert escalations.get_case(site.db, case.id).status == "open"
