"""What a partnership is worth, in a real Chromium: ledger, ROI, projection and charts.

The ROI agent's book (tests/browser/seed.py, `roi_book`) is read back from the
served database, and every number the pages should show is worked out here
from its rows by the definitions the pages state, never copied from them.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import (
    assert_every_control_is_labelled,
    assert_fits_the_screen,
    assert_not_reloaded,
    mark_page,
    tab_to,
)
from webapp import clock
from webapp.extensions import db
from webapp.models import Interaction, Partner, PlanningSession, Referral, User

# The minutes a kind of interaction stands for when none were logged, as the
# ROI page explains them ("How these numbers are worked out").
DEFAULT_MINUTES = {"coffee": 60, "lunch": 90, "meeting": 60, "event": 120, "planning_session": 20}


def dollars(value) -> str:
    return f"${value:,.0f}"


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@dataclass
class Book:
    """The ROI agent's team and partners, as the database holds them."""

    today: date
    per_side: Decimal
    partners: dict[str, Partner]
    referrals: dict[str, list[Referral]]
    interactions: dict[str, list[Interaction]]
    sessions: dict[str, list[PlanningSession]]
    agent_name: str

    @property
    def since(self) -> date:
        """The first day of "the last 12 months": the 365 days ending today."""
        return self.today - timedelta(days=364)

    def in_window(self, day: date) -> bool:
        return self.since <= day <= self.today

    def commission(self, referral: Referral) -> Decimal:
        return referral.commission if referral.commission is not None else self.per_side

    def received_closed(self, name: str, *, window: bool) -> list[Referral]:
        return [
            referral
            for referral in self.referrals[name]
            if referral.direction == "received"
            and referral.status == "closed"
            and (not window or self.in_window(referral.closed_on or referral.referred_on))
        ]

    def minutes(self, name: str) -> int:
        logged = sum(
            interaction.minutes
            if interaction.minutes is not None
            else DEFAULT_MINUTES[interaction.kind]
            for interaction in self.interactions[name]
            if interaction.kind in DEFAULT_MINUTES and self.in_window(interaction.at.date())
        )
        held = sum(
            session.minutes
            for session in self.sessions[name]
            if session.status == "held" and self.in_window(session.starts_at.date())
        )
        return logged + held

    def dated_in_window(self, name: str, direction: str) -> int:
        return sum(
            referral.direction == direction and self.in_window(referral.referred_on)
            for referral in self.referrals[name]
        )


@pytest.fixture
def book(served_app, page) -> Book:
    with served_app.app_context():
        agent = db.session.scalar(
            sa.select(User).where(User.email == seed.email("roi_agent", page.viewport_name))
        )
        partners = {
            partner.name: partner
            for partner in db.session.scalars(
                sa.select(Partner).where(Partner.owner_id == agent.id)
            )
        }

        def rows(model):
            return {
                name: list(db.session.scalars(sa.select(model).where(model.partner_id == p.id)))
                for name, p in partners.items()
            }

        found = Book(
            today=clock.today(agent.team.timezone),
            per_side=agent.team.commission_per_side,
            partners=partners,
            referrals=rows(Referral),
            interactions=rows(Interaction),
            sessions=rows(PlanningSession),
            agent_name=agent.name,
        )
        db.session.expunge_all()
    return found


def partner_rows(page):
    """The rows of the partners' table (the agents' table follows it)."""
    return page.locator("#roi-table tr[id^='roi-partner-']")


def roi_row(page, name: str):
    return partner_rows(page).filter(has=page.get_by_text(name, exact=True))


def cell(row, label: str):
    return row.locator(f"td[data-label='{label}']")


def expect_roi_of_the_earner(page, book: Book) -> None:
    """Grace's row: the 12 months' commission, time, $ per hour, sent and received."""
    name = seed.EARNER
    closed = book.received_closed(name, window=True)
    commission = sum(book.commission(referral) for referral in closed)
    minutes = book.minutes(name)
    # Worth checking at all: closed referrals in and out of the 12 months, time logged.
    assert closed and minutes and len(closed) < len(book.received_closed(name, window=False))
    row = roi_row(page, name)
    expect(cell(row, "Commission")).to_have_text(f"{dollars(commission)} ({len(closed)} closed)")
    expect(cell(row, "Time invested")).to_have_text(duration(minutes))
    per_hour = (commission * 60 / minutes).quantize(Decimal("0.01"))
    expect(cell(row, "Per hour")).to_have_text(dollars(per_hour))
    expect(cell(row, "Sent")).to_have_text(str(book.dated_in_window(name, "sent")))
    expect(cell(row, "Received")).to_have_text(str(book.dated_in_window(name, "received")))


def test_a_partners_worth_on_their_page(page, user, book):
    """The partner page's Referrals panel: the whole history, closed or not, and its chart."""
    user.log_in_as("roi_agent")
    user.open_partner(seed.EARNER)
    panel = page.locator("#panel-ledger")
    sides = [
        [referral for referral in book.referrals[seed.EARNER] if referral.direction == direction]
        for direction in ("received", "sent")
    ]

    def expect_row(header: str, worked_out) -> None:
        """The row's Received and Sent cells: `worked_out` of each side's referrals."""
        starts = re.compile(rf"^{re.escape(header)}( |$)")
        row = panel.locator("table.ledger tr", has=page.locator("th", has_text=starts))
        expect(row.locator("td")).to_have_text([worked_out(side) for side in sides])

    def closed(side):
        return [referral for referral in side if referral.status == "closed"]

    def conversion(side):
        lost = sum(referral.status == "lost" for referral in side)
        decided = len(closed(side)) + lost
        return f"{len(closed(side)) / decided * 100:.0f}%" if decided else "—"

    def days_to_close(side):
        days = [(each.closed_on - each.referred_on).days for each in closed(side) if each.closed_on]
        return f"{sum(days) / len(days):.0f}" if days else "—"

    # Worth checking at all: closed at an amount and at the per-side figure, and one lost.
    assert {each.commission is None for each in closed(sides[0])} == {True, False}
    assert any(each.status == "lost" for each in sides[0])
    expect_row("Closed", lambda side: str(len(closed(side))))
    expect_row("Lost", lambda side: str(sum(each.status == "lost" for each in side)))
    expect_row("All referrals", lambda side: str(len(side)))
    expect_row(
        "Commission closed",
        lambda side: dollars(sum((book.commission(each) for each in closed(side)), Decimal(0))),
    )
    expect_row("Conversion", conversion)
    expect_row("Average days to close", days_to_close)

    chart = panel.get_by_role("img", name=f"Referrals with {seed.EARNER} per month")
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_name(re.compile("in each of the last 12 months"))
    assert_fits_the_screen(page)


def test_roi_per_partner_adds_up_the_last_12_months(page, user, book):
    user.log_in_as("roi_agent")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    page.get_by_role("navigation", name="Referrals and ROI").get_by_role(
        "link", name="ROI per partner"
    ).click()
    expect(page.get_by_role("heading", name="ROI per partner", level=1)).to_be_visible()
    since = f"{book.since.day} {book.since:%b %Y}"
    expect(page.get_by_text(f"partners from {since} to")).to_be_visible()
    expect_roi_of_the_earner(page, book)

    # Hector: sent three, received none, so the page says the relationship is one-sided.
    name = seed.ONE_SIDED
    sent, received = book.dated_in_window(name, "sent"), book.dated_in_window(name, "received")
    assert sent >= 3 and received == 0
    expect(cell(roi_row(page, name), "Received")).to_have_text(f"{received} One-sided")
    one_sided = sum(
        book.dated_in_window(partner, "sent") >= 3 and not book.dated_in_window(partner, "received")
        for partner in book.partners
    )
    expect(page.get_by_role("status")).to_contain_text(
        f"{one_sided} one-sided relationship{'s' if one_sided != 1 else ''}:"
    )

    # Sorting by commission, high to low, puts the biggest earner first, in place.
    assert_every_control_is_labelled(page)
    mark_page(page)
    page.get_by_label("Sort by").select_option(label="Commission")
    page.get_by_label("Order").select_option(label="High to low, Z–A")
    page.get_by_role("button", name="Sort", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=commission"))
    top = max(
        book.partners,
        key=lambda partner: sum(
            book.commission(referral) for referral in book.received_closed(partner, window=True)
        ),
    )
    expect(partner_rows(page).first).to_contain_text(top)
    assert_not_reloaded(page)
    assert_fits_the_screen(page)


def test_a_manager_narrows_roi_to_one_agent(page, user, book):
    user.log_in_as("manager")
    page.goto("/referrals/roi")
    assert_every_control_is_labelled(page)
    page.get_by_label("Whose partners").select_option(label=book.agent_name)
    page.get_by_role("button", name="Show", exact=True).click()
    expect(
        page.get_by_text(f"{book.agent_name}'s partners from {book.since.day} {book.since:%b %Y}")
    ).to_be_visible()
    listed = [name for name, partner in book.partners.items() if partner.archived_at is None]
    expect(partner_rows(page)).to_have_count(len(listed))
    expect_roi_of_the_earner(page, book)
    assert_fits_the_screen(page)


def test_the_projection_is_seed_003s_arithmetic(page, user, book):
    """N committed partners × one more closed deal a month × 12 × the commission per side."""
    user.log_in_as("roi_agent")
    page.goto("/referrals/projection")
    committed = sum(
        partner.commitment_made_on is not None
        and partner.tier != "cease"
        and partner.archived_at is None
        for partner in book.partners.values()
    )
    per_partner = 12 * book.per_side
    result = page.locator("#projection [aria-live]")
    expect(result).to_contain_text(f"{dollars(per_partner * committed)} a year")
    expect(result).to_contain_text(
        f"1 extra closed deal a month × 12 months × {dollars(book.per_side)}"
        f" = {dollars(per_partner)} per partner per year"
    )

    # Seed 003's ten partners: the total follows as the number is typed (from the
    # keyboard), without a reload.
    assert_every_control_is_labelled(page)
    mark_page(page)
    tab_to(page, page.get_by_label("Committed partners"))
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("10")
    total = per_partner * 10
    millions = f"${total / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"
    expect(result).to_contain_text(f"{dollars(total)} a year ({millions})")
    expect(result).to_contain_text("× 10 partners.")
    expect(page).to_have_url(re.compile(r"partners=10"))
    assert_not_reloaded(page)
    assert_fits_the_screen(page)


def test_charts_are_described_for_screen_readers(page, user, book):
    user.log_in_as("roi_agent")
    page.goto("/referrals/charts")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(3)
    for index in range(3):
        chart = charts.nth(index)
        expect(chart).to_have_attribute("role", "img")
        expect(chart.locator(":scope > desc")).not_to_be_empty()
        # Named by its title and its description both (aria-labelledby), so that
        # a screen reader reads the summary and where the numbers are.
        title = chart.locator(":scope > title").text_content()
        expect(chart).to_have_accessible_name(
            re.compile(rf"^{re.escape(title)} .*the numbers are in the table")
        )
    expect(page.get_by_role("img", name="Referrals received and sent per month")).to_be_visible()
    expect(
        page.get_by_role("img", name="Partners in each tier at the end of each month")
    ).to_be_visible()

    # The biggest earner's 12 months, drawn and in the table beside the chart.
    closed = book.received_closed(seed.EARNER, window=True)
    commission = dollars(sum(book.commission(referral) for referral in closed))
    top = page.get_by_role("img", name=re.compile("^Top partners by commission"))
    expect(top).to_contain_text(seed.EARNER)
    expect(top).to_contain_text(commission)
    top_table = page.locator("section", has=top).locator("table")
    expect(top_table.locator("tr", has_text=seed.EARNER).locator("td")).to_have_text(
        [str(len(closed)), commission]
    )

    # Referrals per month: the table's columns add up to the book's referrals of those months.
    # The 12 months end with this one, so they start with this month a year ago, plus one.
    first_month = date(book.today.year - (book.today.month < 12), book.today.month % 12 + 1, 1)
    monthly = page.locator("section", has=page.get_by_role("heading", name="Referrals per month"))
    assert_fits_the_screen(page)  # opens "The numbers"
    for column, direction in ((0, "received"), (1, "sent")):
        cells = monthly.locator(f"tbody tr td:nth-of-type({column + 1})")
        shown = sum(int(text) for text in cells.all_inner_texts())
        expected = sum(
            referral.direction == direction and referral.referred_on >= first_month
            for referrals in book.referrals.values()
            for referral in referrals
        )
        assert shown == expected, f"{direction}: the table shows {shown}, the book has {expected}"
