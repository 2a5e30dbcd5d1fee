"""Partner facts for a whole team (or some of its partners) as of a day.

Set-based queries, whatever the number of partners: the partners; their
interactions summarised in SQL (the last day of each kind of contact, and
only the rows of a run of unanswered attempts or unreturned calls), so the
history is never read row by row; their referrals and planning sessions.
Each partner's summary is then turned into its flat fact record by
`rules.facts`, whose `summarise` is the reference for the SQL here.

The statements are built once, with bound parameters (team, partners, day):
re-evaluating one partner after a log costs the queries, not their making.
Making them (the interactions' summary above all) costs 1.5 ms, a quarter of
logging an interaction — CPU time, measured on
`python -m bench --partners 5000 --interactions 250000 --referrals 15000`.
"""

import functools
from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from rules.facts import (
    THANKS_KINDS,
    AgreementRecord,
    PartnerRecord,
    ReferralRecord,
    SessionRecord,
    Touch,
    TouchSummary,
    attempt,
    awaits_return,
    facts_of,
    partner_facts,
)
from rules.vocabulary import LIVE_CONTACT_KINDS, PERSONAL_DETAILS

from ..extensions import db
from ..models import Agreement, Interaction, Partner, PlanningSession, Referral
from .team_settings import team_cadences

partner = Partner.__table__
agreement = Agreement.__table__
interaction = Interaction.__table__
referral = Referral.__table__
planning_session = PlanningSession.__table__


def _partner_conditions(listed: bool) -> list[sa.ColumnElement[bool]]:
    """The team's active partners; when `listed`, only those bound as `partner_ids`."""
    conditions = [partner.c.team_id == sa.bindparam("team_id"), partner.c.archived_at.is_(None)]
    if listed:
        conditions.append(partner.c.id.in_(sa.bindparam("partner_ids", expanding=True)))
    return conditions


def _of_partners(query: sa.Select, partner_column, listed: bool) -> sa.Select:
    """The query kept to the rows of the partners of `_partner_conditions`."""
    return query.join(partner, partner.c.id == partner_column).where(*_partner_conditions(listed))


def _rows(query: sa.Select, team_id: int, partner_ids, **params):
    """Plain tuples through the session's connection (no ORM work per row)."""
    params["team_id"] = team_id
    if partner_ids is not None:
        params["partner_ids"] = list(partner_ids)
    return db.session.connection().execute(query, params).tuples()


@functools.cache
def _partners_query(listed: bool) -> sa.Select:
    return sa.select(
        partner.c.id,
        partner.c.tier,
        partner.c.do_not_contact,
        partner.c.met_on,
        partner.c.created_at,
        partner.c.birthday,
        partner.c.anniversary,
        partner.c.commitment_made_on,
        partner.c.first_referral_by,
        partner.c.name,
        partner.c.profession,
        partner.c.cadence_days,
        partner.c.cadence_max_days,
        partner.c.source,
        partner.c.client_types,
        *(partner.c[name] for name in PERSONAL_DETAILS),
    ).where(*_partner_conditions(listed))


def partner_records(
    team_id: int, partner_ids: Collection[int] | None = None
) -> dict[int, PartnerRecord]:
    records = {}
    for row in _rows(_partners_query(partner_ids is not None), team_id, partner_ids):
        (id_, tier, do_not_contact, met_on, created_at, birthday, anniversary) = row[:7]
        commitment_made_on, first_referral_by, name, profession = row[7:11]
        cadence_days, cadence_max, source, client_types = row[11:15]
        details = row[15:]
        records[id_] = PartnerRecord(
            id=id_,
            tier=tier,
            do_not_contact=bool(do_not_contact),
            # Where the meeting day is unknown, the day first recorded stands in.
            met_on=met_on or (created_at.date() if created_at else None),
            birthday=birthday,
            anniversary=anniversary,
            has_personal_details=any(details) or bool(birthday or anniversary),
            commitment_made_on=commitment_made_on,
            first_referral_by=first_referral_by,
            name=name,
            profession=profession or "other",
            cadence_days=cadence_days,
            cadence_max_days=cadence_max,
            source=source or "",
            client_types=tuple(client_types or ()),
        )
    return records


@functools.cache
def _summary_query(listed: bool) -> sa.Select:
    """One query: an aggregate per partner (the covering index
    ix_interaction_history serves it without touching the table), joined to
    the rows of its open runs only: the attempts since the last answer and
    their calls since we last reached out. A partner comes back once per row
    of its runs, or once with none."""
    i, end = interaction.c, sa.bindparam("end", type_=sa.DateTime)

    def last(condition) -> sa.ColumnElement:
        return sa.func.max(sa.case((condition, i.at)))

    lasts = (
        _of_partners(
            sa.select(
                i.partner_id.label("partner_id"),
                last(sa.and_(i.outcome == "connected", i.kind.in_(LIVE_CONTACT_KINDS))),
                last(i.kind.in_(THANKS_KINDS)),
                last(i.kind == "co_marketing"),
                last(i.disrespectful == sa.true()),
                last(sa.or_(i.direction == "inbound", i.outcome == "connected")).label(
                    "answered_at"
                ),
                last(i.direction == "outbound").label("reached_out_at"),
            ).where(i.at < end),
            i.partner_id,
            listed,
        )
        .group_by(i.partner_id)
        .subquery()
    )
    runs = interaction.alias("run")
    run = runs.c
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
    if listed:
        # Said again of the runs' side (the join implies it): PostgreSQL then reads
        # only these partners' rows through ix_interaction_history; without it, it
        # hashed the whole table's unanswered rows for every batch and partner page.
        in_a_run = sa.and_(
            run.partner_id.in_(sa.bindparam("partner_ids", expanding=True)), in_a_run
        )
    return sa.select(lasts, run.at, run.kind, run.direction, run.outcome).outerjoin(runs, in_a_run)


def touch_summaries(
    team_id: int, end: datetime, partner_ids: Collection[int] | None = None
) -> dict[int, TouchSummary]:
    """Each partner's interactions before `end`, summarised by the database."""
    query = _summary_query(partner_ids is not None)
    found: dict[int, tuple] = {}
    unanswered, unreturned = defaultdict(list), defaultdict(list)
    for partner_id, *moments, when, kind, direction, outcome in _rows(
        query, team_id, partner_ids, end=end
    ):
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


@functools.cache
def _referrals_query(listed: bool) -> sa.Select:
    r = referral.c
    query = sa.select(r.partner_id, r.referred_on, r.direction, r.client)
    return _of_partners(
        query.where(r.referred_on <= sa.bindparam("as_of", type_=sa.Date)), r.partner_id, listed
    )


@functools.cache
def _sessions_query(listed: bool) -> sa.Select:
    s = planning_session.c
    query = sa.select(s.partner_id, s.starts_at, s.status).where(s.status.in_(("booked", "held")))
    return _of_partners(query, s.partner_id, listed)


@functools.cache
def _agreements_query(listed: bool) -> sa.Select:
    """The agreements not ended by the as-of day: only those can end soon."""
    a = agreement.c
    query = sa.select(a.partner_id, a.ends_on, a.kind)
    return _of_partners(
        query.where(a.ends_on >= sa.bindparam("as_of", type_=sa.Date)), a.partner_id, listed
    )


@functools.cache
def _touches_query() -> sa.Select:
    i = interaction.c
    return sa.select(i.at, i.kind, i.direction, i.outcome, i.disrespectful).where(
        i.partner_id == sa.bindparam("partner_id"), i.at < sa.bindparam("end", type_=sa.DateTime)
    )


class PartnerHistory:
    """One active partner's record and whole history up to a day, read once:
    its facts as of any earlier day are then folded in Python by the reference
    (`rules.facts.partner_facts`, which tests/test_facts_sql.py holds equal to
    the SQL of `team_facts`), with no query per day (the partner page's
    twelve weekly health points)."""

    def __init__(self, team_id: int, partner_id: int, since: date, until: date) -> None:
        db.session.flush()
        self.record = partner_records(team_id, [partner_id]).get(partner_id)
        self.cadences = team_cadences(team_id)
        listed = [partner_id]
        end = datetime.combine(until + timedelta(days=1), time())
        connection = db.session.connection()
        self.touches = [
            Touch(at, kind, direction, outcome, bool(disrespectful))
            for at, kind, direction, outcome, disrespectful in connection.execute(
                _touches_query(), {"partner_id": partner_id, "end": end}
            )
        ]
        self.referrals = [
            ReferralRecord(on, direction, client or "")
            for _, on, direction, client in _rows(
                _referrals_query(True), team_id, listed, as_of=until
            )
        ]
        self.sessions = [
            SessionRecord(starts_at, status)
            for _, starts_at, status in _rows(_sessions_query(True), team_id, listed)
        ]
        # Those not ended by the first day asked about: only those can end soon.
        self.agreements = [
            AgreementRecord(ends_on, kind)
            for _, ends_on, kind in _rows(_agreements_query(True), team_id, listed, as_of=since)
        ]

    def facts(self, as_of: date) -> dict[str, object] | None:
        """The fact record as of a day between `since` and `until`; None when
        the partner is archived (or gone)."""
        if self.record is None:
            return None
        return partner_facts(
            self.record,
            self.touches,
            self.referrals,
            self.sessions,
            as_of,
            self.agreements,
            self.cadences,
        )


def team_facts(
    team_id: int,
    as_of: date,
    partner_ids: Collection[int] | None = None,
    *,
    cadences: Mapping[str, tuple[int, int]] | None = None,
    windows: Collection[int] = (),
) -> dict[int, dict[str, object]]:
    """Fact records by partner id: every active partner of the team, or those listed.

    `cadences`: the team's cadence table to apply (the one in force when None).
    `windows`: the N of the "referrals received in the last N days" the team's
    own rules count.
    """
    db.session.flush()  # the queries below go straight to the connection: no autoflush
    partners = partner_records(team_id, partner_ids)
    if not partners:
        return {}
    if cadences is None:
        cadences = team_cadences(team_id)
    listed = partner_ids is not None
    end = datetime.combine(as_of + timedelta(days=1), time())
    touched = touch_summaries(team_id, end, partner_ids)

    referrals = defaultdict(list)
    for partner_id, on, direction, client in _rows(
        _referrals_query(listed), team_id, partner_ids, as_of=as_of
    ):
        referrals[partner_id].append(ReferralRecord(on, direction, client or ""))

    sessions = defaultdict(list)
    for partner_id, starts_at, status in _rows(_sessions_query(listed), team_id, partner_ids):
        sessions[partner_id].append(SessionRecord(starts_at, status))

    agreements = defaultdict(list)
    for partner_id, ends_on, kind in _rows(
        _agreements_query(listed), team_id, partner_ids, as_of=as_of
    ):
        agreements[partner_id].append(AgreementRecord(ends_on, kind))

    nothing = TouchSummary()
    return {
        partner_id: facts_of(
            record,
            touched.get(partner_id, nothing),
            referrals[partner_id],
            sessions[partner_id],
            as_of,
            agreements[partner_id],
            cadences,
            windows=windows,
        )
        for partner_id, record in partners.items()
    }
