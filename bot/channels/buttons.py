"""The buttons the bot last offered in a conversation, read from the tracker store.

Kept in the tracker, not in memory, so a numbered reply ("2") or a button press still
means the right thing after a restart or on another Rasa server.
"""

from __future__ import annotations

from typing import Any

from bot.channels.render import Button


async def offered_buttons(agent: Any, conversation: str) -> list[Button]:
    """Buttons of the bot's messages since the person last wrote ([] if none)."""
    if agent is None or agent.tracker_store is None:
        return []
    tracker = await agent.tracker_store.retrieve(conversation)
    if tracker is None:
        return []
    buttons: list[Button] = []
    for event in reversed(tracker.events):
        if event.type_name == "user":
            break
        if event.type_name == "bot":
            found = (event.data or {}).get("buttons") or []
            buttons[:0] = [Button(str(b.get("title", "")), str(b.get("payload", "")))
                           for b in found if b.get("payload")]
    return buttons
