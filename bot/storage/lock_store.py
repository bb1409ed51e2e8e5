"""Rasa's Redis lock store, configured by one URL (REDIS_URL), with atomic tickets.

Several Rasa servers share conversations only if each conversation's turns are handled one
at a time across all of them: the lock lives in Redis (Rasa's scale-out design). Configured
in endpoints.cluster.yml (`type: bot.storage.lock_store.RedisUrlLockStore`, `url: ...`).

Rasa 3.6's RedisLockStore changes a lock by reading it, changing it in Python and writing
it back. When two servers take a turn of one conversation at the same moment, both read
the lock without tickets, both issue ticket 0 and both go ahead: one turn's events are
lost (tests/conversation/test_two_servers.py caught it). Here every change of a lock is one
Redis transaction (WATCH/MULTI, retried when another server changed the lock meanwhile).
"""

from __future__ import annotations

import json
from typing import Any, Callable, TypeVar
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

Result = TypeVar("Result")


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

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime),
                                create=True)
        except Exception as error:  # as Rasa's: the turn fails with a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}")

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Finishing and deleting an idle lock in one step: done apart, the delete could
        # remove a ticket another server issued in between.
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number),
                     delete_when_idle=True)

    def _change(self, conversation_id: str, change: Callable[[TicketLock], Result],
                create: bool = False, delete_when_idle: bool = False) -> Result | None:
        key = self.key_prefix + conversation_id

        def transaction(pipe) -> Result | None:  # noqa: ANN001 - redis-py's Pipeline
            stored = pipe.get(key)
            if stored is None and not create:
                return None
            lock = (TicketLock.from_dict(json.loads(stored)) if stored
                    else TicketLock(conversation_id))
            result = change(lock)
            pipe.multi()
            if delete_when_idle and not lock.is_someone_waiting():
                pipe.delete(key)
            else:
                pipe.set(key, lock.dumps())
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)
