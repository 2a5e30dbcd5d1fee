"""What goes wrong in a fragment is said on the page: a refused action's message,
or that the server could not be reached, in the alert region (role="alert") that
screen readers announce. Each flow runs at phone and desktop width."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import assert_not_reloaded, mark_page
from webapp.extensions import db
from webapp.models import Partner, Referral, Team

CLIENT = "Al Seller"  # a new referral of seed.PROMOTABLE's


def status_of(served_app, viewport: str) -> str:
    with served_app.app_context():
        status = db.session.scalar(
            sa.select(Referral.status)
            .join(Partner, Referral.partner_id == Partner.id)
            .join(Team, Partner.team_id == Team.id)
            .where(Referral.client == CLIENT, Team.name.contains(f"({viewport})"))
        )
        db.session.remove()
        return status


def test_a_refused_status_change_says_why_and_changes_nothing(page, user, served_app):
    user.log_in_as("agent")
    user.open_partner(seed.PROMOTABLE)
    before = status_of(served_app, user.viewport)
    select = page.get_by_label(f"Status of {CLIENT}")
    mark_page(page)
    # Only a tampered page sends a status the select does not offer.
    select.evaluate("select => select.add(new Option('Lost and found', 'lost-and-found'))")
    select.select_option("lost-and-found")

    alert = page.get_by_role("alert").filter(has_text="Not a referral status")
    expect(alert).to_be_visible()
    expect(alert).to_be_in_viewport()  # wherever the page was scrolled
    expect(alert).to_contain_text("Nothing was changed.")
    assert_not_reloaded(page)
    assert status_of(served_app, user.viewport) == before

    alert.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#page-alert")).to_be_empty()


def test_a_server_that_cannot_be_reached_is_said(page, user):
    user.log_in_as("agent")
    user.open_partner(seed.PROMOTABLE)
    mark_page(page)
    page.route(re.compile(r"/logbook/referrals/\d+/status$"), lambda route: route.abort())
    page.get_by_label(f"Status of {CLIENT}").select_option("active")

    alert = page.get_by_role("alert").filter(has_text="could not be reached")
    expect(alert).to_be_visible()
    expect(alert).to_be_in_viewport()
    assert_not_reloaded(page)
    # The failed request is logged by the browser and by htmx: expected here.
    page.console_errors[:] = [
        error
        for error in page.console_errors
        if not re.search(r"^htmx:(afterRequest|sendError), |net::ERR_FAILED", error)
    ]
