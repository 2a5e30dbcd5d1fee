"""The team's own rules: plain definitions, checked, then turned into catalogue rules.

A team rule is a JSON object (stored by the web app, carried by the book file):

    {"slug": "lender-coffee", "name": "Lenders: coffee", "enabled": true,
     "match": "all",                        # or "any"
     "conditions": [{"fact": "profession", "op": "==", "value": "lender"},
                    {"fact": "live_contact_ago", "op": ">=", "value": 14}],
     "action": "coffee", "due_days": 0,     # an interaction kind and a due offset...
     "tier_to": null,                       # ...or a tier to propose instead
     "priority": 85,
     "reason": "{name} is a lender; last live contact {live_contact_on}"}

Only the facts of `FACTS` may be named, each compared with a constant of its
own type: that is what keeps durable_rules' pattern shortcut sound, and what
lets both engines read the rule exactly as they read the catalogue. A valid
definition becomes a `Rule` with the id `team:<slug>`, evaluated with the
catalogue (never over it: `disengage` still silences everything else).
"""

from __future__ import annotations

import functools
import json
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .catalogue import Due, Rule
from .facts import NEVER
from .vocabulary import CLIENT_TYPES, INTERACTION_KINDS, PROFESSIONS, SOURCES, TIERS

PREFIX = "team:"
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,33}[a-z0-9])?")  # the id fits the 40-character rule
# "referrals received in the last N days", for the N a rule names.
WINDOW = re.compile(r"received_last_([0-9]{1,4})_days")
WINDOW_DAYS = (1, 730)
PRIORITY = (1, 999)
DUE_DAYS = (0, 365)
REASON_LENGTH = 300
NAME_LENGTH = 80
MAX_CONDITIONS = 5  # the editor's rows


@dataclass(frozen=True)
class Fact:
    """A fact a team rule may compare: its kind says which operators and constants fit."""

    label: str
    kind: str  # "text", "yes_no", "days" (a `*_ago` fact), "count"
    choices: Mapping[str, str] | None = None


OPERATORS_BY_KIND = {
    "text": ("==", "!="),
    "yes_no": ("==", "!="),
    "days": ("==", "!=", "<", "<=", ">", ">="),
    "count": ("==", "!=", "<", "<=", ">", ">="),
}
OPERATOR_WORDS = {
    "==": "is",
    "!=": "is not",
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
}

FACTS: dict[str, Fact] = {
    "tier": Fact("Tier", "text", TIERS),
    "profession": Fact("Profession", "text", PROFESSIONS),
    "source": Fact("Source", "text", {"": "None recorded", **SOURCES}),
    "live_contact_ago": Fact("Days since the last live contact", "days"),
    "received_1_ago": Fact("Days since the last referral received", "days"),
    "sent_1_ago": Fact("Days since the last referral sent", "days"),
    "met_ago": Fact("Days since met", "days"),
    "has_commitment": Fact("Committed to doing business", "yes_no"),
    "sessions_booked_ahead": Fact("Planning sessions booked ahead", "count"),
    "do_not_contact": Fact("Do not contact", "yes_no"),
    **{
        f"client_{key}": Fact(f"Serves {label.lower()}", "yes_no")
        for key, label in CLIENT_TYPES.items()
    },
}
WINDOW_FACT = Fact("Referrals received in the last N days", "count")


def fact_of(name: str) -> Fact | None:
    """The documented fact a name stands for (a window of any allowed N included)."""
    if name in FACTS:
        return FACTS[name]
    match = WINDOW.fullmatch(name)
    if match and WINDOW_DAYS[0] <= int(match.group(1)) <= WINDOW_DAYS[1]:
        return WINDOW_FACT
    return None


def windows(definitions: Iterable[Mapping]) -> frozenset[int]:
    """The N of every "referrals received in the last N days" the definitions name."""
    found = set()
    for definition in definitions:
        for condition in definition.get("conditions") or ():
            match = WINDOW.fullmatch(str(condition.get("fact", "")))
            if match:
                found.add(int(match.group(1)))
    return frozenset(found)


def placeholders(conditions: Iterable[Mapping]) -> set[str]:
    """What a reason may name: {name}, every documented fact, a day fact's day in
    words and its number of days ({live_contact_on}, {live_contact_days}), and
    the windows the rule's own conditions count."""
    names = {"name"}
    for name, fact in FACTS.items():
        names.add(name)
        if fact.kind == "days":
            base = name.removesuffix("_ago")
            names |= {f"{base}_on", f"{base}_days"}
    for condition in conditions:
        if isinstance(condition, Mapping) and WINDOW.fullmatch(str(condition.get("fact", ""))):
            names.add(condition["fact"])
    return names


def constant(fact: Fact, raw: object) -> tuple[object, str | None]:
    """The constant of a comparison, of the fact's own type; or a message."""
    if fact.kind == "yes_no":
        if isinstance(raw, bool):
            return raw, None
        if str(raw).strip().lower() in ("yes", "true"):
            return True, None
        if str(raw).strip().lower() in ("no", "false"):
            return False, None
        return None, "Say yes or no."
    if fact.kind == "text":
        value = "" if raw is None else str(raw).strip()
        if value not in fact.choices:
            return None, f"Choose one of: {', '.join(k for k in fact.choices if k) or 'none'}."
        return value, None
    if isinstance(raw, bool):
        return None, "Enter a whole number."
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        return None, "Enter a whole number."
    if not 0 <= value < NEVER:
        return None, "Enter a whole number from 0."
    return value, None


def check(definition: Mapping) -> dict[str, str]:
    """Messages by field ("name", "slug", "conditions-0-value", "reason"...); empty when
    the definition may be stored and compiled."""
    errors: dict[str, str] = {}
    # A book is hand-editable JSON: each field is checked for its type first, so
    # that a number where a text belongs is a message, not a crash further on.
    name = definition.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = "Give the rule a name."
    elif len(name) > NAME_LENGTH:
        errors["name"] = f"Keep the name within {NAME_LENGTH} characters."
    slug = definition.get("slug")
    if not (isinstance(slug, str) and SLUG.fullmatch(slug)):
        errors["slug"] = (
            "Use 1 to 35 lower-case letters, digits and hyphens, starting and ending "
            "with a letter or digit."
        )
    if definition.get("match") not in ("all", "any"):
        errors["match"] = "Choose all or any."
    conditions = definition.get("conditions") or []
    if not isinstance(conditions, list):
        errors["conditions"] = "Expected a list of conditions."
        conditions = []
    elif not conditions:
        errors["conditions"] = "Add at least one condition."
    elif len(conditions) > MAX_CONDITIONS:
        errors["conditions"] = f"Keep to {MAX_CONDITIONS} conditions at most."
    for index, condition in enumerate(conditions):
        where = f"conditions-{index}"
        if not isinstance(condition, Mapping):
            errors[where] = "Expected an object: a fact, an operator and a value."
            continue
        fact = fact_of(str(condition.get("fact", "")))
        if fact is None:
            errors[f"{where}-fact"] = "Choose a fact from the list."
            continue
        if condition.get("op") not in OPERATORS_BY_KIND[fact.kind]:
            errors[f"{where}-op"] = (
                f"Use one of: {', '.join(OPERATORS_BY_KIND[fact.kind])} for this fact."
            )
        value, message = constant(fact, condition.get("value"))
        if (
            message
            or value != condition.get("value")
            or type(value) is not type(condition.get("value"))
        ):
            errors[f"{where}-value"] = message or "Give a value of the fact's own type."
    action, tier_to = definition.get("action"), definition.get("tier_to")
    if (action is None) == (tier_to is None):
        errors["recommends"] = "Recommend either an action or a tier move."
    elif action is not None and not (isinstance(action, str) and action in INTERACTION_KINDS):
        errors["action"] = "Choose an interaction kind from the list."
    elif tier_to is not None and not (isinstance(tier_to, str) and tier_to in TIERS):
        errors["tier_to"] = "Choose a tier from the list."
    due_days = definition.get("due_days", 0)
    if action is not None and not (
        isinstance(due_days, int)
        and not isinstance(due_days, bool)
        and DUE_DAYS[0] <= due_days <= DUE_DAYS[1]
    ):
        errors["due_days"] = f"Enter a whole number from {DUE_DAYS[0]} to {DUE_DAYS[1]}."
    priority = definition.get("priority")
    if not (
        isinstance(priority, int)
        and not isinstance(priority, bool)
        and PRIORITY[0] <= priority <= PRIORITY[1]
    ):
        errors["priority"] = f"Enter a whole number from {PRIORITY[0]} to {PRIORITY[1]}."
    if not isinstance(definition.get("enabled", True), bool):
        errors["enabled"] = "Say whether the rule is on."
    reason = definition.get("reason")
    errors.update(_check_reason(reason if isinstance(reason, str) else "", conditions))
    return errors


def _check_reason(reason: str, conditions) -> dict[str, str]:
    if not reason.strip():
        return {"reason": "Write the reason the recommendation gives."}
    if len(reason) > REASON_LENGTH:
        return {"reason": f"Keep the reason within {REASON_LENGTH} characters."}
    try:
        fields = [
            (field, spec, conversion)
            for _, field, spec, conversion in string.Formatter().parse(reason)
            if field is not None
        ]
    except ValueError:
        return {"reason": "A brace is not closed: write placeholders as {name}."}
    known = placeholders(conditions)
    for field, spec, conversion in fields:
        if field not in known:
            return {
                "reason": f"There is no placeholder {{{field}}}; use e.g. {{name}}, "
                "{tier}, {live_contact_on}, {live_contact_days}."
            }
        if spec or conversion:
            return {"reason": f"Write the placeholder as {{{field}}}, without a format."}
    return {}


def to_rule(definition: Mapping) -> Rule:
    """A checked definition as a catalogue rule (ValueError if it does not check)."""
    errors = check(definition)
    if errors:
        raise ValueError(f"team rule {definition.get('slug')!r}: {errors}")
    conditions = tuple((c["fact"], c["op"], c["value"]) for c in definition["conditions"])
    action = definition.get("action")
    day_facts = sorted({name for name, _, _ in conditions if name.endswith("_ago")})
    # The triggering facts in absolute terms: the days they name (windows move by
    # themselves every day, so they would re-raise a dismissed recommendation daily).
    kept = sorted(
        {name for name, _, _ in conditions if not WINDOW.fullmatch(name)} - set(day_facts)
    )
    return Rule(
        id=PREFIX + definition["slug"],
        title=definition["name"].strip(),
        kind="action" if action is not None else "tier_change",
        tier_to=definition.get("tier_to"),
        action=action,
        due=Due(plus=definition.get("due_days", 0)) if action is not None else None,
        priority=definition["priority"],
        when=(definition["match"], *conditions),
        reason=((None, definition["reason"].strip()),),
        fingerprint=(*day_facts, *kept),
        summary=describe(definition),
    )


def describe(definition: Mapping) -> str:
    """The rule in words: 'When all of: Profession is lender; ... Recommends coffee.'"""
    joined = "; ".join(
        f"{(fact_of(c['fact']) or WINDOW_FACT).label.replace(' N ', _window_words(c['fact']))} "
        f"{OPERATOR_WORDS.get(c['op'], c['op'])} {_value_words(c)}"
        for c in definition.get("conditions") or ()
    )
    if definition.get("action"):
        due = definition.get("due_days") or 0
        then = f"{INTERACTION_KINDS.get(definition['action'], definition['action']).lower()}"
        then += f", due in {due} days" if due else ", due the day it is raised"
    else:
        then = (
            f"a move to {TIERS.get(definition.get('tier_to'), definition.get('tier_to'))} (review)"
        )
    return f"When {definition.get('match')} of: {joined}. Recommends {then}."


def _window_words(name: str) -> str:
    match = WINDOW.fullmatch(name)
    return f" {match.group(1)} " if match else " N "


def _value_words(condition: Mapping) -> str:
    fact, value = fact_of(condition["fact"]), condition.get("value")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if fact is not None and fact.choices:
        return fact.choices.get(value, str(value)).lower() or "none"
    return str(value)


class Compiled(tuple):
    """A team's compiled rules: a tuple that works out its hash once. The engines
    key their caches on it for every partner evaluated, and hashing twenty
    rules' nested tuples each time was a third of a refresh's rules time
    (measured with `python -m bench`'s 20 team rules on 5,000 partners)."""

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            self._hash = tuple.__hash__(self)
            return self._hash


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> tuple[Rule, ...]:
    definitions = json.loads(text)
    return Compiled(to_rule(d) for d in definitions if d.get("enabled", True))


def compiled(definitions: Iterable[Mapping] | None) -> tuple[Rule, ...]:
    """The rules of the definitions that are switched on (remembered by content)."""
    definitions = list(definitions or ())
    if not definitions:
        return ()
    return _compiled(json.dumps(definitions, sort_keys=True))


def is_team_rule(rule_id: str) -> bool:
    return rule_id.startswith(PREFIX)
