"""Rasa's own command line with our fixes to Rasa 3.6 applied first.

    python -m bot.rasa_server run --model models ...   (instead of `rasa run ...`)

Rasa Open Source is in maintenance mode, so fixes cannot go upstream; each speed fix here
changes how fast Rasa does something, never what it does, and says what it bought
(measured with `make bench`, see README "Performance"). One addition changes what Rasa
knows: the language of the message that opens a session (see its docstring).
"""

from __future__ import annotations

import sys

_installed = False


def install_fixes() -> None:
    """Apply every fix once (the Rasa server, and tests that load an Agent in process)."""
    global _installed
    if not _installed:
        _validate_action_results_with_one_validator()
        _read_button_payloads_without_the_models()
        _tell_session_start_the_written_language()
        _installed = True


def _validate_action_results_with_one_validator() -> None:
    """Every answer of the action server is checked against Rasa's events schema with
    `jsonschema.validate`, which first checks the schema itself against the JSON Schema
    meta-schema, again on every call. That was half of the Rasa server's CPU time under
    load. The same check with a validator built once (the schema is Rasa's constant)."""
    from jsonschema import Draft7Validator, ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validator = Draft7Validator(RemoteAction.action_response_format_spec())

    def _validate_action_result(self, result):  # noqa: ANN001 - Rasa's signature
        try:
            validator.validate(result)
            return True
        except ValidationError as error:  # Rasa's own message, as before
            error.message += (
                f". Failed to validate Action server response from API, make sure your "
                f"response from the Action endpoint is valid. For more information about "
                f"the format visit {DOCS_BASE_URL}/custom-actions")
            raise error

    RemoteAction._validate_action_result = _validate_action_result


def _read_button_payloads_without_the_models() -> None:
    """A button press arrives as its payload (`/affirm`, `/inform{"age": 34}`). Rasa runs
    the whole NLU pipeline on it (DIET, both ResponseSelectors, our guards and fact rules)
    and then its last step, the RegexMessageHandler, throws all of that away and replaces
    it with what the payload says. Rasa's own unpacking, done first, gives the identical
    parse without the models: a third of the server's time on a button turn. Anything that
    is not a payload of a known intent (typed text, "/" plus an unknown word) still goes
    through the whole pipeline."""
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import (
        YAMLStoryReader)
    from rasa.shared.nlu.constants import (ENTITIES, INTENT, INTENT_NAME_KEY,
                                           PREDICTED_CONFIDENCE_KEY, TEXT)
    from rasa.shared.nlu.training_data.message import Message

    parse_with_graph = MessageProcessor._parse_message_with_graph

    def _parse_message_with_graph(self, message, tracker, only_output_properties=True):
        text = (message.text or "").strip()
        if text.startswith("/"):
            unpacked = YAMLStoryReader.unpack_regex_message(
                Message({TEXT: text}), self.domain, entity_extractor_name="RegexMessageHandler")
            if unpacked.get(INTENT):
                parse_data = {TEXT: "",
                              INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
                              ENTITIES: []}
                parse_data.update(unpacked.as_dict(only_output_properties=only_output_properties))
                return parse_data
        return parse_with_graph(self, message, tracker, only_output_properties)

    MessageProcessor._parse_message_with_graph = _parse_message_with_graph


def _tell_session_start_the_written_language() -> None:
    """Rasa opens a session (our action_session_start, which sends the privacy notice)
    before it reads the message that opened it, so the notice could not be in the
    language of that message. The message's written language is added to its metadata,
    which Rasa hands to the session start (slot `session_started_metadata`)."""
    from rasa.core.processor import MessageProcessor

    from bot.nlu.language import WRITTEN_LANGUAGE, message_language

    log_message = MessageProcessor.log_message

    async def log_message_with_language(self, message, should_save_tracker=True):
        language = message_language(message.text or "")
        if language:
            message.metadata = {**(message.metadata or {}), WRITTEN_LANGUAGE: language}
        return await log_message(self, message, should_save_tracker)

    MessageProcessor.log_message = log_message_with_language


def main() -> int:
    install_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
