"""Deployment settings, read from the environment (never from committed files)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    emergency_number: str
    strict_mode: bool
    protocol_path: Path | None

    @classmethod
    def from_env(cls) -> "Settings":
        default_db = PROJECT_ROOT / "var" / "assistant.db"
        protocol = os.environ.get("TRIAGE_PROTOCOL")
        return cls(
            database_url=os.environ.get("DATABASE_URL", f"sqlite:///{default_db}"),
            emergency_number=os.environ.get("EMERGENCY_NUMBER", "120"),
            strict_mode=os.environ.get("TRIAGE_STRICT_MODE", "").lower() in {"1", "true", "yes"},
            protocol_path=Path(protocol) if protocol else None,
        )
