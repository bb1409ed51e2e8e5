"""Follow-up check-ins: their storage (`store`) and the process that sends them
(`scheduler`, run as `python -m bot.checkins`)."""
