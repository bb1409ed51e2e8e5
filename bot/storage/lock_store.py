"""Rasa's Redis lock store, configured by one URL (REDIS_URL) instead of five keys.

Several Rasa servers share conversations only if each conversation's turns are handled one
at a time across all of them: the lock lives in Redis (Rasa's scale-out design). Configured
in endpoints.cluster.yml (`type: bot.storage.lock_store.RedisUrlLockStore`, `url: ...`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig


def redis_settings(url: str) -> dict[str, Any]:
    """`redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS) as the keyword
    arguments of RedisLockStore."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ValueError(f"REDIS_URL must look like redis://host:6379/0, not {url!r}")
    database = parts.path.strip("/") or "0"
    if not database.isdigit():
        raise ValueError(f"REDIS_URL's database must be a number (redis://host:6379/0), "
                         f"not {database!r}")
    return {"host": parts.hostname, "port": parts.port or 6379, "db": int(database),
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_ssl": parts.scheme == "rediss"}


class RedisUrlLockStore(RedisLockStore):
    # Rasa builds a custom lock store from the whole endpoint config (`url` plus other keys
    # such as `key_prefix` or `socket_timeout`).
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(**{**redis_settings(endpoint_config.url or ""),
                            **endpoint_config.kwargs})
