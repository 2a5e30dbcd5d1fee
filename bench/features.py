"""The product's own functions the benchmarks call, when they exist.

Each returns None while its feature is not on main yet, so the benchmark
reports "not available" instead of failing. Wire new ones in here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date


def refresh_batches() -> Callable | None:
    """refresh.refresh_batches(batches, as_of, workers) -> iterator of Summary."""
    try:
        from webapp.recommendations.refresh import refresh_batches
    except ImportError:
        return None
    return refresh_batches


def analyze() -> Callable | None:
    """extensions.analyze(): the planner's statistics, refreshed after a full refresh."""
    try:
        from webapp.extensions import analyze
    except ImportError:
        return None
    return analyze


def team_facts() -> Callable | None:
    """facts.team_facts(team_id, as_of, partner_ids=None) -> {partner_id: facts}."""
    try:
        from webapp.recommendations.facts import team_facts
    except ImportError:
        return None
    return team_facts


def current_settings() -> Callable | None:
    try:
        from webapp.recommendations.lifecycle import current_settings
    except ImportError:
        return None
    return current_settings


def fired() -> Callable | None:
    """rules.engine.fired(facts, settings, engine="python" | "durable") -> [rule ids]."""
    try:
        from rules.engine import fired
    except ImportError:
        return None
    return fired


def durable_evaluate() -> Callable | None:
    """One durable_rules call per fact record (no memo), with the catalogue's precedence."""
    try:
        from rules.durable_engine import evaluate
        from rules.engine import precedence
    except ImportError:
        return None
    return lambda facts, settings: precedence(evaluate(facts, settings))


def evaluate() -> Callable | None:
    """lifecycle.evaluate(team_id, as_of, partner_ids) -> {partner_id: [Recommendation]}."""
    try:
        from webapp.recommendations.lifecycle import evaluate
    except ImportError:
        return None
    return evaluate


def stored_open_rules(team_id: int, partner_ids: list[int], as_of: date) -> dict[int, set[str]]:
    """{partner_id: rule ids of open recommendations} as stored now."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.models import Recommendation

    found: dict[int, set[str]] = {pid: set() for pid in partner_ids}
    rows = db.session.execute(
        sa.select(Recommendation.partner_id, Recommendation.rule).where(
            Recommendation.team_id == team_id,
            Recommendation.partner_id.in_(partner_ids),
            Recommendation.status == "open",
        )
    )
    for partner_id, rule in rows:
        found[partner_id].add(rule)
    return found
