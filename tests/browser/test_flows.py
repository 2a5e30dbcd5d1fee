"""The daily flows, in a real Chromium at phone and desktop width."""

import re

from playwright.sync_api import expect

from tests.browser import seed


def test_log_in_and_out(page, user):
    user.log_in(seed.AGENT)
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    # The navigation is reachable at both widths.
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners")
    ).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.goto("/today")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Ftoday|/auth/login\?next=/today"))


def test_wrong_password_is_explained_beside_the_field(page, user):
    user.log_in(seed.AGENT, password="not the password")
    expect(page.get_by_text("That email and password do not match an account.")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")


def test_login_returns_to_the_page_asked_for(page, user):
    page.goto("/partners/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.get_by_label("Email").fill(seed.MANAGER)
    page.get_by_label("Password").fill(seed.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/partners/$"))
