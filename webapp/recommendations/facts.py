"""Partner facts for a whole team (or some of its partners) as of a day.

Set-based queries, whatever the number of partners: the partners; their
interactions summarised in SQL (the last day of each kind of contact, and
only the rows of a run of unanswered attempts or unreturned calls), so the
history is never read row by row; their referrals and planning sessions.
Each partner's summary is then turned into its flat fact record by
`rules.facts`, whose `summarise` is the reference for the SQL here.
"""

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from rules.facts import (
    THANKS_KINDS,
    PartnerRecord,
    ReferralRecord,
    SessionRecord,
    Touch,
    TouchSummary,
    attempt,
    awaits_return,
    facts_of,
)
from rules.vocabulary import LIVE_CONTACT_KINDS, PERSONAL_DETAILS

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


def touch_summaries(
    team_id: int, end: datetime, partner_ids: Collection[int] | None = None
) -> dict[int, TouchSummary]:
    """Each partner's interactions before `end`, summarised by the database.

    One query: an aggregate per partner (the covering index
    ix_interaction_history serves it without touching the table), joined to
    the rows of its open runs only: the attempts since the last answer and
    their calls since we last reached out. A partner comes back once per row
    of its runs, or once with none.
    """
    at = Interaction.at

    def last(condition) -> sa.ColumnElement:
        return sa.func.max(sa.case((condition, at)))

    lasts = _scoped(
        sa.select(
            Interaction.partner_id.label("partner_id"),
            last(
                sa.and_(
                    Interaction.outcome == "connected", Interaction.kind.in_(LIVE_CONTACT_KINDS)
                )
            ).label("live_at"),
            last(Interaction.kind.in_(THANKS_KINDS)).label("thanks_at"),
            last(Interaction.kind == "co_marketing").label("co_marketing_at"),
            last(Interaction.disrespectful == sa.true()).label("disrespectful_at"),
            last(
                sa.or_(Interaction.direction == "inbound", Interaction.outcome == "connected")
            ).label("answered_at"),
            last(Interaction.direction == "outbound").label("reached_out_at"),
        ).where(at < end),
        Interaction.partner_id,
        team_id,
        partner_ids,
    ).group_by(Interaction.partner_id)
    lasts = lasts.subquery()

    run = so.aliased(Interaction)
    in_a_run = sa.and_(
        run.partner_id == lasts.c.partner_id,
        run.at < end,
        sa.or_(
            sa.and_(
                run.direction == "outbound",
                run.outcome == "no_response",
                sa.or_(lasts.c.answered_at.is_(None), run.at > lasts.c.answered_at),
            ),
            sa.and_(
                run.direction == "inbound",
                sa.or_(
                    run.kind == "voicemail",
                    sa.and_(run.kind == "call", run.outcome == "no_response"),
                ),
                sa.or_(lasts.c.reached_out_at.is_(None), run.at > lasts.c.reached_out_at),
            ),
        ),
    )
    query = sa.select(lasts, run.at, run.kind, run.direction, run.outcome).outerjoin(run, in_a_run)

    found: dict[int, tuple] = {}
    unanswered, unreturned = defaultdict(list), defaultdict(list)
    for partner_id, *moments, when, kind, direction, outcome in _rows(query):
        found[partner_id] = moments
        if when is None:
            continue
        touch = Touch(when, kind, direction, outcome)
        if attempt(touch):
            unanswered[partner_id].append(when)
        elif awaits_return(touch):
            unreturned[partner_id].append((when, kind))
    return {
        partner_id: TouchSummary(
            *moments,
            unanswered=tuple(sorted(unanswered[partner_id])),
            unreturned=tuple(sorted(unreturned[partner_id])),
        )
        for partner_id, moments in found.items()
    }


def team_facts(
    team_id: int, as_of: date, partner_ids: Collection[int] | None = None
) -> dict[int, dict[str, object]]:
    """Fact records by partner id: every active partner of the team, or those listed."""
    db.session.flush()  # the queries below go straight to the connection: no autoflush
    partners = partner_records(team_id, partner_ids)
    if not partners:
        return {}
    end = datetime.combine(as_of + timedelta(days=1), time())
    touched = touch_summaries(team_id, end, partner_ids)

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

    nothing = TouchSummary()
    return {
        partner_id: facts_of(
            record,
            touched.get(partner_id, nothing),
            referrals[partner_id],
            sessions[partner_id],
            as_of,
        )
        for partner_id, record in partners.items()
    }
