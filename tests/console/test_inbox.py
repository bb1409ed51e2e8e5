"""The NLU inbox in the console, fed by real conversations with the running assistant:
what the bot did not understand reaches trainers masked, and leaves as training data
that `rasa data validate` accepts. Clinical staff are refused."""

from __future__ import annotations

import html
import random
import re
import shutil
import string
import subprocess

import pytest
import yaml

from bot.handoff.escalations import audit_entries
from bot.settings import PROJECT_ROOT
from tests.console.conftest import StaffClient, flash_of, problem

ITEM = re.compile(r'data-testid="inbox-item" data-key="([0-9a-f]{64})">\s*<td><span '
                  r'data-testid="item-text">([^<]*)</span>.*?data-testid="item-count">(\d+)',
                  re.DOTALL)


def nonsense() -> str:
    """A word the assistant never saw: the message it is in is not understood."""
    return "".join(random.choices(string.ascii_lowercase, k=12))


def items_on(page: str) -> dict[str, tuple[str, int]]:
    """The inbox page's messages: text -> (key, count)."""
    return {html.unescape(text): (key, int(count)) for key, text, count in ITEM.findall(page)}


def signed_in(site, role: str) -> StaffClient:
    client = StaffClient(site.web_url)
    client.username = site.staff(role)
    assert client.login(client.username).status_code == 303
    client.get("/console/inbox" if role in ("trainer", "admin") else "/console/")  # the token
    return client


@pytest.fixture
def trainer(site):
    client = signed_in(site, "trainer")
    yield client
    client.close()


def test_a_message_not_understood_reaches_the_inbox_masked_and_exports(site, trainer,
                                                                       tmp_path):
    word = nonsense()
    site.say(f"{word} flurpish 138 1234 5678 wibblenog")
    site.say(f"{word.upper()}  flurpish 13987654321 wibblenog")  # the same, once masked
    page = trainer.get("/console/inbox")
    assert page.status_code == 200
    shown = f"{word.upper()} flurpish [PHONE] wibblenog"  # as written the last time
    assert shown in items_on(page.text), page.text[-3000:]
    key, count = items_on(page.text)[shown]
    assert count == 2
    assert "138 1234 5678" not in page.text and "13987654321" not in page.text
    assert 'data-intent="nlu_fallback"' in page.text

    decided = trainer.post("/console/inbox/decide", {"key": key, "decision": "out_of_scope"})
    assert decided.status_code == 303
    assert "annotated as out_of_scope" in flash_of(trainer.get("/console/inbox").text)
    assert shown not in items_on(trainer.get("/console/inbox").text)
    annotated = trainer.get("/console/inbox/annotated")
    assert f'data-key="{key}"' in annotated.text and shown in annotated.text

    download = trainer.get("/console/inbox/export.yml")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="inbox.yml"'
    exported = yaml.safe_load(download.text)
    examples = {block["intent"]: block["examples"] for block in exported["nlu"]}
    assert f"- {shown}\n" in examples["out_of_scope"]
    assert "13987654321" not in download.text

    actions = {(entry.actor, entry.action) for entry in audit_entries(site.db)}
    assert {(trainer.username, "nlu_annotate"), (trainer.username, "nlu_export")} <= actions
    if site.name == "sqlite":  # the same file either way: validated once
        assert_rasa_accepts(download.text, tmp_path)


def assert_rasa_accepts(exported: str, tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    (data / "nlu" / "inbox.yml").write_text(exported, encoding="utf-8")
    validated = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "rasa"), "data", "validate", "--fail-on-warnings",
         "--config", str(PROJECT_ROOT / "config.yml"), "--domain", str(PROJECT_ROOT / "domain"),
         "--data", str(data)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]


def test_discarding_and_putting_back(site, trainer):
    shown = f"{nonsense()} glorbinate"
    site.say(shown)
    key, _ = items_on(trainer.get("/console/inbox").text)[shown]
    assert trainer.post("/console/inbox/decide", {"key": key, "decision": "discard"}) \
        .status_code == 303
    assert shown not in items_on(trainer.get("/console/inbox").text)
    assert "discarded" in trainer.get("/console/inbox/annotated").text
    assert shown not in trainer.get("/console/inbox/export.yml").text  # discarded: not exported
    again = trainer.post("/console/inbox/decide", {"key": key, "decision": "annotate",
                                                   "intent": "greet"})
    assert "no longer in the inbox" in flash_of(trainer.get(again.headers["location"]).text)

    assert trainer.post("/console/inbox/put-back", {"key": key}).status_code == 303
    assert shown in items_on(trainer.get("/console/inbox").text)
    actions = [e.action for e in audit_entries(site.db) if e.actor == trainer.username]
    assert {"nlu_discard", "nlu_put_back"} <= set(actions)


def test_only_intents_of_the_domain_can_be_assigned(site, trainer):
    shown = f"{nonsense()} snorflewick"
    site.say(shown)
    key, _ = items_on(trainer.get("/console/inbox").text)[shown]
    refused = trainer.post("/console/inbox/decide", {"key": key, "decision": "annotate",
                                                     "intent": "nlu_fallback"})
    assert refused.status_code == 400 and "not an intent of the domain" in problem(refused.text)
    assert shown in items_on(refused.text)


@pytest.mark.parametrize("role", ["nurse", "doctor"])
def test_clinical_staff_are_refused(site, role):
    client = signed_in(site, role)
    try:
        assert 'href="/console/inbox"' not in client.get("/console/").text
        for path in ("/console/inbox", "/console/inbox/annotated", "/console/inbox/export.yml"):
            answer = client.get(path)
            assert answer.status_code == 403, path
            assert "for trainers and administrators" in problem(answer.text)
        for path in ("/console/inbox/decide", "/console/inbox/put-back"):
            assert client.post(path, {"key": "0" * 64, "decision": "discard"}).status_code == 403
    finally:
        client.close()


def test_administrators_have_the_inbox_too(site):
    admin = signed_in(site, "admin")
    try:
        page = admin.get("/console/inbox")
        assert page.status_code == 200 and 'href="/console/inbox"' in page.text
    finally:
        admin.close()


def test_a_decision_without_the_form_token_is_refused(site, trainer):
    shown = f"{nonsense()} quibblefrotz"
    site.say(shown)
    key, _ = items_on(trainer.get("/console/inbox").text)[shown]
    answer = trainer.post("/console/inbox/decide", {"key": key, "decision": "discard"}, token="")
    assert answer.status_code == 403
    assert shown in items_on(trainer.get("/console/inbox").text)
