"""A recommendation's life: evaluated, stored, kept, closed, and acted on.

Life cycle of a stored recommendation (DOMAIN.md): it is created when a
rule starts to hold, kept (never duplicated) while it holds, and closed by
itself when it stops. One that was dismissed, rejected or approved stays
quiet until the facts that triggered it (its fingerprint) change. One marked
done stays quiet until its facts change too, but at most DONE_QUIET_DAYS:
done with nothing logged that answers it (an invitation by email for a
`keep_warm` lunch), the rule still holds, and a week later it is raised
again rather than silenced for ever. A snoozed one comes back on the day it
was snoozed until.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rules import team
from rules.catalogue import RULES_BY_ID
from rules.engine import recommend_each, rules_by_id
from rules.settings import DEFAULTS, resolve

from .. import clock
from ..access import audience, visible_partners, visible_to
from ..extensions import commit_keeping_loaded, db
from ..models import (
    Partner,
    PartnerEvaluation,
    PartnerHealth,
    Recommendation,
    RuleSettings,
    Team,
    User,
    utcnow,
)
from ..push import notices
from ..push import sender as push_sender
from . import health
from .facts import team_facts

LIVE = ("open", "snoozed")
# Decisions that keep a rule quiet until its triggering facts change.
DECIDED = ("dismissed", "rejected", "approved", "done")
RULE_IDS = tuple(RULES_BY_ID)
# How long "done" silences a rule whose facts did not change (see above).
DONE_QUIET_DAYS = 7


@dataclass
class Summary:
    partners: int = 0
    created: int = 0
    kept: int = 0
    closed: int = 0

    def add(self, other: Summary) -> None:
        self.partners += other.partners
        self.created += other.created
        self.kept += other.kept
        self.closed += other.closed


# Built once, bound when run: it is read twice when logging an interaction
# (the refresh, then the panel). Built at each call it cost 0.1 ms more a
# call, and logging 9% more CPU time (measured in-process on `python -m bench
# --partners 5000 --interactions 250000 --referrals 15000`).
_SETTINGS = (
    sa.select(RuleSettings.version, RuleSettings.values, RuleSettings.team_rules)
    .where(RuleSettings.team_id == sa.bindparam("team_id"))
    .order_by(RuleSettings.version.desc())
    .limit(1)
)


def current_settings(team_id: int) -> tuple[int, dict[str, int]]:
    """The team's rule thresholds in force: (version, values); version 0 is the defaults."""
    version, settings, _ = in_force(team_id)
    return version, settings


def in_force(team_id: int) -> tuple[int, dict[str, int], list[dict]]:
    """The team's thresholds and own rules in force: (version, values, team rule
    definitions, those switched off included); version 0 is the defaults."""
    row = db.session.connection().execute(_SETTINGS, {"team_id": team_id}).first()
    if row is None:
        return 0, dict(DEFAULTS), []
    return row.version, resolve(row.values), list(row.team_rules or [])


def engine_name() -> str:
    return current_app.config.get("RULES_ENGINE") or "durable"


def evaluate(
    team_id: int,
    as_of: date,
    partner_ids: Collection[int] | None = None,
    settings: Mapping[str, int] | None = None,
    facts: Mapping[int, dict] | None = None,
    definitions: list[dict] | None = None,
):
    """{partner id: [rules.engine.Recommendation]} as of a day; nothing is stored.

    `definitions`: the team's own rules to evaluate with the catalogue (those
    in force unless given, with the settings in force)."""
    if settings is None or definitions is None:
        _, in_force_settings, in_force_rules = in_force(team_id)
        settings = in_force_settings if settings is None else settings
        definitions = in_force_rules if definitions is None else definitions
    if facts is None:
        facts = team_facts(team_id, as_of, partner_ids, windows=team.windows(definitions))
    return recommend_each(facts, as_of, settings, engine_name(), team.compiled(definitions))


def refresh_partners(
    team_id: int, partner_ids: Collection[int] | None = None, as_of: date | None = None
) -> Summary:
    """Re-evaluate the team's partners (or those listed) and store the results.

    Two evaluations of the same partner may race (a log and Today at once):
    the loser's insert hits the unique live-recommendation index, and it
    simply evaluates again, finding what the winner stored.
    """
    for attempt in range(3):
        try:
            return _refresh(team_id, partner_ids, as_of)
        except sa.exc.IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _refresh(team_id: int, partner_ids, as_of: date | None) -> Summary:
    """Evaluate, then write only what changed, set-based (no object per stored row)."""
    timezone = db.session.get(Team, team_id).timezone
    as_of = as_of or clock.today(timezone)
    version, settings, definitions = in_force(team_id)
    facts = team_facts(team_id, as_of, partner_ids, windows=team.windows(definitions))
    results = evaluate(team_id, as_of, partner_ids, settings, facts, definitions)
    by_id = rules_by_id(team.compiled(definitions))
    stored = _stored(team_id, partner_ids)

    summary = Summary(partners=len(facts))
    holding, created, changed = set(), [], []
    for partner_id, recommendations in results.items():
        for rec in recommendations:
            holding.add((partner_id, rec.rule))
            rows = stored.get((partner_id, rec.rule), [])
            live = next((row for row in rows if row.status in LIVE), None)
            if live is not None:
                summary.kept += 1
                change = _kept_update(live, rec, as_of, by_id)
                if change is not None:
                    changed.append(change)
            elif not any(_quiets(r, rec, as_of, timezone) for r in rows):
                created.append(_row_to_create(team_id, partner_id, facts[partner_id]["tier"], rec))
                summary.created += 1
    closing = [
        row.id
        for key, rows in stored.items()
        if key not in holding
        for row in rows
        if row.status in LIVE
    ]
    summary.closed = len(closing)

    connection = db.session.connection()
    if created:
        connection.execute(_CREATE, created)
    if changed:
        connection.execute(_KEEP, changed)
    if closing:
        connection.execute(_CLOSE, {"ids": closing, "closed_at": utcnow()})
    _mark_evaluated(team_id, facts.keys(), as_of, version)
    health.store(team_id, facts, as_of, settings)
    # The news of what opened (a push for a call to return, the one recommendation
    # that is news the moment it opens; a webhook event for each) is stored in the
    # same transaction: a refresh killed right after committing its recommendations
    # would otherwise never tell them (the next run finds them stored, not new).
    pushed = told = 0
    if calls := [row for row in created if row["rule"] == "return_call"]:
        pushed = notices.return_calls(calls, as_of)
    if created:
        # Imported late: the events' payloads are the API's schemas, which read
        # Today's queries.
        from ..webhooks import events

        told = events.recommendations_opened(
            team_id, [(row["partner_id"], row["rule"]) for row in created]
        )
    # Only loaded recommendations and evaluations can be out of date: the rest
    # the request loaded (its user, team, partner) stays loaded. A plain commit
    # would load it again: logging an interaction (which re-evaluates the
    # partner, then renders its panels) ran 4 more statements and took 20% more
    # CPU time (measured in-process on
    # `python -m bench --partners 5000 --interactions 250000 --referrals 15000`).
    commit_keeping_loaded(Recommendation, PartnerEvaluation, PartnerHealth)
    if pushed:
        push_sender.send_soon()
    if told:
        events.send_soon()
    return summary


# The refresh's writes, built once (the rows come as executemany parameters).
# Each touches only a row still live, so that a decision made meanwhile
# (done, dismissed, approved...) is never undone.
_recommendation = Recommendation.__table__
# Spelled out rather than `status.in_(LIVE)`: an IN list is an expanding
# parameter, which SQLAlchemy refuses in the executemany of _KEEP.
_LIVE_ROW = sa.or_(*(_recommendation.c.status == status for status in LIVE))
_CREATE = sa.insert(_recommendation)
_KEEP = (
    sa.update(_recommendation)
    .where(_recommendation.c.id == sa.bindparam("row_id"), _LIVE_ROW)
    .values(
        reason=sa.bindparam("reason"),
        fingerprint=sa.bindparam("fingerprint"),
        due=sa.bindparam("due"),
        status=sa.bindparam("status"),
        snoozed_until=sa.bindparam("snoozed_until"),
    )
)
_CLOSE = (
    sa.update(_recommendation)
    .where(_recommendation.c.id.in_(sa.bindparam("ids", expanding=True)), _LIVE_ROW)
    .values(status="closed", closed_at=sa.bindparam("closed_at"))
)


# Built once, bound when run: building it (and SQLAlchemy's cache key for it)
# costs 0.17 ms, 3% of logging an interaction, which refreshes its partner
# (CPU time, measured on `python -m bench --partners 5000 --interactions 250000
# --referrals 15000`).
@functools.cache
def _stored_query(listed: bool) -> sa.Select:
    """The stored recommendations of the team's partners, or of those `listed`
    (bound as `partner_ids`)."""
    query = sa.select(
        Recommendation.id,
        Recommendation.partner_id,
        Recommendation.rule,
        Recommendation.status,
        Recommendation.fingerprint,
        Recommendation.reason,
        Recommendation.due,
        Recommendation.snoozed_until,
        Recommendation.decided_at,
    ).where(
        # The catalogue's rules and the team's own (closed when switched off or deleted).
        sa.or_(Recommendation.rule.in_(RULE_IDS), Recommendation.rule.startswith(team.PREFIX)),
        Recommendation.status.in_(LIVE + DECIDED),
    )
    if not listed:
        query = query.where(Recommendation.team_id == sa.bindparam("team_id"))
    else:
        # Scoped through the partner, so that the planner starts from the
        # partners' own rows rather than from every live row of the team.
        query = query.join(Partner, Partner.id == Recommendation.partner_id).where(
            Recommendation.partner_id.in_(sa.bindparam("partner_ids", expanding=True)),
            Partner.team_id == sa.bindparam("team_id"),
        )
    return query.order_by(Recommendation.id.desc())


def _stored(team_id: int, partner_ids) -> dict[tuple[int, str], list]:
    """The stored recommendations that matter to a refresh, newest first, by (partner, rule)."""
    params = {"team_id": team_id}
    if partner_ids is not None:
        params["partner_ids"] = list(partner_ids)
    query = _stored_query(partner_ids is not None)
    stored = defaultdict(list)
    # Plain rows through the session's connection (the facts flushed the session).
    for row in db.session.connection().execute(query, params):
        stored[row.partner_id, row.rule].append(row)
    return stored


def _quiets(row, rec, as_of: date, timezone: str) -> bool:
    """Whether a decision on an earlier recommendation keeps this one from being raised."""
    if row.status not in DECIDED or row.fingerprint != rec.fingerprint:
        return False
    if row.status != "done" or row.decided_at is None:
        return True
    done_on = clock.local(row.decided_at, timezone).date()
    return as_of < done_on + timedelta(days=DONE_QUIET_DAYS)


def _kept_update(row, rec, as_of: date, by_id=RULES_BY_ID) -> dict | None:
    """The parameters of `_KEEP` for a recommendation that still holds: its new
    words, awake if its snooze is over; None when nothing changes."""
    due = row.due
    rule_due = by_id[rec.rule].due
    if rule_due is not None and (rule_due.ago or rule_due.ahead):  # a day named by the facts
        due = rec.due
    status, snoozed_until = row.status, row.snoozed_until
    if status == "snoozed" and (snoozed_until is None or snoozed_until <= as_of):
        status, snoozed_until = "open", None
    values = {
        "reason": rec.reason,
        "fingerprint": rec.fingerprint,
        "due": due,
        "status": status,
        "snoozed_until": snoozed_until,
    }
    if all(getattr(row, name) == value for name, value in values.items()):
        return None
    return {"row_id": row.id, **values}


def _row_to_create(team_id: int, partner_id: int, tier: str, rec) -> dict:
    """The row of `_CREATE` for a recommendation raised for the first time."""
    return {
        "team_id": team_id,
        "partner_id": partner_id,
        "rule": rec.rule,
        "kind": rec.kind,
        "tier_from": tier if rec.kind == "tier_change" else None,
        "tier_to": rec.tier_to,
        "due": rec.due,
        "reason": rec.reason,
        "fingerprint": rec.fingerprint,
        "status": "open",
    }


@functools.cache
def _evaluation_upsert(dialect: str):
    """Insert or update each partner's evaluation in one statement, writing only
    a row whose day or settings version really changes.

    One per SQL dialect (each spells the upsert its own way), built once:
    building it costs 0.14 ms, 2% of logging an interaction (measured as for
    `_stored_query`).
    """
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(PartnerEvaluation)
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[PartnerEvaluation.partner_id],
        set_={"evaluated_on": new.evaluated_on, "settings_version": new.settings_version},
        where=sa.or_(
            PartnerEvaluation.evaluated_on != new.evaluated_on,
            PartnerEvaluation.settings_version != new.settings_version,
        ),
    )


def _mark_evaluated(team_id: int, partner_ids, as_of: date, version: int) -> None:
    rows = [
        {
            "partner_id": partner_id,
            "team_id": team_id,
            "evaluated_on": as_of,
            "settings_version": version,
        }
        for partner_id in partner_ids
    ]
    if rows:
        connection = db.session.connection()
        connection.execute(_evaluation_upsert(connection.dialect.name), rows)


def evaluated_today(partner: Partner) -> bool:
    """Whether the partner was evaluated today (its team's day) under the current settings."""
    version, _ = current_settings(partner.team_id)
    evaluation = db.session.get(PartnerEvaluation, partner.id)
    today = clock.today(partner.team.timezone)
    return evaluation is not None and (evaluation.evaluated_on, evaluation.settings_version) == (
        today,
        version,
    )


def refresh_stale(user: User, as_of: date | None = None) -> Summary:
    """Re-evaluate the user's partners not yet evaluated today under the current settings."""
    as_of = as_of or clock.today(user.team.timezone)
    version, _ = current_settings(user.team_id)
    # Each of the user's partners looks up its own evaluation (by primary key).
    stale = list(
        db.session.scalars(
            sa.select(Partner.id)
            .outerjoin(PartnerEvaluation, PartnerEvaluation.partner_id == Partner.id)
            .where(
                *visible_to(user.is_manager),
                sa.or_(
                    PartnerEvaluation.partner_id.is_(None),
                    PartnerEvaluation.evaluated_on != as_of,
                    PartnerEvaluation.settings_version != version,
                ),
            ),
            audience(user),
        )
    )
    summary = Summary()
    for start in range(0, len(stale), 500):
        summary.add(refresh_partners(user.team_id, stale[start : start + 500], as_of))
    return summary


def get_recommendation(recommendation_id: int, user: User) -> Recommendation | None:
    """The recommendation, if its partner is one the user sees."""
    partner_ids = visible_partners(user, include_archived=True).with_only_columns(Partner.id)
    return db.session.scalar(
        sa.select(Recommendation).where(
            Recommendation.id == recommendation_id,
            Recommendation.team_id == user.team_id,
            Recommendation.partner_id.in_(partner_ids),
        )
    )


def mark_done(recommendation_id: int, user: User) -> Recommendation | None:
    """The user logged what the recommendation asked for (called by the log form)."""
    row = get_recommendation(recommendation_id, user)
    if row is None or row.kind != "action" or row.status not in (*LIVE, "closed"):
        return None
    row.status, row.decided_by_id, row.decided_at = "done", user.id, utcnow()
    row.closed_at = row.closed_at or utcnow()
    db.session.commit()
    return row


def snooze(row: Recommendation, user: User, until: date) -> None:
    row.status, row.snoozed_until = "snoozed", until
    row.decided_by_id, row.decided_at = user.id, utcnow()
    db.session.commit()


def dismiss(row: Recommendation, user: User, reason: str | None) -> None:
    row.status, row.decision_reason = "dismissed", (reason or None)
    row.decided_by_id, row.decided_at = user.id, utcnow()
    row.closed_at = utcnow()
    db.session.commit()


SNOOZE_DAYS = {"tomorrow": 1, "next_week": 7}


def snooze_until(choice: str, today: date) -> date:
    return today + timedelta(days=SNOOZE_DAYS[choice])
