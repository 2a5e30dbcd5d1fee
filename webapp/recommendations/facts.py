"""Partner facts for a whole team (or some of its partners) as of a day.

Four set-based queries, whatever the number of partners: the partners,
their interactions, referrals and planning sessions up to the day; each
partner's history is then folded into its flat fact record by `rules.facts`.
"""

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from rules.facts import PartnerRecord, ReferralRecord, SessionRecord, Touch, partner_facts
from rules.vocabulary import PERSONAL_DETAILS

from ..extensions import db
from ..models import Interaction, Partner, PlanningSession, Referral


def _scoped(query: sa.Select, partner_column, team_id: int, partner_ids) -> sa.Select:
    query = query.join(Partner, Partner.id == partner_column).where(
        Partner.team_id == team_id, Partner.archived_at.is_(None)
    )
    if partner_ids is not None:
        query = query.where(Partner.id.in_(partner_ids))
    return query


def _rows(query: sa.Select):
    """Plain tuples through the session's connection (no ORM work per row)."""
    return db.session.connection().execute(query).tuples()


def partner_records(
    team_id: int, partner_ids: Collection[int] | None = None
) -> dict[int, PartnerRecord]:
    detail_columns = [getattr(Partner, name) for name in PERSONAL_DETAILS]
    query = sa.select(
        Partner.id,
        Partner.tier,
        Partner.do_not_contact,
        Partner.met_on,
        Partner.created_at,
        Partner.birthday,
        Partner.anniversary,
        Partner.commitment_made_on,
        Partner.first_referral_by,
        *detail_columns,
    ).where(Partner.team_id == team_id, Partner.archived_at.is_(None))
    if partner_ids is not None:
        query = query.where(Partner.id.in_(partner_ids))
    records = {}
    for row in db.session.execute(query):
        details = row[9:]
        records[row.id] = PartnerRecord(
            id=row.id,
            tier=row.tier,
            do_not_contact=bool(row.do_not_contact),
            # Where the meeting day is unknown, the day first recorded stands in.
            met_on=row.met_on or (row.created_at.date() if row.created_at else None),
            birthday=row.birthday,
            anniversary=row.anniversary,
            has_personal_details=any(details) or bool(row.birthday or row.anniversary),
            commitment_made_on=row.commitment_made_on,
            first_referral_by=row.first_referral_by,
        )
    return records


def team_facts(
    team_id: int, as_of: date, partner_ids: Collection[int] | None = None
) -> dict[int, dict[str, object]]:
    """Fact records by partner id: every active partner of the team, or those listed."""
    db.session.flush()  # the queries below go straight to the connection: no autoflush
    partners = partner_records(team_id, partner_ids)
    if not partners:
        return {}
    end = datetime.combine(as_of + timedelta(days=1), time())

    touches = defaultdict(list)
    query = sa.select(
        Interaction.partner_id,
        Interaction.at,
        Interaction.kind,
        Interaction.direction,
        Interaction.outcome,
        Interaction.disrespectful,
    ).where(Interaction.at < end)
    rows = _rows(_scoped(query, Interaction.partner_id, team_id, partner_ids))
    for partner_id, at, kind, direction, outcome, disrespectful in rows:
        touches[partner_id].append(Touch(at, kind, direction, outcome, bool(disrespectful)))

    referrals = defaultdict(list)
    query = sa.select(
        Referral.partner_id, Referral.referred_on, Referral.direction, Referral.client
    ).where(Referral.referred_on <= as_of)
    for partner_id, on, direction, client in _rows(
        _scoped(query, Referral.partner_id, team_id, partner_ids)
    ):
        referrals[partner_id].append(ReferralRecord(on, direction, client or ""))

    sessions = defaultdict(list)
    query = sa.select(
        PlanningSession.partner_id, PlanningSession.starts_at, PlanningSession.status
    ).where(PlanningSession.status.in_(("booked", "held")))
    for row in db.session.execute(_scoped(query, PlanningSession.partner_id, team_id, partner_ids)):
        sessions[row.partner_id].append(SessionRecord(row.starts_at, row.status))

    return {
        partner_id: partner_facts(
            record, touches[partner_id], referrals[partner_id], sessions[partner_id], as_of
        )
        for partner_id, record in partners.items()
    }
