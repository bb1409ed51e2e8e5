"""Deployment settings, read from the environment (never from committed files)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR = PROJECT_ROOT / "var"


def local_secret(variable: str, file_name: str) -> str:
    """The secret in `variable`, or one generated once and kept (owner-only) in var/.

    Lets `make run` work with no configuration while a deployment sets its own.
    """
    value = os.environ.get(variable)
    if value:
        return value
    path = VAR / file_name
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def emergency_number() -> str:
    """The number people are told to call: the hospital directory's (hospital.yml, 120 by
    default), unless EMERGENCY_NUMBER overrides it; the same in every process and channel."""
    if os.environ.get("EMERGENCY_NUMBER"):
        return os.environ["EMERGENCY_NUMBER"]
    from bot.directory import current_directory  # late: the directory reads PROJECT_ROOT

    return current_directory().emergency_number


def api_token() -> str:
    """The Rasa HTTP API token (`?token=...`)."""
    return local_secret("RASA_API_TOKEN", "rasa-api-token")


def channel_token() -> str:
    """Shared by our gateways (Telegram, web app) and the Rasa channels they post to."""
    return local_secret("CHANNEL_TOKEN", "channel-token")


def rasa_url() -> str:
    """Where gateways reach the Rasa server."""
    return os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")


@dataclass(frozen=True)
class Settings:
    database_url: str
    emergency_number: str
    strict_mode: bool
    protocol_path: Path | None
    handoff_reply_minutes: int = 30  # what people are told about waiting for staff
    checkin_hours: float = 24  # when a follow-up check-in comes after the offer is taken
    quarantine_days: int = 14  # daily check-ins after an exposure, counted from the result
    retention_days: int = 90  # what the privacy notice promises (`make retention` deletes)
    privacy_url: str = "http://127.0.0.1:8000/privacy"

    @classmethod
    def from_env(cls) -> "Settings":
        default_db = PROJECT_ROOT / "var" / "assistant.db"
        protocol = os.environ.get("TRIAGE_PROTOCOL")
        return cls(
            database_url=os.environ.get("DATABASE_URL", f"sqlite:///{default_db}"),
            emergency_number=emergency_number(),
            strict_mode=os.environ.get("TRIAGE_STRICT_MODE", "").lower() in {"1", "true", "yes"},
            protocol_path=Path(protocol) if protocol else None,
            handoff_reply_minutes=_minutes(os.environ.get("HANDOFF_REPLY_MINUTES", "30")),
            checkin_hours=_positive("CHECKIN_HOURS", float, "24"),
            quarantine_days=_positive("QUARANTINE_DAYS", int, "14"),
            retention_days=_positive("RETENTION_DAYS", int, "90"),
            privacy_url=os.environ.get("PRIVACY_NOTICE_URL") or f"{public_web_url()}/privacy",
        )


def public_web_url() -> str:
    """Where people reach the web app (links in messages): PUBLIC_URL, else the local one."""
    if os.environ.get("PUBLIC_URL"):
        return os.environ["PUBLIC_URL"].rstrip("/")
    return f"http://{os.environ.get('WEB_HOST', '127.0.0.1')}:{os.environ.get('WEB_PORT', '8000')}"


def _positive(variable: str, kind: type, default: str):
    value = os.environ.get(variable) or default
    try:
        number = kind(value)
    except ValueError:
        raise ValueError(f"{variable} must be a {'whole ' if kind is int else ''}number, "
                         f"not {value!r}")
    if number <= 0:
        raise ValueError(f"{variable} must be more than 0")
    return number


def _minutes(value: str) -> int:
    try:
        minutes = int(value)
    except ValueError:
        raise ValueError(f"HANDOFF_REPLY_MINUTES must be a whole number of minutes, not {value!r}")
    if minutes <= 0:
        raise ValueError("HANDOFF_REPLY_MINUTES must be more than 0")
    return minutes
