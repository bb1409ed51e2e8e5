"""Turn a person's messages into protocol facts, independent of Rasa."""
