"""An admin invites a colleague, who chooses their own password from the link
and lands on Today. The served app has no mail server, so the admin's page
shows the link to pass on, as it does in a small office without SMTP (the
emailed link is followed in test_emailed_links.py)."""

import re

import pytest

from tests.browser.helpers import log_out

pytestmark = pytest.mark.browser

PASSWORD = "copper kettle marathon 88"


def test_an_invited_colleague_chooses_a_password_and_logs_in(page, user):
    email = f"nina-{page.viewport_name}@harbor.example"
    user.log_in_as("admin")
    user.invite("Nina Cruz", email)
    flash = page.locator(".flash", has_text="give Nina Cruz this link").inner_text()
    path = re.search(r"/auth/invitation/[\w-]+", flash).group(0)
    page.locator("table.invitations", has_text=email).wait_for()
    log_out(page)

    page.goto(path)
    page.get_by_label("Your name").fill("Nina Cruz-Ortega")
    page.get_by_label("Choose a password").fill("password1234")
    page.get_by_role("button", name="Join and log in").click()
    page.locator("#password-error").wait_for()
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Join and log in").click()
    page.wait_for_url("**/today")
    page.get_by_text("Welcome to").wait_for()

    log_out(page)
    user.log_in(email, PASSWORD)
    page.wait_for_url("**/today")
