"""Cadences and health weights: what a change would do, and saving it as a
new version of the team's rule settings (thresholds kept)."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from statistics import mean

from rules.catalogue import CADENCE_RULES, RULES_BY_ID
from rules.engine import fired

from ..models import RuleSettings, User
from ..recommendations.facts import team_facts
from ..recommendations.health import team_health
from ..recommendations.lifecycle import current_settings, engine_name
from ..recommendations.team_settings import CADENCES, WEIGHTS, team_cadences, team_weights
from . import service


@dataclass
class CadencePreview:
    lines: list[service.PreviewLine]
    health_now: int | None  # the team's average score
    health_then: int | None
    below_now: int  # partners under 50
    below_then: int


def preview(
    team_id: int, table: Mapping[str, tuple[int, int]], weights: Mapping[str, int], as_of: date
) -> CadencePreview:
    """How many partners each cadence rule would hold for today, and the team's
    health, now and with the proposed table and weights; nothing is saved."""
    _, thresholds = current_settings(team_id)
    engine = engine_name()
    now_facts = team_facts(team_id, as_of, cadences=team_cadences(team_id))
    then_facts = team_facts(team_id, as_of, cadences=dict(table))
    now, then = Counter(), Counter()
    for record in now_facts.values():
        now.update(fired(record, thresholds, engine))
    for record in then_facts.values():
        then.update(fired(record, thresholds, engine))
    lines = [
        service.PreviewLine(rule_id, RULES_BY_ID[rule_id].title, now[rule_id], then[rule_id])
        for rule_id in sorted(CADENCE_RULES)
    ]
    scores_now = [
        h.score
        for h in team_health(team_id, now_facts, as_of, thresholds, team_weights(team_id)).values()
    ]
    scores_then = [
        h.score for h in team_health(team_id, then_facts, as_of, thresholds, weights).values()
    ]
    return CadencePreview(
        lines,
        round(mean(scores_now)) if scores_now else None,
        round(mean(scores_then)) if scores_then else None,
        sum(1 for s in scores_now if s < 50),
        sum(1 for s in scores_then if s < 50),
    )


def save(
    team_id: int, user: User, table: Mapping[str, tuple[int, int]], weights: Mapping[str, int]
) -> RuleSettings:
    """A new version with these cadences and weights, the thresholds as they are."""
    _, thresholds = current_settings(team_id)
    extras = {
        CADENCES: {key: list(pair) for key, pair in sorted(table.items())},
        WEIGHTS: dict(weights),
    }
    return service.save(team_id, user, thresholds, extras=extras)
