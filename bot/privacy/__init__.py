"""Personal data: erasure at the person's request (bot.privacy.erasure), retention of old
data (bot.privacy.retention), Rasa's `events` rows (bot.privacy.tracker_events), the
privacy notice page (bot.privacy.notice) and `bot.cli privacy` (bot.privacy.cli).

Nothing is imported here: `bot.cli` loads the command without the database layer."""
