"""Where the public chats with the assistant: Telegram, WeChat Official Account, web chat.

Every channel's conversation ids are namespaced (`telegram:<chat id>`, `wechat:<openid>`,
`webchat:<id>`, `rest:<sender>`) so ids from two channels can never name one conversation.
"""

MAX_TEXT = 4096  # the longest message any channel takes (Telegram's own limit)


def conversation_id(channel: str, sender: str) -> str:
    return f"{channel}:{sender}"


def channel_sender(channel: str, conversation: str) -> str | None:
    """The channel's own id inside `conversation`, or None if it belongs to another channel."""
    prefix = f"{channel}:"
    return conversation[len(prefix):] if conversation.startswith(prefix) else None
