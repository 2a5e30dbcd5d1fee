"""Browser tests: Debian's Chromium, driven by Playwright, against a real server.

One gunicorn on 127.0.0.1 (a free port) serves the app from a fresh SQLite
file built by `flask db upgrade` and seeded (tests/browser/seed.py, after the
demo team when `flask demo load` exists). Every test runs at phone width
(390×844) and desktop width (1280×800). A failing test leaves a screenshot
and the page's HTML in test-artifacts/.

Chromium missing: the tests fail in CI (CI=true) and are skipped elsewhere,
both saying what to install.
"""

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import seed

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# No network here or in CI: nothing may phone home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
PROVOKED_4XX = re.compile(
    r"the server responded with a status of 4|^Response Status Error Code 4\d\d from "
)


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


def missing(reason: str):
    """Fail in CI, skip elsewhere: either way, say what is missing."""
    message = (
        f"{reason}. Install Debian's chromium and chromium-driver (scripts/system-deps.sh as root)."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)


def has_cli_command(env: dict[str, str], group: str, command: str) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", group, "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return (
        result.returncode == 0 and re.search(rf"^\s+{command}\b", result.stdout, re.M) is not None
    )


def environment(instance: Path, **settings: str) -> dict[str, str]:
    """Environment of a served app: its own instance folder and SQLite file, and
    `settings` on top."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "TEST_DATABASE_URL", "PARTNERPLAN_NOW")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{instance / 'browser.db'}",
        PARTNERPLAN_INSTANCE=str(instance),
        SECRET_KEY="browser-tests",
        LOGIN_RATE_LIMIT="1000 per minute",
        PYTHONPATH=str(ROOT),
        **settings,
    )
    return env


def prepare_database(env: dict[str, str], *, demo: bool = True) -> None:
    """Migrate the served database and seed it (after the demo team, when `demo`
    and `flask demo load` exists)."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    run([*flask, "db", "upgrade"], env)
    if demo and has_cli_command(env, "demo", "load"):
        run([*flask, "demo", "load"], env)
    run([sys.executable, "-m", "tests.browser.seed"], env)


@contextlib.contextmanager
def serving(env: dict[str, str], port: int):
    """gunicorn serving the app of `env` on 127.0.0.1:`port`; its URL, while it runs."""
    log = open(Path(env["PARTNERPLAN_INSTANCE"]) / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log.name)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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


def wait_until_up(url: str, process: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{Path(log_path).read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{url}/auth/login", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer in 60 s:\n{Path(log_path).read_text()}", pytrace=False)


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
        return page

    def open_partner(self, name: str):
        page = self.search_partners(name)
        page.locator("#results").get_by_role("link", name=name).click()
        return page


@pytest.fixture
def user(page):
    return Session(page)


def open_menu(page) -> None:
    """Open the main menu's "More" (the account's links and Log out are there)."""
    more = page.get_by_role("navigation", name="Main").locator("details.nav-more")
    if not more.evaluate("details => details.open"):
        more.locator("summary").click()


def log_out(page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Log out").click()


def mark_page(page) -> None:
    """Tag the loaded document; `assert_not_reloaded` fails if it was replaced."""
    # htmx binds its handlers once the document has loaded: wait for it, as a person would.
    page.wait_for_load_state("load")
    page.evaluate("document.documentElement.dataset.noReload = 'yes'")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("document.documentElement.dataset.noReload") == "yes", (
        "the page was reloaded: htmx should have swapped a fragment in place"
    )


def assert_fits_the_screen(page) -> None:
    """Nothing scrolls sideways, with every <details> opened (a person can open them)."""
    page.evaluate("document.querySelectorAll('details').forEach(details => details.open = true)")
    width, viewport, wide = page.evaluate(
        """() => [
            document.documentElement.scrollWidth,
            window.innerWidth,
            [...document.querySelectorAll("main *")]
                .filter(element => element.getBoundingClientRect().right > window.innerWidth)
                .slice(-3)
                .map(element => element.outerHTML.slice(0, 120)),
        ]"""
    )
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px window: {wide}"


def assert_every_control_is_labelled(page) -> None:
    """Each field a person can use is found by its label (the way a screen reader names it)."""
    controls = page.locator("main").locator(
        "input:not([type=hidden]):not([type=submit]), select, textarea"
    )
    assert controls.count(), "no fields on the page"
    for index in range(controls.count()):
        control = controls.nth(index)
        label = control.evaluate("el => [...el.labels].map(l => l.textContent.trim()).join(' ')")
        assert label, f"no label: {control.evaluate('el => el.outerHTML')}"
        found = page.get_by_label(label, exact=True)
        handle = control.element_handle()
        assert any(
            found.nth(each).evaluate("(el, control) => el === control", handle)
            for each in range(found.count())
        ), f"get_by_label({label!r}) does not find {control.evaluate('el => el.outerHTML')}"


def tab_to(page, target, limit: int = 60) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            assert_focus_is_visible(page)
            return
    pytest.fail(f"{limit} presses of Tab never reached {target}")


def assert_focus_is_visible(page) -> None:
    """The focused element shows it: :focus-visible holds and draws an outline."""
    focused, outline = page.evaluate(
        """() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return [el.matches(":focus-visible") && el.outerHTML.slice(0, 80),
                    style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0];
        }"""
    )
    assert focused and outline, f"no visible focus on {focused or 'the focused element'}"


def _endpoints() -> set[str]:
    from config import TestConfig
    from webapp import create_app

    return {rule.endpoint for rule in create_app(TestConfig).url_map.iter_rules()}


ENDPOINTS = _endpoints()


def needs(*endpoints: str):
    """Skip a flow until the feature it drives is on this branch (names the endpoint)."""
    missing = [endpoint for endpoint in endpoints if endpoint not in ENDPOINTS]
    return pytest.mark.skipif(
        bool(missing), reason=f"the feature is not merged yet (no endpoint {', '.join(missing)})"
    )
