"""The triage protocol engine: protocol as data, evaluated without Rasa."""

from bot.triage.engine import Assessment, Question, TriageEngine, load_engine

__all__ = ["Assessment", "Question", "TriageEngine", "load_engine"]
