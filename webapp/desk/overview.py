"""The team at a glance: each a set-based query over the whole team, never a loop per partner."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from rules.vocabulary import LIVE_CONTACT_KINDS, TIERS

from ..charts import BarChart, bar_chart
from ..extensions import db
from ..models import (
    Interaction,
    Partner,
    PlanningSession,
    Recommendation,
    Referral,
    RuleSettings,
    User,
)

# The keep_warm and coffee thresholds (DOMAIN.md defaults); a team may tune them.
SILENCE_DEFAULTS = {"keep_warm_days": 30, "coffee_days": 21}


def silence_thresholds(team_id: int) -> dict[str, int]:
    """keep_warm_days and coffee_days from the team's settings in force, else the defaults."""
    values = db.session.scalar(
        sa.select(RuleSettings.values)
        .where(RuleSettings.team_id == team_id)
        .order_by(RuleSettings.version.desc())
        .limit(1)
    )
    thresholds = dict(SILENCE_DEFAULTS)
    for name in thresholds:
        value = (values or {}).get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            thresholds[name] = value
    return thresholds


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def last_live_contact(team_id: int, today: date):
    """Subquery (partner_id, last_live): the latest live contact on or before today.

    A live contact is a connected interaction of a live kind, or a planning
    session marked held (DOMAIN.md, Definitions).
    """
    team_partners = sa.select(Partner.id).where(Partner.team_id == team_id)
    tomorrow = day_start(today + timedelta(days=1))
    contacts = sa.union_all(
        sa.select(Interaction.partner_id.label("partner_id"), Interaction.at.label("at")).where(
            Interaction.partner_id.in_(team_partners),
            Interaction.kind.in_(sorted(LIVE_CONTACT_KINDS)),
            Interaction.outcome == "connected",
            Interaction.at < tomorrow,
        ),
        sa.select(PlanningSession.partner_id, PlanningSession.starts_at).where(
            PlanningSession.partner_id.in_(team_partners),
            PlanningSession.status == "held",
            PlanningSession.starts_at < tomorrow,
        ),
    ).subquery()
    return (
        sa.select(contacts.c.partner_id, sa.func.max(contacts.c.at).label("last_live"))
        .group_by(contacts.c.partner_id)
        .subquery()
    )


@dataclass(frozen=True)
class SlippingPartner:
    id: int
    name: str
    tier: str
    owner_id: int
    last_live: datetime | None


def slipping_partners(
    team_id: int, today: date, days: dict[str, int] | None = None
) -> list[SlippingPartner]:
    """Maintain partners past keep_warm and Cultivate partners past coffee.

    "In the last N days" is 0 to N-1 days before today, so a contact N days
    ago no longer counts.
    """
    days = days or silence_thresholds(team_id)
    live = last_live_contact(team_id, today)
    maintain_since = day_start(today - timedelta(days=days["keep_warm_days"] - 1))
    cultivate_since = day_start(today - timedelta(days=days["coffee_days"] - 1))
    met_by = today - timedelta(days=days["coffee_days"])
    # Where the meeting day is unknown, the day the partner was recorded stands in.
    met_long_enough = sa.or_(
        Partner.met_on <= met_by,
        sa.and_(Partner.met_on.is_(None), Partner.created_at < day_start(met_by + timedelta(1))),
    )
    rows = db.session.execute(
        sa.select(Partner.id, Partner.name, Partner.tier, Partner.owner_id, live.c.last_live)
        .outerjoin(live, live.c.partner_id == Partner.id)
        .where(
            Partner.team_id == team_id,
            Partner.archived_at.is_(None),
            Partner.do_not_contact.is_(False),
            sa.or_(
                sa.and_(
                    Partner.tier == "maintain",
                    sa.or_(live.c.last_live.is_(None), live.c.last_live < maintain_since),
                ),
                sa.and_(
                    Partner.tier == "cultivate",
                    met_long_enough,
                    sa.or_(live.c.last_live.is_(None), live.c.last_live < cultivate_since),
                ),
            ),
        )
        .order_by(live.c.last_live.is_not(None), live.c.last_live, Partner.name)
    )
    return [SlippingPartner(*row) for row in rows]


@dataclass
class AgentRow:
    """One agent's line of the overview."""

    user: User
    tiers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    slipping: int = 0
    open: int = 0
    overdue: int = 0
    referrals: int = 0

    @property
    def partners(self) -> int:
        return sum(self.tiers.values())


@dataclass
class TeamOverview:
    today: date
    quarter_start: date
    agents: list[AgentRow]
    slipping: list[SlippingPartner]
    thresholds: dict[str, int]

    @property
    def totals(self) -> AgentRow:
        total = AgentRow(user=None)  # type: ignore[arg-type]
        for row in self.agents:
            for tier, n in row.tiers.items():
                total.tiers[tier] += n
            total.slipping += row.slipping
            total.open += row.open
            total.overdue += row.overdue
            total.referrals += row.referrals
        return total


def _current(team_id: int) -> tuple:
    """The team's partners that count: not archived."""
    return Partner.team_id == team_id, Partner.archived_at.is_(None)


def _agents(team_id: int) -> dict[int, AgentRow]:
    """Active agents, and anyone else who owns a partner (a manager, a departed agent)."""
    owns_partners = User.id.in_(sa.select(Partner.owner_id).where(*_current(team_id)))
    users = db.session.scalars(
        sa.select(User)
        .where(User.team_id == team_id)
        .where(sa.or_(sa.and_(User.active.is_(True), User.role == "agent"), owns_partners))
        .order_by(User.name)
    )
    return {user.id: AgentRow(user) for user in users}


def _tiers_per_owner(team_id: int) -> sa.Result:
    return db.session.execute(
        sa.select(Partner.owner_id, Partner.tier, sa.func.count())
        .where(*_current(team_id))
        .group_by(Partner.owner_id, Partner.tier)
    )


def _open_work_per_owner(team_id: int, today: date) -> sa.Result:
    """(owner, open recommendations, of which overdue: due before today)."""
    return db.session.execute(
        sa.select(
            Partner.owner_id,
            sa.func.count(Recommendation.id),
            sa.func.count(sa.case((Recommendation.due < today, Recommendation.id))),
        )
        .join(Recommendation.partner)
        .where(*_current(team_id), Recommendation.team_id == team_id)
        .where(Recommendation.status == "open")
        .group_by(Partner.owner_id)
    )


def _referrals_per_owner(team_id: int, since: date, today: date) -> sa.Result:
    """Referrals received from `since` to today; a partner archived since still counts."""
    return db.session.execute(
        sa.select(Partner.owner_id, sa.func.count(Referral.id))
        .join(Referral.partner)
        .where(Partner.team_id == team_id, Referral.direction == "received")
        .where(Referral.referred_on >= since, Referral.referred_on <= today)
        .group_by(Partner.owner_id)
    )


def team_overview(team_id: int, today: date) -> TeamOverview:
    """Partners per tier, who is slipping, open/overdue recommendations and
    referrals received this quarter, per agent (the partner's owner)."""
    rows = _agents(team_id)

    def row(owner_id: int) -> AgentRow:
        return rows.setdefault(owner_id, AgentRow(db.session.get(User, owner_id)))

    for owner_id, tier, n in _tiers_per_owner(team_id):
        row(owner_id).tiers[tier] = n
    thresholds = silence_thresholds(team_id)
    slipping = slipping_partners(team_id, today, thresholds)
    for partner in slipping:
        row(partner.owner_id).slipping += 1
    for owner_id, n_open, n_overdue in _open_work_per_owner(team_id, today):
        row(owner_id).open, row(owner_id).overdue = n_open, n_overdue
    since = quarter_start(today)
    for owner_id, n in _referrals_per_owner(team_id, since, today):
        row(owner_id).referrals = n
    return TeamOverview(today, since, list(rows.values()), slipping, thresholds)


def overview_charts(overview: TeamOverview) -> dict[str, BarChart]:
    """The overview's small charts: tiers, slipping partners and referrals, per agent."""
    rows = [(row.user.name, row) for row in overview.agents]
    return {
        "tiers": bar_chart(
            "chart-tiers",
            "Partners per tier, per agent",
            [(name, list(row.tiers.items())) for name, row in rows],
            labels=TIERS,
        ),
        "slipping": bar_chart(
            "chart-slipping",
            "Partners slipping, per agent",
            [(name, [("slipping", row.slipping)]) for name, row in rows],
        ),
        "referrals": bar_chart(
            "chart-referrals",
            "Referrals received this quarter, per agent",
            [(name, [("referrals", row.referrals)]) for name, row in rows],
        ),
    }
