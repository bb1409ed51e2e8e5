"""Turn the bot's messages (as Rasa's collecting channel gives them) into what a person sees.

The `ask` and `triage` custom payloads are for machines (rich clients, the console):
no channel ever shows them raw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)


def visible_replies(messages: Iterable[dict[str, Any]]) -> list[Reply]:
    """Text and buttons of each message; a message with buttons but no text joins the one before."""
    replies: list[Reply] = []
    for message in messages:
        text = (message.get("text") or "").strip()
        buttons = [Button(str(b.get("title", "")), str(b.get("payload", "")))
                   for b in message.get("buttons") or [] if b.get("payload")]
        if not text and not buttons:
            continue  # custom payloads, images we do not send yet, empty messages
        if not text and replies:
            replies[-1].buttons.extend(buttons)
        else:
            replies.append(Reply(text, buttons))
    return replies


def triage_result(messages: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The `triage` payload among `messages`, if the bot gave a result."""
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("triage"), dict):
            return custom["triage"]
    return None


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut between paragraphs, lines or
    words where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 2:
                break
        else:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def numbered(reply: Reply, hint: str) -> str:
    """A reply's text with its buttons as numbered choices, for channels without buttons."""
    if not reply.buttons:
        return reply.text
    options = "\n".join(f"{number}. {button.title}"
                        for number, button in enumerate(reply.buttons, start=1))
    return f"{reply.text}\n\n{options}\n{hint}"


def chosen_button(text: str, buttons: list[Button]) -> Button | None:
    """The button a typed reply picks: its number ("2", "2.") or its exact title."""
    answer = text.strip().rstrip(".)").strip()
    if answer.isdigit() and 1 <= int(answer) <= len(buttons):
        return buttons[int(answer) - 1]
    for button in buttons:
        if answer.casefold() == button.title.casefold():
            return button
    return None
