"""The catalogue compiled to a durable_rules ruleset, and a safe way to run it.

durable_rules 2.0.28 has sharp edges (see the team's notes): it is not
thread-safe, its background dispatcher can run handlers on another thread,
a ruleset holds at most 1,024 live sessions, a handler's exception is kept
in the returned state instead of being raised, and a ruleset name can be
registered only once. So:

- one process-wide lock around every call into the engine;
- `Host._run` does nothing (no dispatcher thread; we use no timers);
- a fresh session id per evaluation, deleted in `finally`;
- "no rule matched" (MessageNotHandledException) means no recommendations;
- an exception stored in the state is raised here;
- a ruleset's name is derived from the thresholds it was compiled with, so a
  changed setting is simply a new ruleset, registered on first use in each
  process (and each worker reads the team's settings per evaluation);
- a forked worker builds its own host instead of inheriting the parent's.

What the engine decides depends only on which side of each threshold each
fact falls, as long as every condition is an and/or of comparisons of one
fact with a constant (or a threshold setting). `fired` therefore asks
durable_rules once per distinct pattern of those comparisons and remembers
its answer for the ruleset: a brokerage of 20,000 partners shows a few
hundred patterns, so a full refresh costs a few hundred engine calls.
`evaluate` is the engine call itself. Compiling the catalogue refuses any
other condition (`check_rules`, run when this module is imported), such as
a comparison of two facts, which durable_rules would accept and the
patterns would not see.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import operator
import os
import string
import threading
from collections.abc import Collection, Iterable, Mapping

from durable.engine import Host, MessageNotHandledException

from .cadence import completed
from .catalogue import ELIGIBLE, RULES, Rule, T
from .interpreter import OPERATORS, fact_name
from .settings import THRESHOLDS

COMPARISONS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
# The constants a fact may be compared with: each compares the same way in
# durable_rules and in Python (`Patterns`).
CONSTANT_TYPES = (bool, int, float, str)


class RulesEngineError(RuntimeError):
    """A rule's action failed inside durable_rules."""


class UnsupportedCondition(ValueError):
    """A catalogue condition that is not an and/or of comparisons of one fact with
    a constant or a threshold: `fired`'s patterns could not answer for it."""


def check_rules(rules: Iterable[Rule]) -> None:
    """Refuse, naming the rule, any condition but an and/or of comparisons of one
    fact with a constant or a threshold (the eligibility every rule adds included)."""
    for rule in rules:
        try:
            _check(("all", ELIGIBLE, rule.when))
        except UnsupportedCondition as error:
            raise UnsupportedCondition(f"rule {rule.id!r}: {error}") from None


def _check(condition: object) -> None:
    if _joins(condition):
        if len(condition) < 2:
            raise UnsupportedCondition(f"{condition!r} joins no condition")
        for part in condition[1:]:
            _check(part)
    else:
        _comparison(condition)


def _joins(condition: object) -> bool:
    """Whether the condition is ("all", ...) or ("any", ...)."""
    return isinstance(condition, tuple) and condition[:1] in (("all",), ("any",))


def _comparison(condition: object) -> tuple[str, str, object]:
    """(fact, operator, value) of a comparison of one fact with a constant or a
    threshold; UnsupportedCondition for anything else."""
    if not (isinstance(condition, tuple) and len(condition) == 3):
        raise UnsupportedCondition(f"{condition!r} is not a (fact, operator, value) comparison")
    name, op, value = condition
    if not isinstance(name, str):
        raise UnsupportedCondition(f"{condition!r} does not name a fact first")
    if not isinstance(op, str) or op not in OPERATORS:
        raise UnsupportedCondition(
            f"{condition!r} uses the operator {op!r}; use one of {', '.join(OPERATORS)}"
        )
    if isinstance(value, T):
        if value.name not in THRESHOLDS:
            raise UnsupportedCondition(f"{condition!r} names no threshold: {value.name!r}")
    elif type(value) not in CONSTANT_TYPES:
        raise UnsupportedCondition(
            f"{condition!r} compares {name!r} with {value!r}, which is neither a constant "
            "nor a threshold (a fact compared with another fact, say)"
        )
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(name) if field is not None]
    except ValueError:
        raise UnsupportedCondition(f"{condition!r}: unbalanced braces in {name!r}") from None
    unknown = [field for field in fields if field not in THRESHOLDS]
    if unknown:
        raise UnsupportedCondition(f"{condition!r}: {unknown[0]!r} in braces names no threshold")
    return name, op, value


def compile_condition(condition: tuple, settings: Mapping[str, int]) -> dict:
    """One catalogue condition as a durable_rules expression on the fact (`m`)."""
    if _joins(condition):
        parts = [compile_condition(part, settings) for part in condition[1:]]
        return {"$and" if condition[0] == "all" else "$or": parts}
    name, op, value = _comparison(condition)
    name = fact_name(name, settings)
    value = settings[value.name] if isinstance(value, T) else value
    if op == "==":
        return {name: value}
    return {COMPARISONS[op]: {name: value}}


# A rule that matches every fact (each carries `evaluated: 1`). Measured on
# 2.0.28: a fact that matches no rule still leaves a session behind (the
# 1,025th such fact raised MemoryError), and deleting that session crashed
# the process (segmentation fault). With this rule every evaluation has a
# session with state, which `delete_state` removes safely.
ALWAYS = "evaluated"


def compile_ruleset(settings: Mapping[str, int], rules: Iterable[Rule] = RULES) -> dict:
    """The catalogue as a ruleset definition (a fresh dict: the engine mutates it);
    UnsupportedCondition if a rule's condition is beyond `fired`'s shortcut."""
    rules = list(rules)
    check_rules(rules)
    always = {ALWAYS: {"all": [{"m": {ALWAYS: 1}}], "run": ALWAYS, "pri": 0}}
    return always | {
        rule.id: {
            "all": [{"m": compile_condition(("all", ELIGIBLE, rule.when), settings)}],
            "run": rule.id,
            "pri": rule.priority,
        }
        for rule in rules
    }


def comparisons(condition: tuple, settings: Mapping[str, int]) -> set[tuple]:
    """Every (fact, operator, constant) a condition compares, thresholds filled in."""
    if _joins(condition):
        return set().union(*(comparisons(part, settings) for part in condition[1:]))
    name, op, value = _comparison(condition)
    return {
        (fact_name(name, settings), op, settings[value.name] if isinstance(value, T) else value)
    }


class Patterns:
    """Which side of every comparison a fact record falls, with each value's type.

    Two fact records with the same pattern get the same answer from the
    engine: each comparison it makes is of one fact (of the same type in
    both) with the same constant, and comes out the same.
    """

    def __init__(self, tests: Collection[tuple]):
        self.tests = tuple(sorted(tests, key=repr))
        names = sorted({name for name, _, _ in self.tests})
        self._types = operator.itemgetter(*names, *names)  # always a tuple, even for one name
        self._values = operator.itemgetter(*(name for name, _, _ in self.tests), names[0])
        self._compare = [OPERATORS[op] for _, op, _ in self.tests]
        self._constants = [constant for _, _, constant in self.tests]

    def __call__(self, facts: Mapping[str, object]) -> tuple:
        try:
            return (
                *map(type, self._types(facts)),
                *map(operator.call, self._compare, self._values(facts), self._constants),
            )
        except (KeyError, TypeError):  # a fact missing, or text compared with a number
            return self.slowly(facts)

    def slowly(self, facts: Mapping[str, object]) -> tuple:
        signs = []
        for name, op, expected in self.tests:
            if name not in facts:
                signs.append(None)
                continue
            try:
                outcome = OPERATORS[op](facts[name], expected)
            except TypeError:
                outcome = None
            signs.append((type(facts[name]), outcome))
        return tuple(signs)


def ruleset_name(settings: Mapping[str, int]) -> str:
    return _ruleset_name(tuple(sorted(settings.items())))


@functools.lru_cache(maxsize=64)
def _ruleset_name(items: tuple) -> str:
    digest = hashlib.sha256(json.dumps(dict(items), sort_keys=True).encode()).hexdigest()
    return f"partnerplan_{digest[:16]}"


# The shipped catalogue is checked once, on import: a rule beyond the shortcut
# stops the app from starting rather than being answered wrongly.
check_rules(RULES)


class _Host(Host):
    """A host whose actions record which rule fired, with no dispatcher thread."""

    def _run(self) -> None:  # the dispatcher would run handlers outside our lock
        pass

    def get_action(self, action_name: str):
        def record(c):
            if action_name != ALWAYS:
                c.s.fired = [*(c.s.fired or []), action_name]

        return record


_lock = threading.Lock()
_host: _Host | None = None
_host_pid: int | None = None
_registered: dict[str, tuple[frozenset[str], Patterns]] = {}
# Answers by ruleset, then by pattern (bounded: a changed setting is a new ruleset).
_answers: dict[str, dict[tuple, list[str]]] = {}
MAX_PATTERNS = 100_000
_sids = itertools.count(1)
_ORDER = {rule.id: index for index, rule in enumerate(RULES)}


def _ruleset_for(settings: Mapping[str, int]) -> tuple[_Host, str, frozenset[str], Patterns]:
    """The host of this process and the ruleset of these thresholds (lock held)."""
    global _host, _host_pid
    if _host is None or _host_pid != os.getpid():
        _host, _host_pid = _Host(), os.getpid()
        _registered.clear()
        _answers.clear()
    name = ruleset_name(settings)
    if name not in _registered:
        _host.set_rulesets({name: compile_ruleset(settings)})
        conditions = [ELIGIBLE, *(rule.when for rule in RULES)]
        tests = set().union(*(comparisons(c, settings) for c in conditions))
        # The engine gets only the facts the rules read: smaller, faster.
        wanted = frozenset(name for name, _, _ in tests)
        _registered[name] = wanted, Patterns(tests)
    return _host, name, *_registered[name]


def fired(facts: Mapping[str, object], settings: Mapping[str, int]) -> list[str]:
    """Ids of the rules whose conditions hold, in priority order, by durable_rules:
    asked once per pattern of comparisons (see the module's docstring)."""
    facts = completed(facts)
    with _lock:
        _, name, _, pattern = _ruleset_for(settings)
        key = pattern(facts)
        answers = _answers.setdefault(name, {})
        known = answers.get(key)
    if known is not None:
        return list(known)
    ids = evaluate(facts, settings)
    with _lock:
        if len(answers) >= MAX_PATTERNS:
            answers.clear()
        answers[key] = list(ids)
    return ids


def evaluate(facts: Mapping[str, object], settings: Mapping[str, int]) -> list[str]:
    """Ids of the rules whose conditions hold, in priority order: one durable_rules call."""
    facts = completed(facts)
    with _lock:
        host, name, wanted, _ = _ruleset_for(settings)
        fact = {key: value for key, value in facts.items() if key in wanted}
        sid = f"e{next(_sids)}"
        fact["sid"], fact[ALWAYS] = sid, 1
        try:
            state = host.assert_fact(name, fact)
        except MessageNotHandledException:
            return []  # cannot happen with ALWAYS; it would mean no recommendations
        try:
            host.delete_state(name, sid)
        except BaseException:  # noqa: BLE001 - the result stands; the session is gone anyway
            pass
    if state.get("exception"):
        raise RulesEngineError(str(state["exception"]))
    return sorted(set(state.get("fired") or []), key=_ORDER.__getitem__)
