"""Browser tests: Debian's Chromium, driven by Playwright, against a real server.

One gunicorn on 127.0.0.1 (a free port) serves the app from a fresh SQLite
file built by `flask db upgrade` and seeded (tests/browser/seed.py, after the
demo team when `flask demo load` exists). Every test runs at phone width
(390×844) and desktop width (1280×800). A failing test leaves a screenshot
and the page's HTML in test-artifacts/.

Chromium missing: the tests fail in CI (CI=true) and are skipped elsewhere,
both saying what to install.
"""

import os
import re
from pathlib import Path

import pytest

from tests.browser import seed
from tests.browser.helpers import ARTIFACTS, PROVOKED_4XX, VIEWPORTS, mark_page
from tests.browser.serving import (
    CHROMIUM,
    CHROMIUM_ARGS,
    environment,
    free_port,
    missing,
    prepare_database,
    serving,
)

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def server_env(tmp_path_factory) -> dict[str, str]:
    """Environment of the served app: its own instance folder and SQLite file."""
    return environment(tmp_path_factory.mktemp("browser-instance"))


@pytest.fixture(scope="session")
def base_url(server_env) -> str:
    """A migrated, seeded database served by gunicorn on loopback."""
    prepare_database(server_env)
    with serving(server_env, free_port()) as url:
        yield url


@pytest.fixture(scope="session")
def served_app(server_env, base_url):
    """The app on the served database, for a test to read what the pages should show.

    Flows change the data through the browser only; the test reads it here to
    derive the numbers it expects, and to see that a refused action stored nothing.
    """
    from config import TestConfig
    from webapp import create_app
    from webapp.extensions import db

    settings = {"SQLALCHEMY_DATABASE_URI": server_env["DATABASE_URL"], "PARTNERPLAN_NOW": None}
    app = create_app(type("ServedConfig", (TestConfig,), settings))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
        except Error as error:
            missing(f"Chromium at {CHROMIUM} did not start ({error.message.splitlines()[0]})")
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def page(request, browser, base_url):
    """A fresh browser context (no cookies) at phone or desktop width."""
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], base_url=base_url, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    # A CSP violation or a script error shows up here: both fail the test.
    # (A 4xx answer the test provokes, such as a 422 form or a refused action, is not
    # one: the browser logs it, and htmx too when it is an error it shows in #page-alert.)
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not PROVOKED_4XX.search(msg.text)
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    page.viewport_name = request.param
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content())
    context.close()
    assert not errors, f"the browser console reported errors: {errors}"


class Session:
    """What a user does in the browser, in the words of the flows."""

    def __init__(self, page):
        self.page = page
        self.viewport = page.viewport_name

    def email(self, role: str) -> str:
        """The account of `role` in this viewport's own team (tests/browser/seed.py)."""
        return seed.email(role, self.viewport)

    def log_in_as(self, role: str, password: str = seed.PASSWORD):
        return self.log_in(self.email(role), password)

    def log_in(self, email: str, password: str = seed.PASSWORD):
        page = self.page
        page.goto("/auth/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        return page

    def invite(self, name: str, email: str, role: str = "agent"):
        """As an admin: invite a colleague from the Admin page."""
        page = self.page
        page.goto("/admin/invitations/new")
        page.get_by_label("Name").fill(name)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Role").select_option(role)
        page.get_by_role("button", name="Send the invitation").click()
        return page

    def open_partners(self):
        """The partner list, through the main navigation."""
        self.page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Partners"
        ).click()
        return self.page

    def search_partners(self, text: str):
        page = self.open_partners()
        mark_page(page)
        page.get_by_role("searchbox", name="Search").fill(text)
        # The results are swapped in and the address pushed (hx-push-url) a moment
        # later: wait for it, as a click meanwhile would be cancelled by that push.
        page.wait_for_url(re.compile(r"[?&]q="))
        return page

    def open_partner(self, name: str):
        page = self.search_partners(name)
        page.locator("#results").get_by_role("link", name=name).click()
        page.wait_for_url(re.compile(r"/partners/\d+$"))  # and its page loaded
        return page


@pytest.fixture
def user(page):
    return Session(page)
