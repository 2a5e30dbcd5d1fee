"""The numbers behind the ledger, ROI and charts: set-based SQL aggregates.

Every function takes `scope`, a select of the partner ids the user may see
(`partner_scope`), so that one query answers for one partner or a whole team
and nothing loops over partners issuing queries.

Definitions (shown on the pages and pinned by the tests):
- commission of a closed referral: its amount, or the team's commission per
  side when none was entered;
- conversion rate: closed / (closed + lost), the share of *decided*
  referrals that closed (new, active and under-contract ones are not decided
  yet); none when nothing is decided;
- days to close: closed_on - referred_on, averaged over closed referrals
  that have a closed date;
- "the last 12 months": the 365 days ending today (today and 364 before);
- money spent: the amounts spent on the partner's interactions dated in the
  period (the team's wall time, so 31 Dec 23:30 is last year's);
- a referral fee: its amount, or its percentage of the referral's
  commission (the team's per side standing in); it counts when the referral
  closes in the period, paid or received, whichever way the referral went;
- net: commission − money spent − fees paid + fees received;
- cost per closed referral: (money spent + fees paid) ÷ referrals received
  that closed; none when none closed ("no closed referral", never ÷ 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from rules.vocabulary import REFERRAL_DIRECTIONS, REFERRAL_STATUSES, TIERS

from ..access import visible_partners
from ..extensions import db
from ..models import Interaction, Partner, PlanningSession, Referral, User

# Time invested: interaction kinds that take real time, with the minutes
# assumed when none were logged.
DEFAULT_MINUTES = {
    "coffee": 60,
    "lunch": 90,
    "meeting": 60,
    "event": 120,
    "planning_session": 20,
}
# A relationship is one-sided when we sent at least this many referrals in
# the last 12 months and received none (the `disengage` rule's default).
ONE_SIDED_SENT = 3
WINDOW_DAYS = 365


class days_between(FunctionElement):
    """Whole days from the first date to the second, on SQLite and PostgreSQL."""

    type = sa.Float()
    inherit_cache = True


@compiles(days_between)
def _days_between(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({end} - {start})"  # PostgreSQL: date - date is an integer


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


class year_month(FunctionElement):
    """'2026-03' for a date, to group by month."""

    type = sa.String()
    inherit_cache = True


@compiles(year_month)
def _year_month(element, compiler, **kw):
    (value,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"to_char({value}, 'YYYY-MM')"


@compiles(year_month, "sqlite")
def _year_month_sqlite(element, compiler, **kw):
    (value,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"strftime('%Y-%m', {value})"


def partners_seen(
    user: User, agent: User | None = None, *, include_archived: bool = False
) -> sa.Select:
    """The partners this user may see (their own, or the team's), or one agent's of those."""
    query = visible_partners(user, include_archived=include_archived)
    return query.where(Partner.owner_id == agent.id) if agent is not None else query


def partner_scope(
    user: User, agent: User | None = None, *, include_archived: bool = True
) -> sa.Select:
    """The ids of those partners, archived ones included (their history still counts)."""
    return partners_seen(user, agent, include_archived=include_archived).with_only_columns(
        Partner.id
    )


def one_partner(partner: Partner) -> sa.Select:
    return sa.select(Partner.id).where(Partner.id == partner.id)


def money(value) -> Decimal:
    """SQL sums come back as float on SQLite: round them to cents."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def commission_of_closed(per_side: Decimal):
    """A closed referral's commission, the team's per-side figure standing in."""
    return sa.case(
        (Referral.status == "closed", sa.func.coalesce(Referral.commission, per_side)),
        else_=None,
    )


# --- the ledger -----------------------------------------------------------------


@dataclass
class Side:
    """One direction of the ledger (received or sent)."""

    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REFERRAL_STATUSES, 0))
    commission: Decimal = Decimal("0.00")
    days_to_close_total: float = 0.0
    days_to_close_count: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def closed(self) -> int:
        return self.by_status["closed"]

    @property
    def lost(self) -> int:
        return self.by_status["lost"]

    @property
    def conversion(self) -> float | None:
        """closed / (closed + lost); None when nothing is decided yet."""
        decided = self.closed + self.lost
        return self.closed / decided if decided else None

    @property
    def average_days_to_close(self) -> float | None:
        if not self.days_to_close_count:
            return None
        return self.days_to_close_total / self.days_to_close_count


@dataclass
class Ledger:
    received: Side = field(default_factory=Side)
    sent: Side = field(default_factory=Side)

    @property
    def sides(self) -> list[tuple[str, Side]]:
        return [("received", self.received), ("sent", self.sent)]

    @property
    def is_empty(self) -> bool:
        return not (self.received.total or self.sent.total)


def ledger(scope: sa.Select, per_side: Decimal) -> Ledger:
    """Referrals received vs sent, by status, with closed commission and days to close."""
    closed_days = sa.case(
        (
            sa.and_(Referral.status == "closed", Referral.closed_on.is_not(None)),
            days_between(Referral.referred_on, Referral.closed_on),
        ),
        else_=None,
    )
    rows = db.session.execute(
        sa.select(
            Referral.direction,
            Referral.status,
            sa.func.count(),
            sa.func.sum(commission_of_closed(per_side)),
            sa.func.sum(closed_days),
            sa.func.count(closed_days),
        )
        .where(Referral.partner_id.in_(scope))
        .group_by(Referral.direction, Referral.status)
    )
    result = Ledger()
    for direction, status, number, commission, days, days_count in rows:
        if direction not in REFERRAL_DIRECTIONS or status not in REFERRAL_STATUSES:
            continue
        side = getattr(result, direction)
        side.by_status[status] += number
        side.commission += money(commission)
        side.days_to_close_total += float(days or 0)
        side.days_to_close_count += days_count
    return result


# --- ROI per partner and per agent ---------------------------------------------------


@dataclass
class PartnerROI:
    id: int
    name: str
    tier: str
    owner: str
    commission: Decimal
    closed: int
    minutes: int
    sent: int
    received: int
    spent: Decimal = Decimal("0.00")
    fees_paid: Decimal = Decimal("0.00")
    fees_received: Decimal = Decimal("0.00")
    owner_id: int | None = None

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def per_hour(self) -> Decimal | None:
        """Commission per hour invested; None when no time was logged."""
        if not self.minutes:
            return None
        return (self.commission * 60 / self.minutes).quantize(Decimal("0.01"))

    @property
    def one_sided(self) -> bool:
        return self.sent >= ONE_SIDED_SENT and self.received == 0

    @property
    def net(self) -> Decimal:
        """Commission − money spent − fees paid + fees received."""
        return self.commission - self.spent - self.fees_paid + self.fees_received

    @property
    def cost(self) -> Decimal:
        """What the partnership cost: money spent and fees paid."""
        return self.spent + self.fees_paid

    @property
    def cost_per_closed(self) -> Decimal | None:
        """Cost ÷ referrals received that closed; None when none closed."""
        if not self.closed:
            return None
        return (self.cost / self.closed).quantize(Decimal("0.01"))


@dataclass
class AgentROI(PartnerROI):
    """An agent's partners added up (`id` and `name` are the agent's)."""

    partners: int = 0


def window_start(today: date) -> date:
    return today - timedelta(days=WINDOW_DAYS - 1)


def fee_of(per_side: Decimal):
    """A closed referral's fee: its amount, or its percentage of the commission."""
    return sa.func.coalesce(
        Referral.fee_amount,
        Referral.fee_percent * sa.func.coalesce(Referral.commission, per_side) / 100,
    )


def roi(
    user: User,
    per_side: Decimal,
    today: date,
    agent: User | None = None,
    *,
    start: date | None = None,
    partner: Partner | None = None,
) -> list[PartnerROI]:
    """Commission closed, money spent, fees, time invested and reciprocity over the
    last 12 months, per partner; or from `start` to `today` (both days included,
    the team's: the ROI page's chosen period, a quarter for the partner's report),
    for one `partner` when given."""
    start, end = start or window_start(today), today
    start_at, end_at = (
        datetime.combine(start, datetime.min.time()),
        datetime.combine(end + timedelta(days=1), datetime.min.time()),
    )
    closed_day = sa.func.coalesce(Referral.closed_on, Referral.referred_on)
    commission = (
        sa.select(
            Referral.partner_id,
            sa.func.sum(commission_of_closed(per_side)).label("commission"),
            sa.func.count().label("closed"),
        )
        .where(Referral.direction == "received", Referral.status == "closed")
        .where(closed_day.between(start, end))
        .group_by(Referral.partner_id)
        .subquery()
    )
    fee = fee_of(per_side)
    fees = (
        sa.select(
            Referral.partner_id,
            sa.func.sum(sa.case((Referral.fee_direction == "paid", fee), else_=0)).label("paid"),
            sa.func.sum(sa.case((Referral.fee_direction == "received", fee), else_=0)).label(
                "received"
            ),
        )
        .where(Referral.status == "closed", Referral.fee_direction.is_not(None))
        .where(closed_day.between(start, end))
        .group_by(Referral.partner_id)
        .subquery()
    )
    reciprocity = (
        sa.select(
            Referral.partner_id,
            sa.func.sum(sa.case((Referral.direction == "sent", 1), else_=0)).label("sent"),
            sa.func.sum(sa.case((Referral.direction == "received", 1), else_=0)).label("received"),
        )
        .where(Referral.referred_on.between(start, end))
        .group_by(Referral.partner_id)
        .subquery()
    )
    logged_minutes = sa.func.coalesce(
        Interaction.minutes, sa.case(DEFAULT_MINUTES, value=Interaction.kind, else_=0)
    )
    timed = sa.case((Interaction.kind.in_(DEFAULT_MINUTES), logged_minutes), else_=0)
    interactions = (
        sa.select(
            Interaction.partner_id,
            sa.func.sum(timed).label("minutes"),
            sa.func.sum(Interaction.amount_spent).label("spent"),
        )
        .where(Interaction.at >= start_at, Interaction.at < end_at)
        .where(sa.or_(Interaction.kind.in_(DEFAULT_MINUTES), Interaction.amount_spent.is_not(None)))
        .group_by(Interaction.partner_id)
        .subquery()
    )
    # A held session that the agent also logged as a planning-session
    # interaction that day is one meeting: its time counts once (as logged).
    logged_too = (
        sa.select(Interaction.id)
        .where(
            Interaction.partner_id == PlanningSession.partner_id,
            Interaction.kind == "planning_session",
            sa.func.date(Interaction.at) == sa.func.date(PlanningSession.starts_at),
        )
        .exists()
    )
    sessions = (
        sa.select(PlanningSession.partner_id, sa.func.sum(PlanningSession.minutes).label("minutes"))
        .where(PlanningSession.status == "held", PlanningSession.starts_at >= start_at)
        .where(PlanningSession.starts_at < end_at, ~logged_too)
        .group_by(PlanningSession.partner_id)
        .subquery()
    )
    # The page lists the partners in the book; one partner asked for by name (its
    # report) is counted archived or not, as its sessions and leads are.
    query = (
        partners_seen(user, agent, include_archived=partner is not None)
        .with_only_columns(
            Partner.id,
            Partner.name,
            Partner.tier,
            User.name,
            commission.c.commission,
            commission.c.closed,
            interactions.c.minutes,
            sessions.c.minutes,
            reciprocity.c.sent,
            reciprocity.c.received,
            interactions.c.spent,
            fees.c.paid,
            fees.c.received,
            Partner.owner_id,
        )
        .join(User, User.id == Partner.owner_id)
        .outerjoin(commission, commission.c.partner_id == Partner.id)
        .outerjoin(reciprocity, reciprocity.c.partner_id == Partner.id)
        .outerjoin(interactions, interactions.c.partner_id == Partner.id)
        .outerjoin(sessions, sessions.c.partner_id == Partner.id)
        .outerjoin(fees, fees.c.partner_id == Partner.id)
        .order_by(Partner.name, Partner.id)
    )
    if partner is not None:
        query = query.where(Partner.id == partner.id)
    return [
        PartnerROI(
            id=row[0],
            name=row[1],
            tier=row[2],
            owner=row[3],
            commission=money(row[4]),
            closed=row[5] or 0,
            minutes=int(row[6] or 0) + int(row[7] or 0),
            sent=int(row[8] or 0),
            received=int(row[9] or 0),
            spent=money(row[10]),
            fees_paid=money(row[11]),
            fees_received=money(row[12]),
            owner_id=row[13],
        )
        for row in db.session.execute(query)
    ]


def per_agent(rows: list[PartnerROI]) -> list[AgentROI]:
    """The partners' rows added up by their owner (no query: the rows hold it all)."""
    agents: dict[int, AgentROI] = {}
    for row in rows:
        total = agents.setdefault(
            row.owner_id,
            AgentROI(row.owner_id, row.owner, "", row.owner, Decimal("0.00"), 0, 0, 0, 0),
        )
        total.partners += 1
        total.commission += row.commission
        total.closed += row.closed
        total.minutes += row.minutes
        total.sent += row.sent
        total.received += row.received
        total.spent += row.spent
        total.fees_paid += row.fees_paid
        total.fees_received += row.fees_received
    return list(agents.values())


def _or_lowest(value: Decimal | None) -> Decimal:
    """A figure that cannot be worked out sorts below every one that can."""
    return value if value is not None else Decimal("-Infinity")


ROI_SORTS = {
    "name": lambda row: row.name.lower(),
    "commission": lambda row: row.commission,
    "spent": lambda row: row.spent,
    "hours": lambda row: row.minutes,
    "net": lambda row: row.net,
    "cost_per_closed": lambda row: _or_lowest(row.cost_per_closed),
    "per_hour": lambda row: _or_lowest(row.per_hour),
    "sent": lambda row: row.sent,
    "received": lambda row: row.received,
}


def sort_roi(rows: list[PartnerROI], sort: str, descending: bool) -> list[PartnerROI]:
    """Sort by a column; ties by name. A figure that cannot be worked out ($/hour
    with no time logged, cost per closed referral with none closed) counts as
    the lowest: last from high to low, first from low to high."""
    rows = sorted(rows, key=ROI_SORTS["name"])
    return sorted(rows, key=ROI_SORTS[sort], reverse=descending)


def yearly_cost_of_committed(
    user: User, per_side: Decimal, today: date, agent: User | None = None
) -> tuple[Decimal, int]:
    """What the committed partners (the projection's N) cost over the last 12
    months, net of fees received, and how many of them there are."""
    committed = set(
        db.session.scalars(
            partners_seen(user, agent)
            .where(Partner.commitment_made_on.is_not(None), Partner.tier != "cease")
            .with_only_columns(Partner.id)
        )
    )
    rows = roi(user, per_side, today, agent)
    cost = sum(
        (row.cost - row.fees_received for row in rows if row.id in committed), Decimal("0.00")
    )
    return cost, len(committed)


def committed_partners(user: User, agent: User | None = None) -> int:
    """How many visible partners have made a commitment (seed 003's N)."""
    return db.session.scalar(
        partners_seen(user, agent)
        .where(Partner.commitment_made_on.is_not(None), Partner.tier != "cease")
        .with_only_columns(sa.func.count(Partner.id))
    )


# --- charts ------------------------------------------------------------------------

# The charts' series, as their legends and tables name them.
SERIES_LABELS = {**REFERRAL_DIRECTIONS, **TIERS}


def last_months(today: date, count: int = 12) -> list[str]:
    """'YYYY-MM' of the `count` months ending with this one, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def referrals_per_month(scope: sa.Select, months: list[str]) -> dict[str, dict[str, int]]:
    """{'2026-03': {'received': 2, 'sent': 1}, ...} for the given months."""
    bucket = year_month(Referral.referred_on)
    first_day = date.fromisoformat(months[0] + "-01")
    rows = db.session.execute(
        sa.select(bucket, Referral.direction, sa.func.count())
        .where(Referral.partner_id.in_(scope), Referral.referred_on >= first_day)
        .group_by(bucket, Referral.direction)
    )
    series = {month: {"received": 0, "sent": 0} for month in months}
    for month, direction, number in rows:
        if month in series and direction in series[month]:
            series[month][direction] = number
    return series


def top_partners(
    user: User, per_side: Decimal, today: date, agent: User | None = None, limit: int = 10
) -> list[PartnerROI]:
    """The partners whose received referrals closed the most commission in 12 months."""
    rows = [row for row in roi(user, per_side, today, agent) if row.commission > 0]
    return sort_roi(rows, "commission", descending=True)[:limit]


def month_end(month: str) -> datetime:
    """The first moment after the month ('2026-03' -> 2026-04-01 00:00)."""
    year, number = (int(part) for part in month.split("-"))
    year, number = (year, number + 1) if number < 12 else (year + 1, 1)
    return datetime(year, number, 1)


def tier_distribution(
    user: User, months: list[str], agent: User | None = None
) -> dict[str, dict[str, int]]:
    """How many partners were in each tier at the end of each month.

    Replayed backwards from today's tiers: a partner's tier at a moment is the
    `before` tier of its first tier change after that moment (AuditEvent kind
    "tier_change", before/after {"tier": ...}), or its current tier when it
    has not changed since. Partners count from their creation until they
    were archived. Two queries, whatever the number of partners.
    """
    from ..models import AuditEvent

    partners = db.session.execute(
        partners_seen(user, agent, include_archived=True).with_only_columns(
            Partner.id, Partner.tier, Partner.created_at, Partner.archived_at
        )
    ).all()
    changes: dict[int, list[tuple[datetime, str]]] = {}
    events = db.session.execute(
        sa.select(AuditEvent.partner_id, AuditEvent.at, AuditEvent.before)
        .where(AuditEvent.kind == "tier_change", AuditEvent.team_id == user.team_id)
        .where(AuditEvent.partner_id.in_(partner_scope(user, agent)))
        .where(AuditEvent.at >= month_end(months[0]))
        .order_by(AuditEvent.at)
    )
    for partner_id, at, before in events:
        tier = (before or {}).get("tier")
        if tier:
            changes.setdefault(partner_id, []).append((at, tier))
    distribution = {}
    for month in months:
        moment = month_end(month)
        counts = dict.fromkeys(("maintain", "cultivate", "cease"), 0)
        for partner_id, tier, created_at, archived_at in partners:
            if created_at >= moment or (archived_at is not None and archived_at < moment):
                continue
            later = [before for at, before in changes.get(partner_id, []) if at >= moment]
            tier = later[0] if later else tier
            if tier in counts:
                counts[tier] += 1
        distribution[month] = counts
    return distribution
