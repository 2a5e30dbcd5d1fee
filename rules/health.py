"""Relationship health: a 0–100 score per partner that says how it was reached.

Four parts, each worth its weight (team settings, adding up to 100):

- **recency** — the last live contact against the partner's cadence: full
  marks up to the ideal, none at the maximum, in proportion between; none
  without any live contact.
- **frequency** — live contacts in the last 90 days against what the cadence
  asks for in 90 days (90 ÷ ideal, at least one): full marks at that count.
- **referrals** — referrals received in the last 180 days: full marks at
  `REFERRALS_FOR_FULL_MARKS`.
- **reciprocity** — referrals sent and received over the last 365 days: full
  marks when they balance, less as one side outweighs the other
  (min ÷ max); none when nothing was exchanged.

Each part is rounded to a whole number of points (halves up); the score is their sum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .cadence import Cadence
from .facts import NEVER, RECENT_REFERRALS

FREQUENCY_DAYS = 90
REFERRALS_DAYS = 180
RECIPROCITY_DAYS = 365
REFERRALS_FOR_FULL_MARKS = 2


@dataclass(frozen=True)
class Weight:
    name: str
    label: str
    default: int


WEIGHTS: dict[str, Weight] = {
    w.name: w
    for w in (
        Weight("recency", "Recency of live contact, against the cadence", 40),
        Weight("frequency", f"Live contacts in the last {FREQUENCY_DAYS} days", 20),
        Weight("referrals", f"Referrals received in the last {REFERRALS_DAYS} days", 25),
        Weight("reciprocity", "Reciprocity: referrals sent against received", 15),
    )
}
DEFAULT_WEIGHTS: dict[str, int] = {name: w.default for name, w in WEIGHTS.items()}


def resolve_weights(stored: object) -> dict[str, int]:
    """The team's weights: the stored ones when they are whole numbers from 0 to
    100 adding up to 100, else the defaults."""
    if not isinstance(stored, Mapping):
        return dict(DEFAULT_WEIGHTS)
    weights = {name: stored.get(name) for name in WEIGHTS}
    numbers = all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100 for v in weights.values()
    )
    if not numbers or sum(weights.values()) != 100:
        return dict(DEFAULT_WEIGHTS)
    return weights


@dataclass(frozen=True)
class Part:
    name: str
    points: int
    weight: int
    why: str

    @property
    def words(self) -> str:
        """'recency 30/40: last live contact 12 days ago, cadence 21'."""
        return f"{self.name} {self.points}/{self.weight}: {self.why}"


@dataclass(frozen=True)
class Health:
    score: int
    parts: tuple[Part, ...]

    def as_json(self) -> list[list[object]]:
        return [[p.name, p.points, p.weight, p.why] for p in self.parts]


def count_within(facts: Mapping[str, object], direction: str, days: int) -> int:
    """Referrals of a direction in the last `days` days (at most RECENT_REFERRALS)."""
    return sum(
        1
        for k in range(1, RECENT_REFERRALS + 1)
        if 0 <= int(facts.get(f"{direction}_{k}_ago", NEVER)) < days
    )


def points(weight: int, fraction: float) -> int:
    """The weight times the fraction (kept within 0 and 1), halves rounded up."""
    return math.floor(weight * max(0.0, min(1.0, fraction)) + 0.5)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def health(
    facts: Mapping[str, object],
    cadence: Cadence | None,
    live_contacts_90: int,
    weights: Mapping[str, int] | None = None,
) -> Health:
    """The partner's health from its facts, its cadence in force (rules/cadence.py)
    and its count of live contacts in the last 90 days."""
    weights = resolve_weights(weights)
    ideal, maximum = (cadence.ideal, cadence.maximum) if cadence else (30, 60)
    live_ago = int(facts.get("live_contact_ago", NEVER))
    if live_ago >= NEVER:
        recency, when = 0.0, "no live contact yet"
    else:
        recency = 1.0 if live_ago <= ideal else (maximum - live_ago) / (maximum - ideal or 1)
        when = (
            "last live contact today"
            if live_ago == 0
            else f"last live contact {plural(live_ago, 'day')} ago"
        )
    wanted = max(1, math.ceil(FREQUENCY_DAYS / ideal))
    received = count_within(facts, "received", REFERRALS_DAYS)
    got = count_within(facts, "received", RECIPROCITY_DAYS)
    gave = count_within(facts, "sent", RECIPROCITY_DAYS)
    balance = min(got, gave) / max(got, gave) if max(got, gave) else 0.0
    parts = (
        Part(
            "recency",
            points(weights["recency"], recency),
            weights["recency"],
            f"{when}, cadence {ideal} (at most {maximum})",
        ),
        Part(
            "frequency",
            points(weights["frequency"], live_contacts_90 / wanted),
            weights["frequency"],
            f"{plural(live_contacts_90, 'live contact')} in {FREQUENCY_DAYS} days, {wanted} wanted",
        ),
        Part(
            "referrals",
            points(weights["referrals"], received / REFERRALS_FOR_FULL_MARKS),
            weights["referrals"],
            f"{plural(received, 'referral')} received in {REFERRALS_DAYS} days",
        ),
        Part(
            "reciprocity",
            points(weights["reciprocity"], balance),
            weights["reciprocity"],
            f"{gave} sent, {got} received in {RECIPROCITY_DAYS} days",
        ),
    )
    return Health(sum(p.points for p in parts), parts)
