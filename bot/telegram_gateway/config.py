"""The gateway's settings, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.channels.client import RETRY_DELAYS
from bot.settings import emergency_number, local_secret


class ConfigurationError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_base: str
    webhook_url: str | None
    webhook_secret: str | None
    listen: str
    port: int
    retry_delays: tuple[float, ...]
    emergency_number: str

    @classmethod
    def from_env(cls) -> "TelegramSettings":
        token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token or ":" not in token:
            raise ConfigurationError(
                "TELEGRAM_BOT_TOKEN is missing or malformed: get one from @BotFather "
                "(it looks like 123456:ABC-DEF...).")
        webhook_url = os.environ.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
        if webhook_url and urlsplit(webhook_url).scheme not in {"https", "http"}:
            raise ConfigurationError(f"TELEGRAM_WEBHOOK_URL is not a URL: {webhook_url!r}")
        secret = None
        if webhook_url:
            # Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -.
            secret = local_secret("TELEGRAM_WEBHOOK_SECRET", "telegram-webhook-secret")
            if not secret.replace("_", "").replace("-", "").isalnum() or len(secret) > 256:
                raise ConfigurationError(
                    "TELEGRAM_WEBHOOK_SECRET may only use letters, digits, _ and - (1-256).")
        delays = os.environ.get("GATEWAY_RETRY_DELAYS")
        try:
            retry_delays = tuple(float(d) for d in delays.split(",")) if delays else RETRY_DELAYS
            port = int(os.environ.get("TELEGRAM_WEBHOOK_PORT", "8443"))
        except ValueError as error:
            raise ConfigurationError(f"GATEWAY_RETRY_DELAYS or TELEGRAM_WEBHOOK_PORT: {error}")
        return cls(
            token=token,
            api_base=os.environ.get("TELEGRAM_API_BASE", "https://api.telegram.org/bot"),
            webhook_url=webhook_url,
            webhook_secret=secret,
            listen=os.environ.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
            port=port,
            retry_delays=retry_delays,
            emergency_number=emergency_number(),
        )
