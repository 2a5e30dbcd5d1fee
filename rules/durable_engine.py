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
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import threading
from collections.abc import Mapping

from durable.engine import Host, MessageNotHandledException

from .catalogue import ELIGIBLE, RULES, T
from .interpreter import fact_name

COMPARISONS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}


class RulesEngineError(RuntimeError):
    """A rule's action failed inside durable_rules."""


def compile_condition(condition: tuple, settings: Mapping[str, int]) -> dict:
    """One catalogue condition as a durable_rules expression on the fact (`m`)."""
    head, *rest = condition
    if head in ("all", "any"):
        return {"$and" if head == "all" else "$or": [compile_condition(c, settings) for c in rest]}
    op, value = rest
    name = fact_name(head, settings)
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


def compile_ruleset(settings: Mapping[str, int]) -> dict:
    """The whole catalogue as a ruleset definition (a fresh dict: the engine mutates it)."""
    always = {ALWAYS: {"all": [{"m": {ALWAYS: 1}}], "run": ALWAYS, "pri": 0}}
    return always | {
        rule.id: {
            "all": [{"m": compile_condition(("all", ELIGIBLE, rule.when), settings)}],
            "run": rule.id,
            "pri": rule.priority,
        }
        for rule in RULES
    }


def condition_facts(condition: tuple, settings: Mapping[str, int]) -> set[str]:
    """The fact names a condition reads (the engine gets only those: smaller, faster)."""
    head, *rest = condition
    if head in ("all", "any"):
        return set().union(*(condition_facts(part, settings) for part in rest))
    return {fact_name(head, settings)}


def ruleset_name(settings: Mapping[str, int]) -> str:
    digest = hashlib.sha256(json.dumps(dict(settings), sort_keys=True).encode()).hexdigest()
    return f"partnerplan_{digest[:16]}"


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
_registered: dict[str, frozenset[str]] = {}
_sids = itertools.count(1)
_ORDER = {rule.id: index for index, rule in enumerate(RULES)}


def _ruleset_for(settings: Mapping[str, int]) -> tuple[_Host, str, frozenset[str]]:
    """The host of this process and the ruleset of these thresholds (lock held)."""
    global _host, _host_pid
    if _host is None or _host_pid != os.getpid():
        _host, _host_pid = _Host(), os.getpid()
        _registered.clear()
    name = ruleset_name(settings)
    if name not in _registered:
        _host.set_rulesets({name: compile_ruleset(settings)})
        conditions = [ELIGIBLE, *(rule.when for rule in RULES)]
        _registered[name] = frozenset().union(*(condition_facts(c, settings) for c in conditions))
    return _host, name, _registered[name]


def fired(facts: Mapping[str, object], settings: Mapping[str, int]) -> list[str]:
    """Ids of the rules whose conditions hold, in priority order, by durable_rules."""
    with _lock:
        host, name, wanted = _ruleset_for(settings)
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
