"""Rasa custom actions: thin adapters from rasa-sdk to the `bot` package."""

from bot.directory import current_directory

# The action server refuses to start on a bad hospital directory, naming the field
# (`make run` checks it first; this covers servers started on their own).
current_directory()
