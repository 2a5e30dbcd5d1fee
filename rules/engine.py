"""Facts in, recommendations out: which rules fire, then precedence, then words.

The engine (durable_rules or the reference interpreter) decides which rules
hold; everything it says about them (the reason, the due day, the
fingerprint of the triggering facts) is rendered here from the same facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from . import cadence, interpreter
from .catalogue import CADENCE_RULES, RULES_BY_ID, Due, Rule, T
from .facts import NEVER, RECENT_REFERRALS
from .settings import resolve
from .vocabulary import AGREEMENT_KINDS

ENGINES = ("durable", "python")


@dataclass(frozen=True)
class Recommendation:
    rule: str
    kind: str
    tier_to: str | None
    due: date | None
    reason: str
    fingerprint: str
    action: str | None
    # Past the partner's keep-in-touch maximum (a cadence rule only). Not in the
    # JSON, whose shape BOOK_FORMAT.md fixes: Today and the partner page show it.
    overdue: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "tier_to": self.tier_to,
            "due": self.due.isoformat() if self.due else None,
            "reason": self.reason,
        }


def fired(facts: Mapping[str, object], settings: Mapping[str, int], engine: str = "python"):
    """Rule ids that hold for these facts, after precedence, in priority order."""
    if engine == "durable":
        from . import durable_engine

        ids = durable_engine.fired(facts, settings)
    elif engine == "python":
        ids = interpreter.fired(facts, settings)
    else:
        raise ValueError(f"unknown rules engine {engine!r}; use one of {ENGINES}")
    return precedence(ids)


def precedence(ids: list[str]) -> list[str]:
    """When `disengage` holds, nothing else is recommended for the partner: no
    action, and no competing tier move (Cease and Cultivate at once)."""
    overriding = [rule_id for rule_id in ids if RULES_BY_ID[rule_id].overrides_others]
    return overriding or ids


def recommend(
    facts: Mapping[str, object],
    as_of: date,
    settings: Mapping[str, object] | None = None,
    engine: str = "python",
) -> list[Recommendation]:
    """The recommendations for one partner's facts as of a day."""
    return _recommend(facts, as_of, resolve(settings), engine)


def recommend_each(
    records: Mapping[int, Mapping[str, object]],
    as_of: date,
    settings: Mapping[str, object] | None = None,
    engine: str = "python",
) -> dict[int, list[Recommendation]]:
    """`recommend` for many partners' facts (by id), the settings resolved once."""
    settings = resolve(settings)
    return {key: _recommend(facts, as_of, settings, engine) for key, facts in records.items()}


def _recommend(facts, as_of: date, settings: Mapping[str, int], engine: str):
    ids = fired(facts, settings, engine)
    words = wording(facts, as_of, settings) if ids else None
    return [render(RULES_BY_ID[rule_id], facts, as_of, settings, words) for rule_id in ids]


def render(
    rule: Rule,
    facts: Mapping[str, object],
    as_of: date,
    settings: Mapping[str, int],
    words: Mapping[str, object] | None = None,
) -> Recommendation:
    words = words if words is not None else wording(facts, as_of, settings)
    parts = [
        template.format_map(words)
        for guard, template in rule.reason
        if guard is None or interpreter.holds(guard, facts, settings)
    ]
    reason = "; ".join(parts)
    return Recommendation(
        rule=rule.id,
        kind=rule.kind,
        tier_to=rule.tier_to,
        due=due_day(rule.due, facts, as_of, settings),
        reason=reason[:1].upper() + reason[1:] + ".",
        fingerprint=fingerprint(rule, facts, as_of),
        action=rule.action,
        overdue=rule.id in CADENCE_RULES and cadence.overdue(facts, settings),
    )


def due_day(due: Due | None, facts, as_of: date, settings) -> date | None:
    if due is None:
        return None
    if due.ahead:
        soonest = min(int(facts.get(name, NEVER)) for name in due.ahead)
        return day_of(-soonest, as_of) or as_of
    if due.ago:
        day = day_of(facts.get(due.ago), as_of)
        plus = settings[due.plus.name] if isinstance(due.plus, T) else due.plus
        return day + timedelta(days=plus) if day else as_of
    return as_of


def day_of(days_ago: object, as_of: date) -> date | None:
    """The day a `*_ago` fact names; None for never."""
    if not isinstance(days_ago, int) or isinstance(days_ago, bool) or abs(days_ago) >= NEVER:
        return None
    return as_of - timedelta(days=days_ago)


def fingerprint(rule: Rule, facts: Mapping[str, object], as_of: date) -> str:
    """The triggering facts in absolute terms, so they do not change as days pass."""
    parts = []
    for name in rule.fingerprint:
        value = facts.get(name)
        if name.endswith("_ago"):
            day = day_of(value, as_of)
            value = day.isoformat() if day else "never"
        elif name.endswith("_in"):
            day = day_of(-value, as_of) if isinstance(value, int) else None
            value = day.isoformat() if day else "never"
        parts.append(f"{name.removesuffix('_ago').removesuffix('_in')}={value}")
    return f"{rule.id}:" + ";".join(parts)


def say_day(day: date | None, as_of: date) -> str:
    """'13 Nov (9 days ago)', 'today', 'yesterday', '2 Jan 2027 (in 5 days)'."""
    if day is None:
        return "never"
    text = f"{day.day} {day:%b}" if day.year == as_of.year else f"{day.day} {day:%b %Y}"
    days = (as_of - day).days
    if days == 0:
        return f"today ({text})"
    if days == 1:
        return f"yesterday ({text})"
    if days > 1:
        return f"{text} ({days} days ago)"
    return f"{text} (in {-days} days)" if days < -1 else f"tomorrow ({text})"


def long_day(day: date | None, as_of: date) -> str:
    """'12 January (in 9 days)', '3 January 2028 (in 40 days)', 'today (4 December)'."""
    if day is None:
        return "never"
    text = f"{day.day} {day:%B}" if day.year == as_of.year else f"{day.day} {day:%B %Y}"
    days = (day - as_of).days
    if days == 0:
        return f"{text} (today)"
    if days == 1:
        return f"{text} (tomorrow)"
    return f"{text} (in {days} days)" if days > 1 else f"{text} ({-days} days ago)"


def short_day(day: date, as_of: date) -> str:
    return f"{day.day} {day:%b}" if day.year == as_of.year else f"{day.day} {day:%b %Y}"


class Words(dict):
    """Everything a reason template may name, worked out only when named."""

    def __init__(self, facts: Mapping[str, object], as_of: date, settings: Mapping[str, int]):
        super().__init__(settings)
        self.update(facts)
        self.facts, self.as_of, self.settings = facts, as_of, settings

    def __missing__(self, key: str) -> object:
        facts, as_of = self.facts, self.as_of
        if key.endswith("_on") and key.removesuffix("_on") + "_ago" in facts:
            value = say_day(day_of(facts[key.removesuffix("_on") + "_ago"], as_of), as_of)
        elif key.endswith("_next") and key.removesuffix("_next") + "_in" in facts:
            ahead = facts[key.removesuffix("_next") + "_in"]
            value = say_day(day_of(-ahead, as_of) if isinstance(ahead, int) else None, as_of)
        elif key.startswith(("received_in_window", "sent_in_window")):
            direction = key.split("_", 1)[0]
            window = self.settings[
                "promote_days" if direction == "received" else "disengage_one_sided_days"
            ]
            days = [
                day_of(facts.get(f"{direction}_{k}_ago"), as_of)
                for k in range(1, RECENT_REFERRALS + 1)
                if isinstance(facts.get(f"{direction}_{k}_ago"), int)
                and 0 <= facts[f"{direction}_{k}_ago"] < window
            ]
            if key.endswith("_on"):
                value = ", ".join(short_day(day, as_of) for day in reversed(days))
            else:
                value = f"{len(days)}{'+' if len(days) == RECENT_REFERRALS else ''}"
        elif key == "partner_name":  # a record made before names were in the facts
            value = "the partner"
        elif key == "agreement_ends_when":
            value = long_day(day_of(-int(facts.get("agreement_ends_in", NEVER)), as_of), as_of)
        elif key == "agreement_ending_what":
            kind = str(facts.get("agreement_ending_kind") or "")
            value = AGREEMENT_KINDS.get(kind, "An agreement")
        elif key == "unreturned_first_what":
            kind = facts.get("unreturned_first_kind")
            value = "voicemail" if kind == "voicemail" else "missed call"
        else:
            raise KeyError(key)
        self[key] = value
        return value


def wording(facts: Mapping[str, object], as_of: date, settings: Mapping[str, int]) -> Words:
    return Words(facts, as_of, settings)
