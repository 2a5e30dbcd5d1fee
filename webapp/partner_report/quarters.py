"""Quarters of the calendar: January-March is Q1. Days are the team's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

KEY = re.compile(r"([0-9]{4})Q([1-4])")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter `day` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, key: str | None) -> Quarter | None:
        """'2026Q4' -> Quarter(2026, 4); None when it is not one."""
        match = KEY.fullmatch(key or "")
        if match is None or not 1900 <= int(match.group(1)) <= 2100:
            return None
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """Its last day."""
        return self.next().start - timedelta(days=1)

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        """'Q4 2026 (October to December)'."""
        return f"Q{self.number} {self.year} ({self.start:%B} to {self.end:%B})"
