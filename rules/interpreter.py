"""The reference interpreter: the catalogue's conditions, read in plain Python.

It is the yardstick for the durable_rules engine (a property test requires
both to agree) and the engine of choice where speed matters.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping

from .catalogue import ELIGIBLE, RULES, T

OPERATORS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def value_of(value: object, settings: Mapping[str, int]) -> object:
    return settings[value.name] if isinstance(value, T) else value


def fact_name(name: str, settings: Mapping[str, int]) -> str:
    """A fact name, with any threshold it names in braces filled in."""
    return name.format_map(settings) if "{" in name else name


def holds(condition: tuple, facts: Mapping[str, object], settings: Mapping[str, int]) -> bool:
    head, *rest = condition
    if head == "all":
        return all(holds(part, facts, settings) for part in rest)
    if head == "any":
        return any(holds(part, facts, settings) for part in rest)
    op, value = rest
    name = fact_name(head, settings)
    if name not in facts:  # like durable_rules: a missing fact matches nothing
        return False
    actual, expected = facts[name], value_of(value, settings)
    if isinstance(actual, str) != isinstance(expected, str):
        return op == "!="  # no coercion between text and numbers
    return OPERATORS[op](actual, expected)


def fired(facts: Mapping[str, object], settings: Mapping[str, int]) -> list[str]:
    """Ids of the rules whose conditions hold, in priority order."""
    if not holds(ELIGIBLE, facts, settings):
        return []
    return [rule.id for rule in RULES if holds(rule.when, facts, settings)]
