"""The demo agent finds a partner, adds one, and logs a coffee and a referral."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import assert_not_reloaded, mark_page, open_log_form

DEMO_AGENT = "agent@demo.partnerplan.test"
DEMO_PASSWORD = "partnerplan-demo"


def test_the_demo_agents_day(page, user):
    user.log_in(DEMO_AGENT, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/today$"))
    # Today already has work from the demo's history.
    expect(page.locator("li.recommendation").first).to_be_visible()

    # Find a demo partner by typing part of the company.
    user.search_partners("harborview")
    expect(page.locator("#results").get_by_role("link", name="Maria Gonzalez")).to_be_visible()
    assert_not_reloaded(page)

    # Add a partner met today at an open house.
    page.get_by_role("link", name="Add a partner").click()
    name = f"Grace Okafor ({page.viewport_name})"
    page.get_by_label("Name").fill(name)
    page.get_by_label("Company").fill("Okafor Title & Escrow")
    page.get_by_label("Profession").select_option(label="Title / escrow officer")
    page.get_by_label("Email").fill("grace@okafor.example")
    page.get_by_label("How you met").select_option(label="Open house")
    page.get_by_label("First-time buyers").check()
    page.get_by_label("Hobbies").fill("trail running")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_text("Cultivate").first).to_be_visible()

    # Log a coffee, then a referral received, without leaving the page.
    mark_page(page)
    history = page.locator("#logbook ol.history > li")
    form = page.locator("#logbook form").first
    form.get_by_label("What").select_option(label="Coffee")
    form.get_by_label("Notes").fill("Coffee after the open house")
    form.get_by_role("button", name="Log it").click()
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Coffee after the open house")

    details = open_log_form(page, "Log a referral")
    details.get_by_label("Client").fill("The Nguyen family")
    details.get_by_label("Commission ($)").fill("11500")
    details.get_by_role("button", name="Log referral").click()
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("The Nguyen family")
    # The referral now asks for a thank-you, on the same page, with no reload.
    expect(page.locator("#panel-recommendations")).to_contain_text("thank-you")
    assert_not_reloaded(page)
