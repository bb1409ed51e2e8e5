"""A trained model answering real messages, with the real action server.

Trained once per test run (Rasa skips training when config, domain and data are
unchanged) and loaded once per session; the action server runs as a subprocess on a
free port, so tests never need 5005/5055 and never touch var/.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from bot.processes import running_action_server



@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'assistant.db'}"


@pytest.fixture(scope="session")
def action_server(database_url):
    with running_action_server(database_url) as url:
        yield url


@pytest.fixture(scope="session")
def event_loop_for_agent():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def agent(model_path, action_server, event_loop_for_agent):
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_server import install_fixes

    install_fixes()  # as in the Rasa server that `make run` starts

    async def load():
        return Agent.load(model_path, action_endpoint=EndpointConfig(url=action_server))

    return event_loop_for_agent.run_until_complete(load())


class Chat:
    """One person's conversation with the assistant."""

    counter = 0

    def __init__(self, agent, loop) -> None:
        Chat.counter += 1
        self.agent, self.loop = agent, loop
        self.sender = f"test-{os.getpid()}-{Chat.counter}"
        self.replies: list[dict] = []
        self.history: list[dict] = []

    def say(self, text: str) -> list[dict]:
        self.replies = self.loop.run_until_complete(
            self.agent.handle_text(text, sender_id=self.sender)) or []
        self.history += self.replies
        return self.replies

    def press(self, title: str) -> list[dict]:
        """Press a button of the last replies by its title."""
        for reply in self.replies:
            for button in reply.get("buttons") or []:
                if button["title"].lower() == title.lower():
                    return self.say(button["payload"])
        raise AssertionError(f"no button {title!r} in {self.text}")

    @property
    def text(self) -> str:
        return "\n".join(r["text"] for r in self.replies if r.get("text"))

    def custom(self, key: str) -> dict | None:
        for reply in self.replies:
            if key in (reply.get("custom") or {}):
                return reply["custom"][key]
        return None

    @property
    def asked(self) -> list[str] | None:
        """The facts the bot's last question asks about (from its `ask` payload)."""
        return self.custom("ask")

    @property
    def triage(self) -> dict | None:
        return self.custom("triage")


@pytest.fixture(scope="session")
def database(database_url):
    """The action server's database (the same file), migrated."""
    from bot.storage import Database

    db = Database(database_url)
    db.migrate()
    return db


@pytest.fixture
def chat(agent, event_loop_for_agent, database) -> Chat:
    """A person who agreed to the privacy notice in an earlier conversation (recorded in
    the database as the consent step records it), so tests start at the health questions."""
    from datetime import datetime, timezone

    from bot.privacy.consent import record_decision

    person = Chat(agent, event_loop_for_agent)
    record_decision(database, conversation_id=person.sender, channel="rest",
                    given=True, now=datetime.now(timezone.utc))
    return person


@pytest.fixture
def new_person(agent, event_loop_for_agent) -> Chat:
    """Someone writing for the first time: no answer to the privacy notice yet."""
    return Chat(agent, event_loop_for_agent)
