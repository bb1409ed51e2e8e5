"""The NLU inbox: people's messages the assistant was unsure about (read from Rasa's
tracker store), annotated by trainers in the staff console and exported as Rasa
training data for review in git.

    source.py         the unsure messages, read-only from Rasa's `events` table
    inbox.py          masked, deduplicated items grouped by predicted intent; annotations
    training_data.py  the domain's intents and the examples data/ already has
    export.py         annotations -> Rasa NLU YAML
    cli.py            `python -m bot.cli nlu export`
    models.py         the annotations table (until it moves to bot.storage.models)
"""
