"""Shared fixtures. Conversation fixtures (action server, agent) live in
tests/conversation/conftest.py, the running assistant and the platforms' stand-ins in
tests/fixtures/assistant.py; the fast unit tests use none of them and never load Rasa."""

import pytest

# The running assistant and the platforms' stand-ins, shared by channel and console tests.
pytest_plugins = ["tests.fixtures.assistant"]


@pytest.fixture(scope="session")
def model_path() -> str:
    """Trained once per test run (skipped when config, domain and data are unchanged)."""
    from bot.training import train

    return str(train())
