"""The daily flows, in a real Chromium at phone and desktop width."""

import re

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import assert_not_reloaded, log_out, mark_page, open_log_form
from webapp.logbook.history import RECENT


def test_log_in_and_out(page, user):
    user.log_in_as("agent")
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    # The navigation is reachable at both widths.
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners")
    ).to_be_visible()
    log_out(page)
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.goto("/today")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Ftoday|/auth/login\?next=/today"))


def test_wrong_password_is_explained_beside_the_field(page, user):
    user.log_in_as("agent", password="not the password")
    expect(page.get_by_text("That email and password do not match an account.")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")


def test_login_returns_to_the_page_asked_for(page, user):
    page.goto("/partners/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.get_by_label("Email").fill(user.email("manager"))
    page.get_by_label("Password").fill(seed.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/partners/$"))


def test_find_a_partner_with_active_search(page, user):
    user.log_in_as("agent")
    user.search_partners("mcmil")
    results = page.locator("#results")
    expect(results.get_by_role("link", name=seed.LENDER)).to_be_visible()
    expect(results.get_by_text("1 partner", exact=True)).to_be_visible()
    expect(results.get_by_role("link", name=seed.PROMOTABLE)).to_have_count(0)
    # The other agent's partner is never found by this agent.
    page.get_by_role("searchbox", name="Search").fill(seed.OTHERS_PARTNER)
    expect(results.get_by_text("0 partners", exact=True)).to_be_visible()
    # The search is in the URL (shareable, back button), and nothing reloaded.
    expect(page).to_have_url(re.compile(r"[?&]q=Olivia"))
    assert_not_reloaded(page)


def test_manager_searches_the_whole_team(page, user):
    user.log_in_as("manager")
    user.search_partners("chen")
    expect(page.locator("#results").get_by_role("link", name=seed.OTHERS_PARTNER)).to_be_visible()
    assert_not_reloaded(page)


def test_log_a_coffee_inline_and_see_the_history_change(page, user):
    user.log_in_as("agent")
    user.open_partner(seed.LENDER)
    expect(page.get_by_role("heading", name=seed.LENDER, level=1)).to_be_visible()
    history = page.locator("#logbook ol.history > li")
    before = history.count()
    mark_page(page)

    open_log_form(page, "Log an interaction")
    form = page.locator("#logbook form").first
    form.get_by_label("What").select_option(label="Coffee")
    form.get_by_label("Outcome").select_option(value="connected")
    form.get_by_label("How it went").select_option(value="positive")
    form.get_by_label("Notes").fill("Coffee at Blue Bottle: talked about the spring market")
    form.get_by_role("button", name="Log it").click()

    expect(history).to_have_count(before + 1)
    newest = history.first
    expect(newest).to_contain_text("Coffee")
    expect(newest).to_contain_text("Blue Bottle")
    # The form is ready for the next one: back to its defaults, and it says what was logged.
    expect(form.get_by_role("status")).to_have_text("Coffee logged.")
    # The keyboard stays where it was: on the button, ready for the next one.
    expect(form.get_by_role("button", name="Log it")).to_be_focused()
    expect(form.get_by_label("What")).to_have_value("call")
    expect(form.get_by_label("Notes")).to_have_value("")
    expect(form.get_by_label("When")).not_to_have_value("")
    assert_not_reloaded(page)


def test_a_log_on_a_long_history_keeps_the_page_to_the_recent_entries(page, user):
    """The new entry is sent alone; the oldest shown gives way; the link to the rest stays."""
    user.log_in_as("other_agent")
    user.open_partner(seed.LONG_HISTORY)
    history = page.locator("#logbook ol.history > li")
    expect(history).to_have_count(RECENT)
    expect(history.last).to_contain_text(f"Weekly call {RECENT - 1}")
    mark_page(page)

    # An entry's inline edit is open below while the next call is logged.
    history.nth(2).get_by_role("link", name="Edit").click()
    edit_when = history.nth(2).get_by_label("When")
    expect(edit_when).to_be_visible()
    edited_day = edit_when.input_value()

    form = page.locator("#logbook form").first
    when = form.get_by_label("When")
    # Were the time not sent back, the reset would bring back this stale one.
    when.evaluate(
        "input => { const now = input.value;"
        " input.defaultValue = '2001-01-01T00:00'; input.value = now; }"
    )
    form.get_by_label("Notes").fill("A call on top of the history")
    form.get_by_role("button", name="Log it").click()

    expect(history.first).to_contain_text("A call on top of the history")
    expect(history).to_have_count(RECENT)
    expect(history.last).to_contain_text(f"Weekly call {RECENT - 2}")
    expect(page.get_by_role("link", name="Show the whole history")).to_be_visible()
    expect(form.get_by_label("Notes")).to_have_value("")
    expect(when).not_to_have_value("2001-01-01T00:00")
    expect(when).to_have_value(re.compile(r"^20\d\d-\d\d-\d\dT\d\d:\d\d$"))
    # The open edit (now one further down) still shows its own entry's time.
    expect(history.nth(3).get_by_label("When")).to_have_value(edited_day)
    assert_not_reloaded(page)


def test_a_bad_log_is_explained_beside_the_field(page, user):
    user.log_in_as("agent")
    user.open_partner(seed.LENDER)
    mark_page(page)
    open_log_form(page, "Log an interaction")
    form = page.locator("#logbook form").first
    form.get_by_label("How it went").select_option(value="positive")
    form.get_by_label("Disrespectful").check()
    form.get_by_role("button", name="Log it").click()
    message = page.get_by_text("Only a negative interaction can be flagged as disrespectful.")
    expect(message).to_be_visible()
    nothing_logged = page.locator("#logbook ol.history > li").count()

    # Corrected, it is logged; the form comes back fresh, without the message.
    form = page.locator("#logbook form").first
    form.get_by_label("Disrespectful").uncheck()
    form.get_by_label("Notes").fill("Caught up on the spring market")
    form.get_by_role("button", name="Log it").click()
    expect(form.get_by_role("status")).to_have_text("Call logged.")
    expect(message).to_have_count(0)
    expect(form.get_by_label("Disrespectful")).not_to_be_checked()
    expect(form.get_by_label("Notes")).to_have_value("")
    expect(page.locator("#logbook ol.history > li")).to_have_count(nothing_logged + 1)
    assert_not_reloaded(page)
