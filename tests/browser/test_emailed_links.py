"""The links people get by email, followed in a real browser: an invitation, and
"Forgot your password?".

This module serves its own app, with a mail server: a local SMTP server
(tests/mailbox.py) receives what PartnerPlan sends, and each flow opens the
link from the email it got, as the person would. Jobs run at once
(JOBS_IMMEDIATE), so an email has gone out when the page that sent it has
loaded. The other browser tests share an app without mail, whose admin page
shows the links to pass on instead.
"""

import re
import time

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import log_out
from tests.browser.serving import environment, free_port, prepare_database, serving
from tests.mailbox import Inbox

pytestmark = pytest.mark.browser

NEW_PASSWORD = "copper kettle marathon 88"


@pytest.fixture(scope="module")
def inbox():
    """A local SMTP server for the served app: `inbox.messages`."""
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    received.port = controller.port
    yield received
    controller.stop()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, inbox) -> str:
    """The app served with mail: what it sends goes to `inbox`; its links name this server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(
        tmp_path_factory.mktemp("mail-instance"),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(inbox.port),
        MAIL_SENDER="partnerplan@browserbay.example",
        BASE_URL=url,
        JOBS_IMMEDIATE="1",
        RESET_RATE_LIMIT="100 per minute",
    )
    prepare_database(env, demo=False)
    with serving(env, port) as served:
        yield served


def link_from_email(inbox, address: str, kind: str, base_url: str) -> str:
    """The `kind` link ('invitation', 'reset') of the latest email to `address`, waited for."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        emails = [message for to, message in inbox.messages if address in to]
        if emails:
            text = emails[-1].get_body(preferencelist=("plain",)).get_content()
            match = re.search(rf"{re.escape(base_url)}/auth/{kind}/[\w-]+", text)
            assert match, f"no {kind} link in the email to {address}:\n{text}"
            return match.group(0)
        time.sleep(0.1)
    pytest.fail(f"no email reached {address}")


def test_an_invitee_joins_from_the_link_in_the_email(page, user, inbox, base_url):
    email = f"nina@{page.viewport_name}.mailbay.example"
    user.log_in_as("admin")
    user.invite("Nina Cruz", email)
    expect(page.locator(".flash", has_text="on its way to Nina Cruz by email")).to_be_visible()
    assert "/auth/invitation/" not in page.content()  # emailed: the admin never sees it
    log_out(page)

    page.goto(link_from_email(inbox, email, "invitation", base_url))
    expect(page).to_have_url(re.compile(r"/auth/invitation$"))  # the token left the address bar
    page.get_by_label("Your name").fill("Nina Cruz-Ortega")
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Join and log in").click()
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(page.get_by_text("Welcome to")).to_be_visible()

    log_out(page)
    user.log_in(email, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/today$"))


def test_a_forgotten_password_is_replaced_from_the_link_in_the_email(page, user, inbox, base_url):
    """Kim is locked out by wrong guesses, asks for a link on the login page, chooses a
    new password from the email and is signed in at once; the old password is refused."""
    email = seed.email("other_agent", page.viewport_name)
    for _ in range(6):  # the sixth try finds the account waiting
        user.log_in(email, "not my password")
    expect(page.get_by_text("Too many failed sign-ins on this account")).to_be_visible()

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_text(f"If {email} has an active PartnerPlan account")).to_be_visible()

    page.goto(link_from_email(inbox, email, "reset", base_url))
    expect(page).to_have_url(re.compile(r"/auth/reset$"))
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(page.get_by_text("Your new password is set.")).to_be_visible()

    log_out(page)
    user.log_in(email, seed.PASSWORD)
    expect(page.get_by_text("do not match an account")).to_be_visible()
    user.log_in(email, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/today$"))
