"""Shared fixtures. Conversation fixtures (trained model, action server) live in
tests/conversation/conftest.py so the fast unit tests never load Rasa."""
