"""The reference interpreter: the catalogue's conditions, read in plain Python.

It is the yardstick for the durable_rules engine (a property test requires
both to agree) and the engine of choice where speed matters.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping

from .cadence import completed
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


def compile_condition(condition: tuple, settings: Mapping[str, int]) -> Callable[[Mapping], bool]:
    """The condition as a Python predicate with its thresholds filled in (same meaning as
    `holds`, without re-reading the tuples for every partner)."""
    head, *rest = condition
    if head in ("all", "any"):
        parts = [compile_condition(part, settings) for part in rest]
        combine = all if head == "all" else any
        return lambda facts: combine(part(facts) for part in parts)
    op, value = rest
    name, expected, compare = fact_name(head, settings), value_of(value, settings), OPERATORS[op]
    expects_text = isinstance(expected, str)

    def predicate(facts: Mapping) -> bool:
        if name not in facts:
            return False
        actual = facts[name]
        if isinstance(actual, str) != expects_text:
            return op == "!="
        return compare(actual, expected)

    return predicate


@functools.lru_cache(maxsize=64)
def _compiled(settings_items: tuple) -> tuple:
    settings = dict(settings_items)
    return compile_condition(ELIGIBLE, settings), [
        (rule.id, compile_condition(rule.when, settings)) for rule in RULES
    ]


def fired(facts: Mapping[str, object], settings: Mapping[str, int]) -> list[str]:
    """Ids of the rules whose conditions hold, in priority order."""
    eligible, rules = _compiled(tuple(sorted(settings.items())))
    facts = completed(facts)
    if not eligible(facts):
        return []
    return [rule_id for rule_id, holds_for in rules if holds_for(facts)]
