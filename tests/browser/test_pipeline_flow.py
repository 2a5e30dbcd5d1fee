"""The referral pipeline, in a real Chromium: an agent moves a referral to
"under contract" from its card, with htmx (the board swapped in place, the card in
its new column, both columns' counts changed) and without JavaScript (the same
form, answered by a redirect). On a phone the columns stand one under the other,
and the status filter shows one of them.

Each move is one of the agent's referrals no other flow looks at the status of
(tests/browser/seed.py): Jo Buyer (active) with htmx, Uma Movein (new) without.
"""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.conftest import Session
from tests.browser.helpers import (
    VIEWPORTS,
    assert_every_control_is_labelled,
    assert_fits_the_screen,
    assert_not_reloaded,
    mark_page,
    needs,
)
from webapp.extensions import db
from webapp.models import Referral, Team

pytestmark = needs("referrals.pipeline", "referrals.pipeline_status")


def column(page, status: str):
    return page.locator(f"#pipeline-{status}")


def count(page, status: str) -> int:
    return int(column(page, status).locator(".pipeline-total").get_attribute("data-count"))


def status_of(served_app, client: str, viewport: str) -> str:
    with served_app.app_context():
        status = db.session.scalar(
            sa.select(Referral.status)
            .join(Referral.partner)
            .join(Team)
            .where(Referral.client == client, Team.name.contains(f"({viewport})"))
        )
        db.session.remove()
        return status


def open_pipeline(page):
    page.goto("/referrals/")
    page.get_by_role("navigation", name="Referrals and ROI").get_by_role(
        "link", name="Pipeline"
    ).click()
    expect(page.get_by_role("heading", name="Referral pipeline", level=1)).to_be_visible()
    return page


def move(page, client: str, status_label: str) -> None:
    card = page.locator(".pipeline-card").filter(has_text=client)
    card.get_by_label(f"Status of {client}").select_option(label=status_label)
    card.get_by_role("button", name="Move").click()


def test_an_agent_moves_a_referral_under_contract_in_place(page, user, served_app):
    client = "Jo Buyer"
    user.log_in_as("agent")
    open_pipeline(page)
    assert_every_control_is_labelled(page)
    assert_fits_the_screen(page)
    before = {status: count(page, status) for status in ("active", "under_contract")}
    expect(column(page, "active").locator(".pipeline-card").filter(has_text=client)).to_be_visible()

    mark_page(page)
    move(page, client, "Under contract")
    moved = column(page, "under_contract").locator(".pipeline-card").filter(has_text=client)
    expect(moved).to_be_visible()
    expect(column(page, "active").locator(".pipeline-card").filter(has_text=client)).to_have_count(
        0
    )
    expect(moved.get_by_label(f"Status of {client}")).to_have_value("under_contract")
    # Both columns' totals follow: the card's expected commission (none entered) adds nothing.
    for status, change in (("active", -1), ("under_contract", 1)):
        expect(column(page, status).locator(".pipeline-total")).to_have_text(
            re.compile(rf"^{before[status] + change} · \$")
        )
    assert_not_reloaded(page)
    assert status_of(served_app, client, user.viewport) == "under_contract"
    assert_fits_the_screen(page)


def test_on_a_phone_the_columns_stack_and_the_filter_shows_one(page, user):
    user.log_in_as("agent")
    open_pipeline(page)
    columns = page.locator(".pipeline-column")
    boxes = [columns.nth(each).bounding_box() for each in range(columns.count())]
    assert len(boxes) == 5
    if page.viewport_name == "phone":
        # One under the other, each the width of the board.
        assert len({round(box["x"]) for box in boxes}) == 1
        assert all(a["y"] + a["height"] <= b["y"] for a, b in zip(boxes, boxes[1:], strict=False))
    else:
        # Side by side.
        assert len({round(box["y"]) for box in boxes}) == 1
    assert_fits_the_screen(page)

    page.get_by_label("Status", exact=True).select_option(label="New")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=new"))
    expect(page.locator(".pipeline-column")).to_have_count(1)
    expect(column(page, "new").get_by_role("heading")).to_contain_text("New")
    expect(column(page, "new").locator(".pipeline-card")).not_to_have_count(0)
    assert_fits_the_screen(page)


def test_without_javascript_the_card_moves_by_a_plain_post(page, browser, base_url, served_app):
    client = seed.THANK_FROM_PAGE_CLIENT
    context = browser.new_context(
        viewport=VIEWPORTS[page.viewport_name], base_url=base_url, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    try:
        plain = context.new_page()
        plain.viewport_name = page.viewport_name
        Session(plain).log_in_as("agent")
        # Filtered to referrals received, which the redirect keeps.
        plain.goto("/referrals/pipeline?direction=received")
        before = {status: count(plain, status) for status in ("new", "under_contract")}
        move(plain, client, "Under contract")
        expect(plain).to_have_url(re.compile(r"/referrals/pipeline\?direction=received$"))
        moved = column(plain, "under_contract").locator(".pipeline-card").filter(has_text=client)
        expect(moved).to_be_visible()
        for status, change in (("new", -1), ("under_contract", 1)):
            assert count(plain, status) == before[status] + change
        assert status_of(served_app, client, page.viewport_name) == "under_contract"
    finally:
        context.close()
