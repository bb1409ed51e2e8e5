"""The time every process reads: now, or ASSISTANT_FIXED_TIME (ISO 8601 with a zone),
which fixes it for tests and demonstrations (night hours, a check-in coming due)."""

from __future__ import annotations

import os
from datetime import datetime, timezone


def now() -> datetime:
    fixed = os.environ.get("ASSISTANT_FIXED_TIME")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)
