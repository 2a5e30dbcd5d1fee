"""What time it is for a team: its local wall clock (or a frozen one)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def now(timezone: str = "America/New_York") -> datetime:
    """Naive local time in `timezone`; PARTNERPLAN_NOW freezes it (demos, tests)."""
    frozen = current_app.config.get("PARTNERPLAN_NOW")
    if frozen:
        value = datetime.fromisoformat(frozen)
        return value if len(frozen) > 10 else value.replace(hour=9)
    return datetime.now(ZoneInfo(timezone)).replace(tzinfo=None, microsecond=0)


def today(timezone: str = "America/New_York") -> date:
    return now(timezone).date()
