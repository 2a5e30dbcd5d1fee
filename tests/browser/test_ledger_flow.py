"""The yearly limit of things of value (RESPA Section 8 records), in a real Chromium.

The team's limit per partner is $1,000 and a partner was given a $1,000 gift
this year (both written in the served database, the gift with its ledger line as
the logbook writes it). The agent logs a $60 lunch from the partner page with
the keyboard: before anything is saved, the warning is said beside the amount
(the field has the focus and is described by it) with the control that confirms
it; once confirmed, one lunch is stored, the partner page marks the partner over
the limit and the "Things of value" page lists the lunch with the year's total.
"""

import re
from datetime import datetime, time
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
    needs,
    open_log_form,
    tab_to,
)
from webapp import clock
from webapp.extensions import db
from webapp.ledger import record
from webapp.models import Interaction, LedgerEntry, Partner, User

pytestmark = needs("ledger.partner_ledger")

# Kept apart from every other flow's partners: nobody else gives them anything.
GIVEN_TO = "Lola Limitless"
LIMIT = Decimal("1000.00")
GIFT = Decimal("1000.00")


@pytest.fixture
def at_the_limit(served_app, page) -> int:
    """The agent's partner already given the team's limit this year: the team's
    limit set, and a $1,000 gift today (the team's day) with its ledger line. Its id."""
    with served_app.app_context():
        sam = db.session.scalar(
            sa.select(User).where(User.email == seed.email("agent", page.viewport_name))
        )
        team = sam.team
        team.value_limit = LIMIT
        today = clock.today(team.timezone)
        partner = Partner(
            team_id=team.id,
            owner_id=sam.id,
            name=GIVEN_TO,
            company="Limitless Title",
            profession="title_escrow",
            met_on=today,
        )
        db.session.add(partner)
        db.session.flush()
        gift = Interaction(
            partner_id=partner.id,
            user_id=sam.id,
            # Midnight of the team's today: this year, and never in the future.
            at=datetime.combine(today, time(0, 0)),
            kind="gift",
            direction="outbound",
            outcome="connected",
            sentiment="positive",
            amount_spent=GIFT,
        )
        record.given(partner, gift, sam)
        db.session.add(gift)
        db.session.commit()
        partner_id = partner.id
        db.session.remove()
    return partner_id


def stored(served_app, partner_id: int) -> tuple[list[tuple[str, Decimal]], list[LedgerEntry]]:
    """The partner's interactions (kind, amount) and ledger lines, as the database holds them."""
    with served_app.app_context():
        interactions = [
            (each.kind, each.amount_spent)
            for each in db.session.scalars(
                sa.select(Interaction)
                .where(Interaction.partner_id == partner_id)
                .order_by(Interaction.id)
            )
        ]
        lines = list(
            db.session.scalars(
                sa.select(LedgerEntry)
                .where(LedgerEntry.partner_id == partner_id)
                .order_by(LedgerEntry.id)
            )
        )
        db.session.expunge_all()
        db.session.remove()
    return interactions, lines


def stored_year(served_app, partner_id: int) -> int:
    """The team's year the lunch was given in: its ledger line's."""
    return stored(served_app, partner_id)[1][-1].day.year


def test_a_lunch_over_the_limit_is_warned_of_before_it_is_saved(
    page, user, served_app, at_the_limit
):
    partner_id = at_the_limit
    assert stored(served_app, partner_id)[0] == [("gift", GIFT)]
    user.log_in_as("agent")
    user.open_partner(GIVEN_TO)
    # At the limit already: marked so, though not over it.
    expect(page.locator("#panel-things_of_value")).to_contain_text("At the yearly limit")

    form = open_log_form(page, "Log an interaction")
    mark_page(page)
    form.get_by_label("What", exact=True).select_option(label="Lunch")
    amount = form.get_by_label("Amount spent", exact=True)
    tab_to(page, amount)
    page.keyboard.type("60")
    page.keyboard.press("Enter")

    # The warning, beside the amount, before anything is saved.
    form = page.locator("#log-interaction")
    warning = re.compile(
        rf"This brings {GIVEN_TO} to \$1,060 this year, over the team's limit of \$1,000\."
    )
    amount = form.get_by_label("Amount spent", exact=True)
    expect(amount).to_have_attribute("aria-invalid", "true")
    # Said to a screen reader: the field has the focus and is described by the warning.
    expect(amount).to_be_focused()
    expect(amount).to_have_accessible_description(warning)
    described = page.locator(f"#{amount.get_attribute('aria-describedby')}")
    expect(described).to_have_text(warning)
    expect(described).to_be_visible()
    expect(amount).to_have_value("60")
    confirm = form.get_by_label("Save it anyway: I know it passes the limit", exact=True)
    expect(confirm).to_be_visible()
    expect(confirm).not_to_be_checked()
    assert_not_reloaded(page)
    assert_every_control_is_labelled(page)
    assert_fits_the_screen(page)
    interactions, lines = stored(served_app, partner_id)
    assert interactions == [("gift", GIFT)], "the warned lunch was saved before it was confirmed"
    assert [line.amount for line in lines] == [GIFT]

    # Confirmed with the keyboard, and saved.
    tab_to(page, confirm)
    page.keyboard.press("Space")
    expect(confirm).to_be_checked()
    tab_to(page, form.get_by_role("button", name="Log it"))
    page.keyboard.press("Enter")
    expect(page.locator("#log-interaction-status")).to_have_text("Lunch logged.")
    assert_not_reloaded(page)
    interactions, lines = stored(served_app, partner_id)
    assert interactions == [("gift", GIFT), ("lunch", Decimal("60.00"))]
    assert [(line.given, line.amount, line.over_limit) for line in lines] == [
        ("gift", GIFT, False),
        ("lunch", Decimal("60.00"), True),
    ]
    # The form is fresh: no warning, no confirmation left over for the next log.
    expect(page.locator("#log-interaction").get_by_label("Amount spent")).to_have_value("")
    expect(page.get_by_label("Save it anyway: I know it passes the limit")).to_have_count(0)
    panel = page.locator("#panel-things_of_value")
    expect(panel).to_contain_text("$1,060.00 of the team's limit of $1,000.00")
    expect(panel).to_contain_text("Over the yearly limit")
    assert_fits_the_screen(page)  # (it opens every <details>, the main menu's too)

    # The partner page, loaded again: the mark beside the partner's name.
    page.reload()
    year = stored_year(served_app, partner_id)
    mark = page.get_by_role("link", name=f"Over the limit for things of value in {year}")
    expect(mark).to_be_visible()

    mark.click()
    expect(
        page.get_by_role("heading", name=f"Things of value given to {GIVEN_TO} in {year}")
    ).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    gift = rows.nth(0).locator("td")
    expect(gift.nth(2)).to_have_text("Gift")
    expect(gift.nth(3)).to_have_text("$1,000.00")
    expect(gift.nth(4)).to_have_text("$1,000.00")
    expect(gift.nth(1)).not_to_contain_text("Over the limit")
    lunch = rows.nth(1)
    expect(lunch.locator("td").nth(1)).to_contain_text("Over the limit, confirmed")
    expect(lunch.locator("td").nth(2)).to_have_text("Lunch")
    expect(lunch.locator("td").nth(3)).to_have_text("$60.00")
    expect(lunch.locator("td").nth(4)).to_have_text("$1,060.00")
    expect(page.get_by_text("Over the yearly limit")).to_be_visible()
    assert_fits_the_screen(page)
