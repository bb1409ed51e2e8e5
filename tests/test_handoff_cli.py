"""`python -m bot.cli staff add|list|passwd`, run as a user would, on a temporary SQLite file."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.handoff import cli, staff
from bot.storage import Database

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


@pytest.fixture
def database_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run(database_url: str, *arguments: str, stdin: str = "") -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "bot.cli"]
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command + ["staff", *arguments], input=stdin, capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=60,
                            start_new_session=True)  # no terminal: getpass cannot prompt
    assert "Traceback" not in result.stderr, result.stderr
    return result


def refused(result: subprocess.CompletedProcess, message: str) -> bool:
    """Exit code 1, and the reason as one line on stderr."""
    return (result.returncode == 1 and result.stdout == ""
            and result.stderr.count("\n") == 1 and message in result.stderr)


def test_add_list_and_passwd(database_url):
    listed = run(database_url, "list")
    assert listed.returncode == 0 and "No staff accounts yet" in listed.stdout

    added = run(database_url, "add", "Li.Na", "--role", "nurse", "--password-stdin",
                stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Added nurse account 'li.na'.\n"
    assert run(database_url, "add", "dr-wang", "--role", "doctor", "--password-stdin",
               stdin=PASSWORD).returncode == 0  # no newline at the end is fine too

    listed = run(database_url, "list")
    lines = listed.stdout.splitlines()
    assert listed.returncode == 0 and lines[0].split() == ["USERNAME", "ROLE", "LAST", "LOGIN",
                                                           "LOCKED", "UNTIL"]
    assert [line.split()[:2] for line in lines[1:]] == [["dr-wang", "doctor"], ["li.na", "nurse"]]

    changed = run(database_url, "passwd", "LI.NA", "--password-stdin",
                  stdin="a brand new password\n")
    assert changed.returncode == 0 and changed.stdout == "Changed the password of 'li.na'.\n"

    db = Database(database_url)
    assert staff.authenticate(db, "li.na", "a brand new password").user is not None
    assert staff.authenticate(db, "li.na", PASSWORD).user is None
    assert staff.authenticate(db, "dr-wang", PASSWORD).user.role == "doctor"
    db.engine.dispose()
    for result in (added, listed, changed):
        assert PASSWORD not in result.stdout + result.stderr
        assert "a brand new password" not in result.stdout + result.stderr


def test_mistakes_are_refused_in_one_line(database_url):
    assert run(database_url, "add", "li", "--role", "nurse", "--password-stdin",
               stdin=PASSWORD).returncode == 0
    assert refused(run(database_url, "add", "LI", "--role", "doctor", "--password-stdin",
                       stdin=PASSWORD), "already a staff account named 'li'")
    assert refused(run(database_url, "add", "bob", "--role", "janitor", "--password-stdin",
                       stdin=PASSWORD), "The role must be one of: nurse, doctor, trainer, admin.")
    assert refused(run(database_url, "add", "bob", "--role", "nurse", "--password-stdin",
                       stdin="short\n"), "at least 10 characters")
    assert refused(run(database_url, "add", "bob smith", "--role", "nurse", "--password-stdin",
                       stdin=PASSWORD), "A username is")
    assert refused(run(database_url, "passwd", "bob", "--password-stdin", stdin=PASSWORD),
                   "no staff account named 'bob'")
    assert refused(run(database_url, "passwd", "li", "--password-stdin", stdin="short"),
                   "at least 10 characters")
    listed = run(database_url, "list")
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["li"]


def test_without_a_terminal_the_password_must_come_from_stdin(database_url):
    result = run(database_url, "add", "bob", "--role", "nurse", stdin=PASSWORD + "\n")
    assert refused(result, "use --password-stdin")
    assert PASSWORD not in result.stderr


def test_a_database_that_cannot_be_opened_is_one_line(tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    result = run(f"sqlite:///{not_a_directory / 'assistant.db'}", "list")
    assert refused(result, "Cannot use the database")


def test_usage_mistakes_are_argparse_errors(database_url):
    assert run(database_url).returncode == 2
    assert run(database_url, "add", "bob").returncode == 2  # --role is required


# ----- the prompts, in this process (a subprocess has no terminal to prompt on) -------------

def namespace(**values) -> argparse.Namespace:
    return argparse.Namespace(password_stdin=False, **values)


def test_the_password_is_asked_twice(database_url, monkeypatch, capsys):
    typed = iter([PASSWORD, PASSWORD])
    prompts = []

    def getpass(prompt):
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr(cli.getpass, "getpass", getpass)
    assert cli.staff_add(namespace(username="li", role="nurse")) == 0
    assert prompts == ["New password: ", "Repeat it: "]
    assert capsys.readouterr().out == "Added nurse account 'li'.\n"


def test_passwords_that_differ_change_nothing(database_url, monkeypatch, capsys):
    typed = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(typed))
    assert cli.staff_add(namespace(username="li", role="nurse")) == 1
    assert capsys.readouterr().err == "The passwords do not match; nothing was changed.\n"
    db = Database(database_url)
    assert staff.find_staff(db, "li") is None
    db.engine.dispose()


def test_ctrl_c_at_the_prompt_cancels(database_url, monkeypatch, capsys):
    def interrupted(prompt):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.getpass, "getpass", interrupted)
    assert cli.staff_add(namespace(username="li", role="nurse")) == 1
    assert capsys.readouterr().err == "Cancelled; nothing was changed.\n"
