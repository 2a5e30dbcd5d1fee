"""Each partner's relationship health (rules/health.py), computed with its facts.

The refresh stores it (`PartnerHealth`), so that the partner list sorts and
filters by it with no work per partner. The one figure the facts do not
carry, live contacts in the last 90 days, comes from one grouped query for
all the partners evaluated together.
"""

import functools
from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rules.cadence import in_force, overdue
from rules.health import FREQUENCY_DAYS, Health, health
from rules.vocabulary import LIVE_CONTACT_KINDS

from ..extensions import db
from ..models import Interaction, Partner, PartnerHealth
from .facts import PartnerHistory
from .team_settings import team_weights

TREND_WEEKS = 12


@functools.cache
def _live_counts_query(listed: bool) -> sa.Select:
    i = Interaction.__table__.c
    p = Partner.__table__.c
    query = (
        sa.select(i.partner_id, sa.func.count())
        .join(Partner.__table__, p.id == i.partner_id)
        .where(
            p.team_id == sa.bindparam("team_id"),
            i.outcome == "connected",
            i.kind.in_(LIVE_CONTACT_KINDS),
            i.at >= sa.bindparam("start", type_=sa.DateTime),
            i.at < sa.bindparam("end", type_=sa.DateTime),
        )
        .group_by(i.partner_id)
    )
    if listed:
        query = query.where(i.partner_id.in_(sa.bindparam("partner_ids", expanding=True)))
    return query


def live_contact_counts(
    team_id: int, as_of: date, partner_ids: Collection[int] | None = None
) -> dict[int, int]:
    """Connected live contacts of the last 90 days (the as-of day included), by partner."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    params = {"team_id": team_id, "start": end - timedelta(days=FREQUENCY_DAYS), "end": end}
    if partner_ids is not None:
        params["partner_ids"] = list(partner_ids)
    query = _live_counts_query(partner_ids is not None)
    # dict() of a Result would take it for a mapping (it has keys()): rows first.
    return dict(list(db.session.connection().execute(query, params).tuples()))


def team_health(
    team_id: int,
    facts: Mapping[int, Mapping[str, object]],
    as_of: date,
    thresholds: Mapping[str, int],
    weights: Mapping[str, int] | None = None,
) -> dict[int, Health]:
    """The health of each partner of `facts` as of the day, under these weights
    (the team's when None)."""
    if not facts:
        return {}
    weights = team_weights(team_id) if weights is None else weights
    counts = live_contact_counts(team_id, as_of, list(facts))
    return {
        partner_id: health(record, in_force(record, thresholds), counts.get(partner_id, 0), weights)
        for partner_id, record in facts.items()
    }


@functools.cache
def _upsert(dialect: str):
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(PartnerHealth)
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[PartnerHealth.partner_id],
        set_={
            "score": new.score,
            "parts": new.parts,
            "overdue": new.overdue,
            "computed_on": new.computed_on,
        },
    )


def store(
    team_id: int,
    facts: Mapping[int, Mapping[str, object]],
    as_of: date,
    thresholds: Mapping[str, int],
) -> None:
    """Compute and store the health of the partners of `facts` (part of a refresh)."""
    rows = [
        {
            "partner_id": partner_id,
            "team_id": team_id,
            "score": found.score,
            "parts": found.as_json(),
            "overdue": overdue(facts[partner_id], thresholds),
            "computed_on": as_of,
        }
        for partner_id, found in team_health(team_id, facts, as_of, thresholds).items()
    ]
    if rows:
        connection = db.session.connection()
        connection.execute(_upsert(connection.dialect.name), rows)


def trend(
    partner: Partner, as_of: date, thresholds: Mapping[str, int], weeks: int = TREND_WEEKS
) -> list[tuple[date, int]]:
    """The partner's score as of each of the last `weeks` weeks, oldest first,
    ending on `as_of` (for its page). The history is read once and each week
    folded from it in Python: a query per week made the page 70 statements
    longer (`python -m bench`, partner page)."""
    weights = team_weights(partner.team_id)
    days = [as_of - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    history = PartnerHistory(partner.team_id, partner.id, days[0], as_of)
    points = []
    for day in days:
        facts = history.facts(day)
        if facts is None:
            continue
        end = datetime.combine(day + timedelta(days=1), time())
        start = end - timedelta(days=FREQUENCY_DAYS)
        # As live_contact_counts counts them, from the rows already read.
        live = sum(
            1
            for t in history.touches
            if t.outcome == "connected" and t.kind in LIVE_CONTACT_KINDS and start <= t.at < end
        )
        points.append((day, health(facts, in_force(facts, thresholds), live, weights).score))
    return points
