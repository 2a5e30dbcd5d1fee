"""The newest features in the simulated year, as a team would use them.

- money: agents log lunches, coffees and gifts with the amount spent, and
  some referrals close with a commission and a referral fee;
- the ledger of things of value: the admin sets the team's yearly limit per
  partner; a lunch that would pass it is warned of (nothing saved) and saved
  only when confirmed, or dropped;
- a team rule: the manager writes "lenders in Maintain with no live contact in
  14 days: call" on the Rules page, and later switches it off;
- the quarterly partner report: Sam's partners agree to it from its preview;
  one unsubscribes through the link of the first report.

`Features` is mixed into `Simulation` (tests/simulation.py); it keeps the
simulation's own record of what was spent, earned and sent, which the
`check_*` invariants compare with what the pages show.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import sqlalchemy as sa

from rules.vocabulary import LIVE_CONTACT_KINDS
from tests.helpers import lender_rule_form
from webapp import clock
from webapp.extensions import db
from webapp.models import Interaction, LedgerEntry, Partner, Recommendation, Team, TeamRule

VALUE_LIMIT = Decimal("200.00")  # a partner's things of value in a team year (home team)
TEAM_RULE = "team:lender-call"
TEAM_RULE_DAYS = 14
TEAM_RULE_FORM = lender_rule_form(
    name="Lenders in Maintain: call",
    slug="lender-call",
    action="call",
    **{"conditions-2-value": str(TEAM_RULE_DAYS)},
)
REPORT_SUBJECT = re.compile(r"Our partnership this quarter: Q(\d) (\d{4})")
AMOUNT = re.compile(r"(−?)[^\d−]*([\d,]+(?:\.\d+)?)")
ROI_ROW = re.compile(r'<tr id="roi-partner-(\d+)"[^>]*>(.*?)</tr>', re.S)
RUNNING = re.compile(r'data-label="Total of the year">([^<]*)<')
FIGURES = ("commission", "spent", "fees_paid", "fees_received")


def amount(text: str) -> Decimal:
    """'$1,060.50' → 1060.50; '−$60' → −60."""
    match = AMOUNT.search(text)
    assert match, f"no amount in {text!r}"
    value = Decimal(match.group(2).replace(",", ""))
    return -value if match.group(1) else value


@dataclass
class MoneyRecord:
    """What the simulation logged, by (partner id, team-local year)."""

    spent: Counter = field(default_factory=Counter)
    commission: Counter = field(default_factory=Counter)
    fees_paid: Counter = field(default_factory=Counter)
    fees_received: Counter = field(default_factory=Counter)

    def figures(self, partner_id: int, year: int) -> tuple[Decimal, ...]:
        return tuple(Decimal(getattr(self, name)[partner_id, year]) for name in FIGURES)


def quarter_key(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


class Features:
    """What people do with the newest features; mixed into `Simulation`."""

    def begin_features(self) -> None:
        """After `begin`: what the teams started with (the demo's own lunches and
        commissions), the partners who agree to the quarterly report."""
        self.money = MoneyRecord()
        self.value_limits: dict[int, Decimal] = {}
        self.team_rule_id: int | None = None
        self.team_rule_on = False
        self.team_rule_peak = 0  # the most partners holding it on one day
        self.report_partners: dict[str, int] = {}  # email → partner id
        self.unsubscribed: dict[str, date] = {}  # email → the day they stopped
        self.reports: dict[tuple[str, str], list] = defaultdict(list)  # (email, quarter)
        self.money_partners: dict[int, set[int]] = defaultdict(set)  # team → partners given
        years = range(self.start.year, self.start.year + 3)
        with self.app.app_context():
            base: Counter = Counter()
            for partner_id, day, total in db.session.execute(
                sa.select(LedgerEntry.partner_id, LedgerEntry.day, LedgerEntry.amount)
            ):
                base[partner_id, day.year] += total
            self.value_base = base
            db.session.remove()
        self.roi_base = {
            (manager, year): roi_figures(
                self, manager, f"period=custom&start={year}-01-01&end={year}-12-31"
            )
            for manager in ("manager", "olivia@thames")
            for year in years
        }
        self.agree_to_reports()

    # --- money ----------------------------------------------------------------------------
    def set_value_limit(self, day: date) -> None:
        """The admin sets the team's yearly limit per partner on the settings page."""
        self.at(day, 10, 5)
        with self.app.app_context():
            team = db.session.get(Team, self.home_id)
            data = {
                "commission_per_side": str(team.commission_per_side),
                "currency": team.currency,
                "value_limit": str(VALUE_LIMIT),
                "timezone": team.timezone,
                "planning_hours": team.planning_hours,
            }
            if team.require_two_factor:
                data["require_two_factor"] = "y"
            db.session.remove()
        self.post("admin", "/admin/settings", data)
        self.value_limits[self.home_id] = VALUE_LIMIT
        self.ledger.actions["value_limit_set"] += 1

    def spend(self, who: str, partner_id: int, kind: str, spent: Decimal, *,
              confirm: bool | None = None) -> None:  # fmt: skip
        """A lunch (coffee, gift) with what it cost. Over the team's limit the form
        must warn and save nothing; the agent then confirms it, or thinks better of it."""
        person = self.people[who]
        with self.app.app_context():
            at = clock.now(person.timezone).replace(tzinfo=None, second=0, microsecond=0)
        year = at.year
        limit = self.value_limits.get(person.team_id)
        total = self.value_base[partner_id, year] + self.money.spent[partner_id, year]
        over = limit is not None and total + spent > limit
        extra = {"amount_spent": str(spent)}
        response = self.log(partner_id, who, kind, at=at, sentiment="positive", extra=extra,
                            expect=(422,) if over else (302, 303))  # fmt: skip
        if over:
            page = response.get_data(as_text=True)
            if "over the team&#39;s limit" not in page and "over the team's limit" not in page:
                raise AssertionError(f"{self.day}: {kind} of {spent} over the limit: no warning")
            self.ledger.actions["over_limit_warned"] += 1
            if not (self.rng.random() < 0.5 if confirm is None else confirm):
                return  # nothing saved: the invariants find the year's total unchanged
            extra["over_limit_confirmed"] = "y"
            self.log(partner_id, who, kind, at=at, sentiment="positive", extra=extra)
            self.ledger.actions["over_limit_confirmed"] += 1
        self.money.spent[partner_id, year] += spent
        self.money_partners[person.team_id].add(partner_id)
        self.ledger.actions["spent"] += 1

    def spend_some(self, who: str, partners: list[int]) -> None:
        """Now and then a lunch, coffee or gift for one of the agent's favourite partners
        (the first three: the same ones again and again, so that the limit comes round)."""
        if self.rng.random() < 0.2:
            partner_id = self.rng.choice(partners[:3])
            kind = self.rng.choice(["lunch", "lunch", "coffee", "gift"])
            cents = self.rng.randrange(1500, 12000)
            self.spend(who, partner_id, kind, Decimal(cents) / 100)

    def referral_money(self, partner_id: int, direction: str, day: date, data: dict) -> None:
        """Some referrals are closed when logged: a commission on a received one, and
        now and then a referral fee either way (the record learns them)."""
        if self.rng.random() >= 0.4:
            return
        data.update(status="closed", closed_on=day.isoformat())
        if direction == "received":
            commission = Decimal(self.rng.randrange(30, 150) * 100)
            data["commission"] = str(commission)
            self.money.commission[partner_id, day.year] += commission
        if self.rng.random() < 0.5:
            fee_direction = self.rng.choice(["paid", "received"])
            fee = Decimal(self.rng.randrange(1, 30) * 50)
            data.update(fee_direction=fee_direction, fee_amount=str(fee))
            record = self.money.fees_paid if fee_direction == "paid" else self.money.fees_received
            record[partner_id, day.year] += fee
        self.ledger.actions["referral_closed"] += 1

    def new_years_eve(self, day: date) -> None:
        """23:30 in New York on 31 Dec (04:30 on 1 Jan in UTC): Sam logs a gift. It is
        the old year's, on the ROI page and in the ledger."""
        if (day.month, day.day) != (12, 31):
            return
        self.at(day, 23, 30)
        partner_id = self.partners_of("agent")[0]
        self.spend("agent", partner_id, "gift", Decimal("45.50"), confirm=True)
        self.new_years_gift = (partner_id, day.year)

    # --- the team rule --------------------------------------------------------------------
    def write_team_rule(self, day: date) -> None:
        self.at(day, 11, 40)
        self.post("manager", "/rules/team/new", TEAM_RULE_FORM)
        with self.app.app_context():
            self.team_rule_id = db.session.scalar(
                sa.select(TeamRule.id).where(
                    TeamRule.team_id == self.home_id, TeamRule.slug == TEAM_RULE_FORM["slug"]
                )
            )
            db.session.remove()
        self.team_rule_on = True
        self.ledger.actions["team_rule_written"] += 1

    def switch_off_team_rule(self, day: date) -> None:
        self.at(day, 11, 45)
        self.post("manager", f"/rules/team/{self.team_rule_id}/switch", {})
        self.team_rule_on = False
        self.ledger.actions["team_rule_off"] += 1

    # --- the quarterly report -------------------------------------------------------------
    def agree_to_reports(self) -> None:
        """Three of Sam's partners with an email address agree to the quarterly report,
        given from its preview."""
        self.at(self.start, 10, 30)
        with self.app.app_context():
            partners = db.session.execute(
                sa.select(Partner.id, Partner.email)
                .where(
                    Partner.owner_id == self.people["agent"].id,
                    Partner.email.is_not(None),
                    Partner.do_not_contact.is_(False),
                    Partner.archived_at.is_(None),
                )
                .order_by(Partner.id)
                .limit(3)
            ).all()
            db.session.remove()
        assert len(partners) == 3, "Sam has not three partners with an email address"
        for partner_id, email in partners:
            assert self.get("agent", f"/partners/{partner_id}/report").status_code == 200
            self.post("agent", f"/partners/{partner_id}/report", {"sends_quarterly_report": "y"})
            self.report_partners[email.lower()] = partner_id

    def received_reports(self, received: list) -> list:
        """Keeps the quarterly reports of a run of the jobs; returns the other emails."""
        others = []
        for recipients, message in received:
            match = REPORT_SUBJECT.match(message["Subject"] or "")
            if match is None:
                others.append((recipients, message))
                continue
            for address in recipients:
                self.reports[address.lower(), f"{match[2]}Q{match[1]}"].append(message)
        return others

    def unsubscribe_one(self, day: date) -> None:
        """The last partner to agree stops the reports with the first report's link."""
        email = list(self.report_partners)[-1]
        if email in self.unsubscribed:
            return
        messages = [m for (to, _), ms in self.reports.items() if to == email for m in ms]
        if not messages:
            return
        link = messages[0]["List-Unsubscribe"].strip("<>")
        anyone = self.app.test_client()
        with self.app.app_context():
            response = anyone.post(urlsplit(link).path)
        assert response.status_code == 200, f"{day}: unsubscribe answered {response.status_code}"
        self.unsubscribed[email] = day
        self.ledger.actions["report_unsubscribed"] += 1


# --- the invariants ---------------------------------------------------------------------------


def roi_figures(sim, manager: str, query: str) -> dict[int, tuple[Decimal, ...]]:
    """The ROI page's commission, money spent, fees paid and received, per partner."""
    page = sim.get(manager, f"/referrals/roi?{query}").get_data(as_text=True)
    figures = {}
    for partner_id, row in ROI_ROW.findall(page):
        cells = dict(re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row, re.S))
        fees = cells["Fees"]
        paid = re.search(r"−([^ <]+) paid", fees)
        received = re.search(r"\+([^ <]+) received", fees)
        figures[int(partner_id)] = (
            amount(cells["Commission"].split("<")[0]),
            amount(cells["Money spent"]),
            amount(paid[1]) if paid else Decimal(0),
            amount(received[1]) if received else Decimal(0),
        )
    return figures


def check_roi(sim, day: date, manager: str, period: str = "this_year") -> None:
    """The manager's ROI page for the team's year (this one, or the last) shows, per
    partner, what the team started with plus what the simulation logged in that
    team-local year: commission, money spent, fees paid, fees received."""
    year = day.year if period == "this_year" else day.year - 1
    shown = roi_figures(sim, manager, f"period={period}")
    base = sim.roi_base.get((manager, year), {})
    zero = (Decimal(0),) * len(FIGURES)
    wrong = []
    for partner_id, figures in shown.items():
        logged = sim.money.figures(partner_id, year)
        expected = tuple(b + n for b, n in zip(base.get(partner_id, zero), logged, strict=True))
        if figures != expected:
            wrong.append(f"partner {partner_id}: shows {figures}, expected {expected} "
                         f"({', '.join(FIGURES)})")  # fmt: skip
    team_id = sim.people[manager].team_id
    missing = sim.money_partners[team_id] - set(shown)
    assert not missing, f"{day}: the ROI page misses partners given things: {missing}"
    assert not wrong, f"{day}: {manager}'s ROI ({period}) differs from what was logged:\n" + (
        "\n".join(wrong)
    )


def check_value_ledger(sim, team_id: int, day: date) -> None:
    """Each partner's ledger total of the team's year is what it started with plus
    the amounts logged (and saved) that team-local year: none on 1 Jan."""
    year = day.year
    with sim.app.app_context():
        totals = dict(
            db.session.execute(
                sa.select(LedgerEntry.partner_id, sa.func.sum(LedgerEntry.amount))
                .where(LedgerEntry.team_id == team_id)
                .where(LedgerEntry.day >= date(year, 1, 1), LedgerEntry.day <= date(year, 12, 31))
                .group_by(LedgerEntry.partner_id)
            ).all()
        )
        partners = db.session.scalars(sa.select(Partner.id).where(Partner.team_id == team_id))
        wrong = []
        for partner_id in partners:
            stored = Decimal(totals.get(partner_id) or 0)
            expected = sim.value_base[partner_id, year] + sim.money.spent[partner_id, year]
            if stored != expected:
                wrong.append(f"partner {partner_id}: {stored} in {year}, logged {expected}")
        db.session.remove()
    assert not wrong, f"{day}: the ledger of things of value differs:\n" + "\n".join(wrong)


def check_ledger_page(sim, who: str, partner_id: int, year: int, day: date) -> None:
    """The partner's ledger page of `year` ends on the year's total logged."""
    page = sim.get(who, f"/partners/{partner_id}/things-of-value?year={year}")
    running = RUNNING.findall(page.get_data(as_text=True))
    shown = amount(running[-1]) if running else Decimal(0)
    expected = sim.value_base[partner_id, year] + sim.money.spent[partner_id, year]
    assert shown == expected, (
        f"{day}: partner {partner_id}'s things of value in {year}: page {shown}, logged {expected}"
    )


def matching_team_rule(team_id: int, day: date) -> set[int]:
    """The partners the team rule's conditions hold for, computed here from the
    interactions: lenders in Maintain whose last live contact (connected) was
    TEAM_RULE_DAYS or more days ago, or never."""
    last = (
        sa.select(Interaction.partner_id, sa.func.max(Interaction.at).label("at"))
        .where(Interaction.kind.in_(LIVE_CONTACT_KINDS), Interaction.outcome == "connected")
        .where(Interaction.at < datetime.combine(day + timedelta(days=1), datetime.min.time()))
        .group_by(Interaction.partner_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Partner.id, last.c.at)
        .outerjoin(last, last.c.partner_id == Partner.id)
        .where(Partner.team_id == team_id, Partner.archived_at.is_(None))
        .where(Partner.profession == "lender", Partner.tier == "maintain")
    ).all()

    def days_ago(at) -> int:
        at = datetime.fromisoformat(at) if isinstance(at, str) else at
        return (day - at.date()).days

    return {pid for pid, at in rows if at is None or days_ago(at) >= TEAM_RULE_DAYS}


def check_team_rule(sim, day: date) -> None:
    """While the team rule is on, the partners holding its live recommendation are
    among those its conditions hold for (computed here), and every one of those has
    it (live, or done or dismissed by its agent), unless nothing may be recommended
    for them (do not contact, disengaging); once off, nobody holds it."""
    with sim.app.app_context():
        rows = db.session.execute(
            sa.select(Recommendation.partner_id, Recommendation.status).where(
                Recommendation.team_id == sim.home_id, Recommendation.rule == TEAM_RULE
            )
        ).all()
        holders = {pid for pid, status in rows if status in ("open", "snoozed")}
        if not sim.team_rule_on:
            db.session.remove()
            assert not holders, f"{day}: the team rule is off, yet {sorted(holders)} hold it"
            return
        matching = matching_team_rule(sim.home_id, day)
        silenced = set(
            db.session.scalars(
                sa.select(Partner.id).where(
                    Partner.team_id == sim.home_id,
                    sa.or_(
                        Partner.do_not_contact.is_(True),
                        Partner.id.in_(
                            sa.select(Recommendation.partner_id).where(
                                Recommendation.rule == "disengage",
                                Recommendation.status.in_(("open", "snoozed")),
                            )
                        ),
                    ),
                )
            )
        )
        db.session.remove()
    wrong = holders - matching
    assert not wrong, f"{day}: partners {sorted(wrong)} hold {TEAM_RULE} but do not match it"
    missing = matching - {pid for pid, _ in rows} - silenced
    assert not missing, f"{day}: partners {sorted(missing)} match {TEAM_RULE} but lack it"
    sim.team_rule_peak = max(sim.team_rule_peak, len(holders))


def check_reports(sim, day: date) -> None:
    """Each partner who agreed gets exactly one report of each quarter that ended
    since they agreed, from the first day of the next quarter on; never two; one
    who unsubscribed gets none of the quarters that end after; nobody else any."""
    strangers = {to for to, _ in sim.reports} - set(sim.report_partners)
    assert not strangers, f"{day}: quarterly reports to partners who never agreed: {strangers}"
    twice = {key: len(ms) for key, ms in sim.reports.items() if len(ms) > 1}
    assert not twice, f"{day}: quarterly reports sent twice: {twice}"
    quarters, first = [], quarter_start(sim.start)
    while True:  # the quarters that ended since the run began, by the first day after
        following = quarter_start(first + timedelta(days=92))
        if following > day:
            break
        quarters.append((quarter_key(first), following))
        first = following
    for email in sim.report_partners:
        for quarter, sent_from in quarters:
            stopped = sim.unsubscribed.get(email)
            wanted = 0 if stopped and stopped < sent_from else 1
            got = len(sim.reports[email, quarter])
            assert got == wanted, f"{day}: {email} got {got} reports of {quarter}, not {wanted}"
