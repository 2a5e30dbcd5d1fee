"""Sessions and two-factor sign-in, in a real Chromium."""

import re

import pyotp
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import log_out, open_menu


def a_fresh_user(served_app, viewport: str, name: str) -> str:
    """A user of the viewport's team that no other flow signs in as."""
    from webapp.extensions import db
    from webapp.models import User

    email = f"{name}@{viewport}.browserbay.example"
    with served_app.app_context():
        agent = db.session.scalar(
            sa.select(User).where(User.email == seed.email("agent", viewport))
        )
        user = User(team_id=agent.team_id, email=email, name=name.title(), role="agent")
        user.password_hash = agent.password_hash
        db.session.add(user)
        db.session.commit()
    return email


def test_a_session_cookie_copied_before_logout_is_refused_after_it(page, user, browser, base_url):
    user.log_in_as("other_agent")
    expect(page).to_have_url(re.compile(r"/today$"))
    copied = page.context.cookies()
    thief = browser.new_context(base_url=base_url)
    thief.add_cookies(copied)
    stolen = thief.new_page()
    stolen.goto("/today")
    expect(stolen).to_have_url(re.compile(r"/today$"))
    log_out(page)
    expect(page).to_have_url(re.compile(r"/auth/login"))
    stolen.goto("/today")
    expect(stolen).to_have_url(re.compile(r"/auth/login"))
    thief.close()


def test_two_factor_is_turned_on_and_asked_at_sign_in(page, user, served_app):
    email = a_fresh_user(served_app, page.viewport_name, "tess")
    user.log_in(email)
    open_menu(page)
    page.get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", name="Where you are signed in")).to_be_visible()
    expect(page.get_by_text("(this browser)")).to_be_visible()
    page.get_by_role("link", name="Turn two-factor sign-in on").click()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them").click()
    log_out(page)

    user.log_in(email)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(codes[0])  # the app's code was just used: a recovery code
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/today$"))
