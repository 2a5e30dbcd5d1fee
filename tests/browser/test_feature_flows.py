"""Flows of the features built beside the partner book: each runs once its endpoint exists.

Today (recommendations), the manager's review desk, and planning. Every flow
runs at phone and desktop width, each in its own seeded team.
"""

import re

from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import (
    assert_fits_the_screen,
    assert_not_reloaded,
    mark_page,
    needs,
    open_menu,
)


@needs("recommendations.snooze")
def test_act_on_a_today_item(page, user):
    """The thank-you for yesterday's referral is on Today; snoozing it swaps it in place."""
    user.log_in_as("agent")
    expect(page).to_have_url(re.compile(r"/today$"))
    partner_link = page.get_by_role("link", name=seed.TO_THANK)
    item = page.locator("li.recommendation", has=partner_link)
    expect(item.first).to_be_visible()
    expect(item.first).to_contain_text(seed.TO_THANK_CLIENT)
    mark_page(page)
    item.first.get_by_text("Later…").click()  # snooze and dismiss wait behind it
    item.first.get_by_role("button", name="Snooze to tomorrow").click()
    snooze_buttons = page.locator("li.recommendation", has=partner_link).get_by_role(
        "button", name="Snooze to tomorrow"
    )
    expect(snooze_buttons).to_have_count(0)
    assert_not_reloaded(page)


@needs("recommendations.snooze")
def test_logging_the_thank_you_changes_the_recommendations_without_a_reload(page, user):
    user.log_in_as("agent")
    user.open_partner(seed.THANK_FROM_PAGE)
    panel = page.locator("#panel-recommendations")
    expect(panel).to_contain_text(seed.THANK_FROM_PAGE_CLIENT)
    mark_page(page)
    form = page.locator("#logbook form").first
    form.get_by_label("What").select_option(value="thank_you")
    form.get_by_role("button", name="Log it").click()
    thanks = page.locator("#logbook ol.history > li", has_text=re.compile("thank", re.I))
    expect(thanks).to_have_count(1)
    expect(panel).not_to_contain_text(seed.THANK_FROM_PAGE_CLIENT)
    assert_not_reloaded(page)


@needs("desk.reviews", "desk.approve", "recommendations.snooze")  # the rules raise it
def test_a_manager_approves_a_promotion(page, user):
    user.log_in_as("manager")
    page.goto("/desk/reviews")
    review = page.locator("li.review", has=page.get_by_role("heading", name=seed.PROMOTABLE))
    expect(review).to_be_visible()
    expect(review).to_contain_text("Maintain")
    mark_page(page)
    review.get_by_role("button", name=f"Approve {seed.PROMOTABLE}").click()
    expect(review.get_by_role("status")).to_be_visible()
    expect(review.get_by_role("button", name=f"Approve {seed.PROMOTABLE}")).to_have_count(0)
    assert_not_reloaded(page)
    user.open_partner(seed.PROMOTABLE)
    heading = page.get_by_role("heading", name=seed.PROMOTABLE, level=1)
    expect(heading).to_contain_text("Maintain")


@needs("planning.slots", "planning.book", "planning.series_ics")
def test_book_a_planning_series_and_download_the_invitation(page, user, tmp_path):
    user.log_in_as("agent")
    user.open_partner(seed.COMMITTED)
    panel = page.locator("#panel-planning")
    mark_page(page)
    panel.get_by_role("link", name="Book planning series").click()
    first_slot = panel.locator(".slot-list button").first
    expect(first_slot).to_be_visible()
    first_slot.click()
    expect(panel).to_contain_text("12 weekly sessions booked")
    assert_not_reloaded(page)

    with page.expect_download() as download_info:
        panel.get_by_role("link", name="Download the invitation (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    calendar = path.read_text()
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert "BEGIN:VEVENT" in calendar
    # A weekly series of 12: one recurring event, or twelve events.
    assert "RRULE:FREQ=WEEKLY;COUNT=12" in calendar or calendar.count("BEGIN:VEVENT") == 12
    assert "BEGIN:VALARM" in calendar  # the reminder 15 minutes before


@needs("planning.agenda")
def test_planning_opens_on_the_agenda_with_the_partners_phone(page, user):
    """Rosa's session with Grace a week from today is on next week's agenda."""
    user.log_in_as("roi_agent")
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Planning").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Planning")
    next_week = page.locator("section.agenda-week").nth(1)
    expect(next_week.get_by_role("heading", level=2)).to_contain_text("Next week")
    entry = next_week.locator("li.agenda-entry", has_text=seed.EARNER)
    call = entry.get_by_role("link", name=re.compile(r"^Call \+1 617 555 0199"))
    expect(call).to_be_visible()
    expect(call).to_have_attribute("href", "tel:+16175550199")
    expect(entry.get_by_role("link", name=re.compile(r"^Text"))).to_have_attribute(
        "href", "sms:+16175550199"
    )
    entry.get_by_role("link", name=re.compile(r"^Session 1 of 1")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(seed.EARNER)
    expect(page.get_by_label(re.compile("How are we doing together"))).to_be_visible()
    page.go_back()
    expect(page.locator("section.agenda-week").first).to_be_visible()
    assert_fits_the_screen(page)
