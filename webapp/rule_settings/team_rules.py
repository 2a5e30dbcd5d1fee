"""The team's own rules: stored, saved as a version with the thresholds, previewed
and backtested on the team's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from rules import interpreter, team
from rules.catalogue import ELIGIBLE
from rules.engine import fired
from rules.vocabulary import CLIENT_TYPES

from ..extensions import db
from ..models import BacktestRun, Partner, Referral, RuleSettings, TeamRule, User, record_audit
from ..recommendations.facts import partner_records, team_facts
from ..recommendations.lifecycle import engine_name, in_force, refresh_partners

# Up to this many partners to read the history of, the backtest answers within
# the request (under two seconds, measured on the benchmark's data); beyond, a job runs it.
INLINE_PARTNERS = 1_000
BACKTEST_DAYS = 90
BACKTEST_STEP = 7  # one evaluation a week
REFERRAL_WITHIN = 30


def listed(team_id: int) -> list[TeamRule]:
    return list(
        db.session.scalars(
            sa.select(TeamRule)
            .where(TeamRule.team_id == team_id)
            .order_by(TeamRule.priority, TeamRule.slug)
        )
    )


def get(team_id: int, rule_id: int) -> TeamRule | None:
    """One of the team's rules (None for another team's)."""
    return db.session.scalar(
        sa.select(TeamRule).where(TeamRule.id == rule_id, TeamRule.team_id == team_id)
    )


def slug_taken(team_id: int, slug: str, except_id: int | None = None) -> bool:
    query = sa.select(TeamRule.id).where(TeamRule.team_id == team_id, TeamRule.slug == slug)
    if except_id is not None:
        query = query.where(TeamRule.id != except_id)
    return db.session.scalar(query) is not None


def apply(row: TeamRule, definition: dict) -> None:
    for name in ("slug", "name", "enabled", "match", "conditions", "action", "tier_to"):
        setattr(row, name, definition[name])
    row.due_days = definition.get("due_days") or 0
    row.priority, row.reason = definition["priority"], definition["reason"]


def save_version(team_id: int, user: User | None, summary: str) -> RuleSettings:
    """The team's rules as they now stand, in force as a new version with the
    thresholds unchanged (audited); then the team is re-evaluated, which
    raises a new rule's recommendations and closes those of a rule switched
    off or deleted."""
    version, values, before = in_force(team_id)
    after = [row.definition() for row in listed(team_id)]
    row = RuleSettings(
        team_id=team_id,
        version=version + 1,
        values=values,
        team_rules=after,
        created_by_id=user.id if user else None,
    )
    db.session.add(row)
    record_audit(
        team_id,
        user,
        "rule_settings",
        f"Rule settings version {version + 1}: {summary}",
        before={"team_rules": before},
        after={"team_rules": after},
    )
    db.session.commit()
    refresh_partners(team_id)
    return row


def restore(team_id: int, definitions: list[dict]) -> None:
    """The editor's rules made those of a snapshot (a revert; nothing committed)."""
    db.session.execute(sa.delete(TeamRule).where(TeamRule.team_id == team_id))
    for definition in definitions:
        row = TeamRule(team_id=team_id)
        apply(row, definition)
        db.session.add(row)
    db.session.flush()


@dataclass
class Backtest:
    partners: int
    partner_weeks: int
    referred: int
    days: int = BACKTEST_DAYS
    within: int = REFERRAL_WITHIN


# Facts that come from the partner's record alone, the same on every past day
# (the history keeps no earlier tier or profession).
STATIC_FACTS = ("tier", "profession", "source", "do_not_contact")


def candidates(team_id: int, definition: dict) -> list[int]:
    """The partners the rule can hold for, judged on their record alone (tier,
    profession, source, client types, contact allowed): the backtest reads the
    history of these only. An "any" rule with a condition on the history is
    narrowed to the partners who may be contacted at all."""
    conditions = [tuple(c[k] for k in ("fact", "op", "value")) for c in definition["conditions"]]
    static = [c for c in conditions if c[0] in STATIC_FACTS or c[0].startswith("client_")]
    if definition["match"] == "any" and len(static) < len(conditions):
        static = []
    when = ("all", ELIGIBLE, (definition["match"], *static)) if static else ELIGIBLE
    kept = []
    for record in partner_records(team_id).values():
        facts = {
            "tier": record.tier,
            "profession": record.profession,
            "source": record.source,
            "do_not_contact": record.do_not_contact,
            **{f"client_{kind}": kind in record.client_types for kind in CLIENT_TYPES},
        }
        if interpreter.holds(when, facts, {}):
            kept.append(record.id)
    return kept


def raised_for(
    team_id: int,
    definition: dict,
    as_of: date,
    engine: str | None = None,
    partner_ids: list[int] | None = None,
) -> set[int]:
    """The partners (of those listed, or all) the rule would be raised for as of
    a day, with the thresholds and the other team rules in force (precedence as
    in a refresh: disengage silences it)."""
    if partner_ids is not None and not partner_ids:
        return set()
    _, settings, others = in_force(team_id)
    rule = team.to_rule({**definition, "enabled": True})
    extra = (*team.compiled([d for d in others if d["slug"] != definition["slug"]]), rule)
    facts = team_facts(team_id, as_of, partner_ids, windows=team.windows([*others, definition]))
    engine = engine or engine_name()
    return {
        partner_id
        for partner_id, record in facts.items()
        if rule.id in fired(record, settings, engine, extra)
    }


def preview(team_id: int, definition: dict, today: date) -> int:
    """How many partners the rule fires for today."""
    return len(raised_for(team_id, definition, today, partner_ids=candidates(team_id, definition)))


def start_backtest(team_id: int, user: User, definition: dict, today: date):
    """The backtest's numbers when it is small enough to answer now; else a
    BacktestRun that a job fills in (inline in immediate mode: the tests)."""
    among = candidates(team_id, definition)
    if len(among) <= INLINE_PARTNERS:
        return backtest(team_id, definition, today, among)
    run = BacktestRun(team_id=team_id, created_by_id=user.id, definition=definition, as_of=today)
    db.session.add(run)
    db.session.commit()
    from .jobs import run_backtest

    run_backtest(run.id)
    db.session.refresh(run)
    return run


def backtest(
    team_id: int, definition: dict, today: date, among: list[int] | None = None
) -> Backtest:
    """The rule as of one day a week over the last 90 days, from the history (the
    as-of evaluation): the partners it would have been raised for, the
    partner-weeks, and how many of those partners sent a referral within 30 days
    after a day it was raised for them (up to today).

    Evaluated by the reference interpreter, which a property test holds to
    durable_rules: the same answers, many times faster. The partners' tiers
    and details are today's (the history keeps no earlier tier).
    """
    days = [today - timedelta(days=back) for back in range(0, BACKTEST_DAYS, BACKTEST_STEP)]
    raised: dict[int, list[date]] = {}
    weeks = 0
    among = candidates(team_id, definition) if among is None else among
    for day in days:
        for partner_id in raised_for(team_id, definition, day, "python", among):
            raised.setdefault(partner_id, []).append(day)
            weeks += 1
    referred = 0
    if raised:
        rows = db.session.execute(
            sa.select(Referral.partner_id, Referral.referred_on)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(
                Partner.team_id == team_id,
                Referral.direction == "received",
                Referral.referred_on > days[-1],
                Referral.referred_on <= today,
            )
        ).all()
        by_partner: dict[int, list[date]] = {}
        for partner_id, on in rows:
            by_partner.setdefault(partner_id, []).append(on)
        referred = sum(
            1
            for partner_id, raised_on in raised.items()
            if any(
                day < on <= day + timedelta(days=REFERRAL_WITHIN)
                for day in raised_on
                for on in by_partner.get(partner_id, ())
            )
        )
    return Backtest(len(raised), weeks, referred)
