"""The NLU inbox without a running assistant: unsure messages read from a tracker store
of our making, masked and deduplicated, decisions in our tables (SQLite and PostgreSQL),
and an export that `rasa data validate` accepts."""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from bot.storage import Database
from bot.training_inbox import cli, export, inbox, source, training_data
from tests.fixtures.databases import postgres_schema

NOW = datetime.now(timezone.utc).timestamp()


def make_events_table(path, events):
    """Rasa's `events` table with user messages: (text, intent, confidence[, ranking, at])."""
    with sqlite3.connect(path) as connection:
        connection.execute("create table events (id integer primary key, sender_id text, "
                           "type_name text, timestamp real, intent_name text, "
                           "action_name text, data text)")
        for number, (said, intent, confidence, *rest) in enumerate(events):
            ranking = rest[0] if rest else [{"name": intent, "confidence": confidence}]
            at = rest[1] if len(rest) > 1 else NOW - 100 + number
            data = {"event": "user", "timestamp": at, "text": said, "parse_data": {
                "text": said, "intent": {"name": intent, "confidence": confidence},
                "intent_ranking": ranking}}
            connection.execute(
                "insert into events (sender_id, type_name, timestamp, intent_name, data) "
                "values (?, 'user', ?, ?, ?)", (f"rest:s{number}", at, intent, json.dumps(data)))
        connection.execute("insert into events (sender_id, type_name, timestamp, data) "
                           "values ('rest:s0', 'bot', ?, '{\"text\": \"hello\"}')", (NOW,))
    return f"sqlite:///{path}"


@pytest.fixture
def tracker(tmp_path):
    return make_events_table(tmp_path / "tracker.db", [
        ("hello", "greet", 0.99),  # sure: not in the inbox
        ("blorp zqxv", "nlu_fallback", 1.0, [{"name": "nlu_fallback", "confidence": 1.0}]),
        ("is the clinic open", "nlu_fallback", 0.5,
         [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "help", "confidence": 0.41}]),
        ("my kid feels warm", "inform", 0.55),
        ("My  kid FEELS warm ", "inform", 0.52),  # the same, after case and spaces
        ("what about my kid", "inform", 0.65),  # under 0.7 only
        ("call me on 13812345678", "request_human", 0.3),
        ("call me on 139 8765 4321", "request_human", 0.4),  # masked: the same message
        ("/inform{\"fever\": true}", "inform", 0.2),  # a button's payload
        ("old message", "greet", 0.1, [], NOW - 200 * 86400),  # before the inbox's 90 days
    ])


def test_unsure_messages_are_fallbacks_and_low_confidence(tracker, monkeypatch):
    found = source.unsure_messages(tracker, source.threshold())
    assert [m.text for m in found] == [
        "blorp zqxv", "is the clinic open", "my kid feels warm", "My  kid FEELS warm ",
        "call me on 13812345678", "call me on 139 8765 4321"]
    assert found[1].guess == "help" and found[0].guess is None and found[2].guess is None
    monkeypatch.setenv("NLU_INBOX_THRESHOLD", "0.7")
    assert "what about my kid" in [m.text for m in source.unsure_messages(
        tracker, source.threshold())]


@pytest.mark.parametrize("value", ["high", "0", "1.5", "-0.2"])
def test_a_bad_threshold_is_refused_with_a_clear_message(monkeypatch, value):
    monkeypatch.setenv("NLU_INBOX_THRESHOLD", value)
    with pytest.raises(ValueError, match="NLU_INBOX_THRESHOLD"):
        source.threshold()


def test_the_tracker_store_is_only_read(tmp_path):
    missing = tmp_path / "missing.db"
    assert source.unsure_messages(f"sqlite:///{missing}", 0.6) is None
    assert not missing.exists()
    url = make_events_table(tmp_path / "tracker.db", [("hmm", "greet", 0.2)])
    before = (tmp_path / "tracker.db").read_bytes()
    assert len(source.unsure_messages(url, 0.6)) == 1
    assert (tmp_path / "tracker.db").read_bytes() == before


def test_items_are_masked_deduplicated_and_grouped(tracker):
    items = inbox.items(source.unsure_messages(tracker, 0.6))
    by_text = {item.text: item for item in items}
    assert set(by_text) == {"blorp zqxv", "is the clinic open", "My kid FEELS warm",
                            "call me on [PHONE]"}
    assert by_text["My kid FEELS warm"].count == 2  # the last one written is shown
    assert by_text["call me on [PHONE]"].count == 2
    assert by_text["call me on [PHONE]"].last_seen > by_text["blorp zqxv"].last_seen
    groups = inbox.grouped(items)
    assert list(groups) == ["nlu_fallback", "inform", "request_human"]
    assert [item.count for item in items] == sorted((item.count for item in items), reverse=True)
    decided = {by_text["blorp zqxv"].key}
    assert "blorp zqxv" not in {item.text for item in inbox.items(
        source.unsure_messages(tracker, 0.6), decided)}


@pytest.fixture
def sqlite_db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'assistant.db'}")
    database.migrate()
    yield database
    database.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request):
    """Our tables, migrated, on either database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_db")
        return
    with postgres_schema() as url:
        database = Database(url)
        database.migrate()
        yield database
        database.engine.dispose()


def test_decisions_take_messages_out_of_the_inbox_until_put_back(db, tracker):
    items = {item.text: item for item in inbox.items(source.unsure_messages(tracker, 0.6))}
    inbox.annotate(db, items["is the clinic open"], "help", "tina")
    inbox.discard(db, items["blorp zqxv"], "tina")
    with pytest.raises(inbox.AlreadyDecided):
        inbox.annotate(db, items["blorp zqxv"], "greet", "tom")
    left = inbox.items(source.unsure_messages(tracker, 0.6), inbox.decided_keys(db))
    assert {item.text for item in left} == {"My kid FEELS warm", "call me on [PHONE]"}
    decisions = inbox.annotations(db)
    assert [(d.text, d.status, d.intent, d.predicted_intent, d.annotated_by) for d in decisions] \
        == [("blorp zqxv", "discarded", None, "nlu_fallback", "tina"),
            ("is the clinic open", "annotated", "help", "nlu_fallback", "tina")]
    assert [d.text for d in inbox.annotations(db, inbox.ANNOTATED)] == ["is the clinic open"]
    assert inbox.put_back(db, items["blorp zqxv"].key) is True
    assert inbox.put_back(db, items["blorp zqxv"].key) is False
    assert len(inbox.items(source.unsure_messages(tracker, 0.6), inbox.decided_keys(db))) == 3


def test_the_domain_intents_and_the_existing_examples_are_read():
    intents = training_data.domain_intents()
    assert {"greet", "inform", "out_of_scope", "request_human"} <= set(intents)
    assert "nlu_fallback" not in intents
    existing = training_data.existing_examples()
    assert existing["hello"] == "greet"
    assert existing["what's the weather like today?"] == "out_of_scope"


TRICKY = {  # text -> intent: YAML's special characters, Rasa's markup, other scripts
    "is the fever clinic open: at night?": "help",
    "'quoted' and \"double\" # not a comment": "out_of_scope",
    "- starts with a dash & has * and | and %": "out_of_scope",
    "I'm [NAME](35) and call [PHONE]{now}": "request_human",
    "température 39,5 — 发烧 🤒": "report_symptoms",
    "yes: true": "affirm",
    "Hello": "greet",  # already in data/ as "hello" (greet): left out
    "what's the weather like today?": "help",  # data/ says out_of_scope: left out
}


def test_the_export_is_training_data_rasa_accepts(sqlite_db, tmp_path, monkeypatch, capsys):
    db = sqlite_db
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    for text, intent in TRICKY.items():
        item = inbox.Item(inbox.key_of(text), text, "nlu_fallback", 0.5, None, 1, NOW)
        inbox.annotate(db, item, intent, "tina")
    inbox.discard(db, inbox.Item(inbox.key_of("zzz"), "zzz", "greet", 0.2, None, 1, NOW), "tina")

    output = data / "nlu" / "inbox.yml"
    monkeypatch.setenv("DATABASE_URL", db.url)
    assert _export(output, data) == 0
    said = capsys.readouterr().out
    assert "Wrote to" in said and "6 example(s)" in said
    assert '"what\'s the weather like today?": inbox says help, data/ says out_of_scope' in said

    written = yaml.safe_load(output.read_text(encoding="utf-8"))
    assert written["version"] == "3.1"
    examples = {block["intent"]: block["examples"] for block in written["nlu"]}
    assert set(examples) == {"help", "out_of_scope", "request_human", "report_symptoms", "affirm"}
    assert "- I'm [NAME] (35) and call [PHONE] {now}\n" == examples["request_human"]
    assert "- 'quoted' and \"double\" # not a comment\n" in examples["out_of_scope"]
    assert "zzz" not in output.read_text() and "Hello" not in output.read_text()

    validated = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "rasa"), "data", "validate", "--fail-on-warnings",
         "--config", str(PROJECT_ROOT / "config.yml"), "--domain", str(PROJECT_ROOT / "domain"),
         "--data", str(data)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]

    modified = output.stat().st_mtime_ns
    assert _export(output, data) == 0  # nothing new: the file (and the model) stay as they are
    assert "not written again" in capsys.readouterr().out
    assert output.stat().st_mtime_ns == modified
    assert [e.action for e in _audit(db)].count("nlu_export") == 1


def test_the_export_to_standard_output(sqlite_db, monkeypatch, capsys):
    db = sqlite_db
    inbox.annotate(db, inbox.Item(inbox.key_of("is it open"), "is it open", "greet", 0.4,
                                  None, 1, NOW), "help", "tina")
    monkeypatch.setenv("DATABASE_URL", db.url)
    assert _export("-", PROJECT_ROOT / "data") == 0
    out, err = capsys.readouterr()
    assert out.startswith("# From the NLU inbox")
    assert yaml.safe_load(out)["nlu"] == [{"intent": "help", "examples": "- is it open\n"}]
    assert "1 example(s)" in err


def test_an_unusable_database_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert _export(tmp_path / "inbox.yml", PROJECT_ROOT / "data") == 1
    assert capsys.readouterr().err.startswith("Cannot export:")


def test_nothing_annotated_exports_an_empty_valid_file():
    result = export.to_yaml([], {})
    assert result.examples == 0 and yaml.safe_load(result.yaml) == {"version": "3.1", "nlu": []}


def _export(output, data) -> int:
    parser = argparse.ArgumentParser()
    cli.add_nlu_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["nlu", "export", "--output", str(output), "--data", str(data)])
    return args.handler(args)


def _audit(db):
    from bot.handoff.escalations import audit_entries

    return audit_entries(db)
