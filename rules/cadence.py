"""Keep-in-touch cadences: how often a partner should have a live contact.

A cadence has an ideal (a recommendation is raised when that many days pass
with no live contact) and a maximum (past it, the recommendation is
overdue). Whose cadence a partner has, first found first:

1. the partner's own (set on the partner page);
2. the team's cadence for the partner's tier and profession;
3. the team's cadence for the tier, any profession;
4. the tier's threshold: `keep_warm_days` for Maintain, `coffee_days` for
   Cultivate, so that a team that sets no cadence sees the rules as before.

The maximum, when not given, is twice the ideal. A Cease partner has none.

The rules cannot compare one fact with another (the durable_rules shortcut
depends on comparisons with constants), so the cadence comes to them as
facts already measured against the last live contact: `cadence_due_in`, the
days until the ideal is reached (0 or less: due), and `cadence_overdue_in`,
the days until the maximum is (0 or less: overdue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .facts import NEVER

# The tiers that keep a cadence, with the threshold it replaces.
CADENCE_TIERS = {"maintain": "keep_warm_days", "cultivate": "coffee_days"}
ANY_PROFESSION = "*"
MIN_DAYS, MAX_DAYS = 1, 730


@dataclass(frozen=True)
class Cadence:
    ideal: int
    maximum: int
    source: str  # "partner", "team" or "default": where it comes from

    @property
    def words(self) -> str:
        return f"every {self.ideal} days (at most {self.maximum})"


def default_maximum(ideal: int) -> int:
    return min(2 * ideal, MAX_DAYS)


def table_key(tier: str, profession: str = ANY_PROFESSION) -> str:
    """How a team's cadence table names a tier × profession cell: "maintain/lender"."""
    return f"{tier}/{profession}"


def valid_pair(value: object) -> tuple[int, int] | None:
    """(ideal, maximum) from a stored `[ideal, maximum]` (maximum may be null);
    None when it is not a sane cadence."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    ideal, maximum = value
    if maximum is None and isinstance(ideal, int):
        maximum = default_maximum(ideal)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (ideal, maximum)):
        return None
    if not (MIN_DAYS <= ideal <= maximum <= MAX_DAYS):
        return None
    return ideal, maximum


def resolve_table(stored: object) -> dict[str, tuple[int, int]]:
    """A team's cadence table from its stored settings, anything invalid left out."""
    table = {}
    for key, value in (stored or {}).items() if isinstance(stored, Mapping) else ():
        tier, _, profession = str(key).partition("/")
        pair = valid_pair(value)
        if tier in CADENCE_TIERS and profession and pair:
            table[table_key(tier, profession)] = pair
    return table


def set_cadence(
    tier: str,
    profession: str | None,
    table: Mapping[str, tuple[int, int]] | None = None,
    own: tuple[int | None, int | None] | None = None,
) -> Cadence | None:
    """The cadence set for the partner (its own, or the team's for its tier and
    profession, or for its tier); None when none is set, or for a tier that keeps none."""
    if tier not in CADENCE_TIERS:
        return None
    if own and own[0]:
        pair = valid_pair(list(own))
        if pair:
            return Cadence(*pair, source="partner")
    table = table or {}
    for key in (table_key(tier, profession or "other"), table_key(tier)):
        if key in table:
            return Cadence(*table[key], source="team")
    return None


def cadence_of(
    tier: str,
    profession: str | None,
    thresholds: Mapping[str, int],
    table: Mapping[str, tuple[int, int]] | None = None,
    own: tuple[int | None, int | None] | None = None,
) -> Cadence | None:
    """The partner's cadence in force (see the module's docstring): the one set,
    else the tier's threshold; None for a tier that keeps none."""
    if tier not in CADENCE_TIERS:
        return None
    found = set_cadence(tier, profession, table, own)
    if found is not None:
        return found
    ideal = thresholds[CADENCE_TIERS[tier]]
    return Cadence(ideal, default_maximum(ideal), source="default")


def cadence_facts(live_contact_ago: int, cadence: Cadence | None) -> dict[str, object]:
    """The facts the rules read about a cadence set for the partner, as of the day
    of `live_contact_ago`.

    With no cadence set, `cadence_set` is false and the rules compare the last
    live contact with the tier's threshold, as they always did: the facts stay
    the same whatever the thresholds (the Rules page's preview evaluates the
    same facts under other thresholds). With no live contact ever, a set
    cadence is as far in the past as can be: due and overdue.
    """
    if cadence is None:
        return {
            "cadence_set": False,
            "cadence_days": 0,
            "cadence_max_days": 0,
            "cadence_due_in": NEVER,
            "cadence_overdue_in": NEVER,
        }
    if live_contact_ago >= NEVER:
        due_in = overdue_in = -NEVER
    else:
        due_in = cadence.ideal - live_contact_ago
        overdue_in = cadence.maximum - live_contact_ago
    return {
        "cadence_set": True,
        "cadence_days": cadence.ideal,
        "cadence_max_days": cadence.maximum,
        "cadence_due_in": due_in,
        "cadence_overdue_in": overdue_in,
    }


UNSET = cadence_facts(0, None)


def completed(facts: Mapping[str, object]) -> Mapping[str, object]:
    """The facts, with "no cadence set" where they say nothing of a cadence (a
    record made before cadences, or by hand): the rules then read the tier's
    threshold, as they always did. Both engines see the same record."""
    return facts if "cadence_set" in facts else {**UNSET, **facts}


def cadence_due(threshold: str) -> tuple:
    """The catalogue condition "the partner's cadence is due": the one set, else
    no live contact for the tier's threshold."""
    from .catalogue import T

    return (
        "any",
        ("all", ("cadence_set", "==", False), ("live_contact_ago", ">=", T(threshold))),
        ("cadence_due_in", "<=", 0),
    )


def in_force(facts: Mapping[str, object], thresholds: Mapping[str, int]) -> Cadence | None:
    """The cadence in force for a fact record: the one set, else the tier's threshold."""
    if facts.get("cadence_set"):
        return Cadence(int(facts["cadence_days"]), int(facts["cadence_max_days"]), "set")
    threshold = CADENCE_TIERS.get(str(facts.get("tier")))
    if threshold is None:
        return None
    ideal = thresholds[threshold]
    return Cadence(ideal, default_maximum(ideal), "default")


def overdue(facts: Mapping[str, object], thresholds: Mapping[str, int]) -> bool:
    """Whether the partner is past the maximum of its cadence (twice the tier's
    threshold when none is set)."""
    if facts.get("cadence_set"):
        return int(facts.get("cadence_overdue_in", NEVER)) <= 0
    threshold = CADENCE_TIERS.get(str(facts.get("tier")))
    if threshold is None:
        return False
    return int(facts.get("live_contact_ago", 0)) >= default_maximum(thresholds[threshold])


def parse_every(text: str) -> int | None:
    """Days from what a person types for a cadence: "14", "14 days", "3 weeks",
    "every 3 weeks", "2 months" (30 days each). None when it is none of these."""
    words = text.strip().lower().removeprefix("every").split()
    if not words or len(words) > 2 or not words[0].isdigit() or len(words[0]) > 4:
        return None
    number = int(words[0])
    unit = words[1] if len(words) == 2 else "days"
    factor = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30}.get(unit)
    return number * factor if factor else None
