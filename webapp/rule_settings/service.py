"""Versions of a team's rule settings, and what a change would do."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from rules.catalogue import RULES
from rules.engine import fired
from rules.settings import DEFAULTS, THRESHOLDS, resolve

from ..extensions import db
from ..models import RuleSettings, User, record_audit
from ..recommendations.facts import team_facts
from ..recommendations.lifecycle import current_settings, engine_name, refresh_partners
from ..recommendations.team_settings import extras_of, latest_values, stored_extras


@dataclass
class PreviewLine:
    rule: str
    title: str
    now: int
    then: int

    @property
    def change(self) -> str:
        delta = self.then - self.now
        return "±0" if delta == 0 else f"{delta:+d}".replace("-", "−")


def preview(team_id: int, proposed: Mapping[str, int], as_of: date) -> list[PreviewLine]:
    """How many partners each rule would hold for, now and with the proposed values."""
    facts = team_facts(team_id, as_of)
    _, current = current_settings(team_id)
    proposed = resolve(proposed)
    engine = engine_name()
    now, then = Counter(), Counter()
    for record in facts.values():
        now.update(fired(record, current, engine))
        then.update(fired(record, proposed, engine))
    return [PreviewLine(rule.id, rule.title, now[rule.id], then[rule.id]) for rule in RULES]


def versions(team_id: int) -> list[dict]:
    """Every saved version, newest first, with what changed from the one before."""
    rows = list(
        db.session.scalars(
            sa.select(RuleSettings)
            .where(RuleSettings.team_id == team_id)
            .order_by(RuleSettings.version)
        )
    )
    history, before = [], dict(DEFAULTS)
    for row in rows:
        after = resolve(row.values)
        history.append({"row": row, "changes": changes(before, after)})
        before = after
    return history[::-1]


def changes(before: Mapping[str, int], after: Mapping[str, int]) -> list[tuple[str, int, int]]:
    return [(name, before[name], after[name]) for name in THRESHOLDS if before[name] != after[name]]


def save(
    team_id: int,
    user: User,
    values: Mapping[str, int],
    note: str = "",
    extras: Mapping[str, object] | None = None,
) -> RuleSettings:
    """A new version in force; recorded in the audit trail; the team re-evaluated.

    `extras`: its cadence table and health weights; those in force when None.
    """
    version, before = current_settings(team_id)
    after = resolve(values)
    extras_before = extras_of(latest_values(team_id))
    extras_after = extras_of(extras if extras is not None else extras_before)
    row = RuleSettings(
        team_id=team_id,
        version=version + 1,
        values=after | stored_extras(extras_after),
        created_by_id=user.id,
    )
    db.session.add(row)
    diff = changes(before, after)
    diff += [
        (name, extras_before[name], extras_after[name])
        for name in extras_after
        if extras_before[name] != extras_after[name]
    ]
    summary = ", ".join(f"{name} {old} → {new}" for name, old, new in diff) or "no change"
    record_audit(
        team_id,
        user,
        "rule_settings",
        f"Rule settings version {version + 1}{note}: {summary}",
        before=before | extras_before,
        after=after | extras_after,
    )
    db.session.commit()
    refresh_partners(team_id)
    return row
