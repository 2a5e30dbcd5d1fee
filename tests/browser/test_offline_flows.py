"""PartnerPlan offline, in a real Chromium: installable, Today as last seen,
and a log made while the server cannot be reached, kept on the device and
sent once when it can (webapp/offline, static/sw.js, static/offline.js).

Chromium's offline switch does not reach a service worker's requests, so this
module serves its own app on a port of its own and stops the server to cut the
line, then starts it again on the same port over the same database. Each test
gets a team of its own, so that what it logs moves nothing another test reads.
"""

import contextlib
import re
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import UNREACHABLE, log_out, open_menu
from tests.browser.serving import (
    CHROMIUM,
    CHROMIUM_ARGS,
    environment,
    free_port,
    prepare_database,
    serving,
)
from webapp.extensions import db
from webapp.models import Interaction, Partner, Team, User

pytestmark = pytest.mark.browser

PARTNER = "Olive Offline"
SENT = "1 log saved on this device sent to PartnerPlan."


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory) -> dict[str, str]:
    env = environment(tmp_path_factory.mktemp("offline-instance"))
    prepare_database(env, demo=False)
    return env


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def base_url(port) -> str:
    """Where this module's server answers, while it runs (`server`)."""
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def book_app(offline_env):
    """The app on the served database, to read what reached it."""
    from config import TestConfig
    from webapp import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": offline_env["DATABASE_URL"], "PARTNERPLAN_NOW": None}
    app = create_app(type("OfflineBookConfig", (TestConfig,), settings))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Server:
    """The served app, stopped and started again on the same port and database."""

    def __init__(self, env: dict[str, str], port: int):
        self.env, self.port = env, port
        self.running: contextlib.ExitStack | None = None

    def start(self) -> None:
        self.running = contextlib.ExitStack()
        self.running.enter_context(serving(self.env, self.port))

    def stop(self) -> None:
        if self.running is not None:
            self.running.close()
            self.running = None


@pytest.fixture
def server(page, offline_env, port):
    """Running at the start of the test. The browser's reports of a server it
    could not reach are what the test provoked: they are not console errors."""
    served = Server(offline_env, port)
    served.start()
    yield served
    served.stop()
    page.goto("about:blank")  # no more retries; what the browser had to report is in
    page.console_errors[:] = [text for text in page.console_errors if not UNREACHABLE.search(text)]


@dataclass
class Book:
    email: str
    other_email: str
    partner_id: int

    @property
    def partner_page(self) -> str:
        return f"/partners/{self.partner_id}"


@pytest.fixture
def book(book_app, page) -> Book:
    """A team of its own: two agents, the first with one partner and nothing logged."""
    tag = uuid.uuid4().hex[:8]
    with book_app.app_context():
        known = db.session.scalar(
            sa.select(User).where(User.email == seed.email("agent", page.viewport_name))
        )
        team = Team(name=f"Offline Realty {tag}")
        db.session.add(team)
        db.session.flush()
        agents = []
        for name in ("Olga", "Omar"):
            agent = User(
                team_id=team.id,
                email=f"{name.lower()}-{tag}@offline.example",
                name=f"{name} Offline",
                role="agent",
            )
            agent.password_hash = known.password_hash
            agents.append(agent)
        db.session.add_all(agents)
        db.session.flush()
        partner = Partner(team_id=team.id, owner_id=agents[0].id, name=PARTNER, profession="lender")
        db.session.add(partner)
        db.session.commit()
        book = Book(agents[0].email, agents[1].email, partner.id)
        db.session.remove()
        return book


def logged(book_app, book: Book, notes: str) -> int:
    with book_app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Interaction)
            .where(Interaction.partner_id == book.partner_id, Interaction.notes == notes)
        )
        db.session.remove()
        return count


# The paths of the pages the service worker keeps, whoever's.
KEPT_PAGES = """async () => {
    const paths = [];
    for (const name of await caches.keys()) {
        if (!name.startsWith("pp-pages-")) continue;
        for (const request of await (await caches.open(name)).keys()) {
            paths.push(new URL(request.url).pathname);
        }
    }
    return paths;
}"""
# How many logs wait in the device's queue, whoever's.
WAITING_LOGS = """() => new Promise((resolve, reject) => {
    const opening = indexedDB.open("partnerplan-offline", 1);
    opening.onerror = () => reject(opening.error);
    opening.onupgradeneeded = () => opening.result.createObjectStore(
        "queue", { keyPath: "id", autoIncrement: true }).createIndex("user", "user");
    opening.onsuccess = () => {
        const counting = opening.result.transaction("queue").objectStore("queue").count();
        counting.onsuccess = () => { opening.result.close(); resolve(counting.result); };
    };
})"""


def kept_pages(page) -> list[str]:
    return page.evaluate(KEPT_PAGES)


def waiting_logs(page) -> int:
    return page.evaluate(WAITING_LOGS)


def eventually(page, condition: str, arg=None) -> None:
    """Wait, 10 s at most, until `condition(arg)` (JavaScript, maybe async) holds
    in the page: the browser keeps and forgets things in the background."""
    held = page.evaluate(
        f"""async (arg) => {{
            const condition = {condition};
            for (let tries = 0; tries < 200; tries++) {{
                if (await condition(arg)) return true;
                await new Promise(resolve => setTimeout(resolve, 50));
            }}
            return false;
        }}""",
        arg,
    )
    assert held, f"never held: {condition} ({arg!r})"


def open_kept(page, path: str) -> None:
    """Open `path` under the service worker, and wait until it keeps the page."""
    page.goto("/today")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.goto(path)
    eventually(page, f"async (path) => ({KEPT_PAGES})().then(paths => paths.includes(path))", path)


def log_a_coffee(page, notes: str) -> None:
    details = page.locator("#log-interaction")
    if not details.evaluate("details => details.open"):
        details.locator("summary").click()
    form = details.locator("form")
    form.get_by_label("What").select_option(label="Coffee")
    form.get_by_label("Notes").fill(notes)
    form.get_by_role("button", name="Log it").click()


def test_chromium_finds_partnerplan_installable(page, server, book, base_url, tmp_path):
    """Chromium offers no install in an incognito window, which is what a test's
    browser context is: this one has a profile of its own."""
    context = page.context.browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        base_url=base_url,
        viewport=page.viewport_size,
    )
    try:
        installing = context.new_page()
        installing.goto("/auth/login")
        installing.get_by_label("Email").fill(book.email)
        installing.get_by_label("Password").fill(seed.PASSWORD)
        installing.get_by_role("button", name="Log in").click()
        expect(installing).to_have_url(re.compile(r"/today$"))
        installing.evaluate("navigator.serviceWorker.ready.then(() => true)")
        cdp = context.new_cdp_session(installing)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest")
        assert not manifest["errors"]
    finally:
        context.close()


def test_a_log_made_offline_waits_on_the_device_and_arrives_once(
    page, user, server, book, book_app
):
    user.log_in(book.email)
    open_kept(page, book.partner_page)
    key_before = page.locator("#log-interaction input[name=idempotency_key]").input_value()

    server.stop()
    log_a_coffee(page, "Coffee in a dead zone")
    form = page.locator("#log-interaction form")
    expect(form.get_by_role("status")).to_have_text("Saved on this device — 1 log waiting to send.")
    status = page.locator("#offline-status")
    expect(status.locator(".offline-waiting")).to_have_text("1 log waiting to send. Send now")
    expect(status.locator(".offline-banner")).to_contain_text(
        f"You are offline — showing {PARTNER} as of"
    )
    expect(page.locator("#page-alert")).to_be_empty()  # kept: not "may not have been saved"
    # Ready for the next coffee, which is another: a key of its own.
    expect(form.get_by_label("Notes")).to_have_value("")
    key_after = form.locator("input[name=idempotency_key]").input_value()
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", key_after
    )
    assert key_after != key_before
    assert waiting_logs(page) == 1
    assert logged(book_app, book, "Coffee in a dead zone") == 0

    server.start()
    status.get_by_role("button", name="Send now").click()
    expect(status.locator(".offline-sent")).to_have_text(SENT)
    expect(status.locator(".offline-waiting")).to_have_count(0)
    assert waiting_logs(page) == 0
    assert logged(book_app, book, "Coffee in a dead zone") == 1

    page.reload()
    history = page.locator("#logbook ol.history > li")
    expect(history.filter(has_text="Coffee in a dead zone")).to_have_count(1)
    expect(status).to_be_empty()
    assert logged(book_app, book, "Coffee in a dead zone") == 1


def test_a_log_sent_but_not_answered_is_not_logged_twice(page, user, server, book, book_app):
    """The server took the log, but its answer never came back: the device keeps
    it and sends it again, and its key finds it already logged."""
    user.log_in(book.email)
    page.goto(book.partner_page)
    page.route(
        f"**/logbook/partners/{book.partner_id}/interactions*",
        lambda route: (route.fetch(), route.abort("connectionreset")),
    )
    log_a_coffee(page, "Coffee, answer lost")
    status = page.locator("#offline-status")
    expect(status.locator(".offline-waiting")).to_contain_text("1 log waiting to send")
    assert logged(book_app, book, "Coffee, answer lost") == 1
    page.unroute(f"**/logbook/partners/{book.partner_id}/interactions*")

    status.get_by_role("button", name="Send now").click()
    expect(status.locator(".offline-sent")).to_have_text(SENT)
    expect(status.locator(".offline-waiting")).to_have_count(0)
    assert logged(book_app, book, "Coffee, answer lost") == 1


def test_a_log_waits_for_the_same_user_to_sign_in_again(page, user, server, book, book_app):
    """The session ended while a log waited: another user of the device neither
    sees nor sends it; it arrives when its own user signs in again."""
    user.log_in(book.email)
    open_kept(page, book.partner_page)
    server.stop()
    log_a_coffee(page, "Coffee before the session ended")
    expect(page.locator("#offline-status .offline-waiting")).to_contain_text("1 log waiting")

    server.start()
    page.context.clear_cookies()  # the session ended (idle, or ended from another device)
    page.reload()
    expect(page).to_have_url(re.compile(r"/auth/login"))
    assert waiting_logs(page) == 1

    user.log_in(book.other_email)
    expect(page).to_have_url(re.compile(r"/today$"))
    page.wait_for_load_state("networkidle")
    expect(page.locator("#offline-status")).to_be_empty()
    assert waiting_logs(page) == 1
    assert logged(book_app, book, "Coffee before the session ended") == 0
    log_out(page)

    user.log_in(book.email)
    expect(page.locator("#offline-status .offline-sent")).to_have_text(SENT)
    assert waiting_logs(page) == 0
    assert logged(book_app, book, "Coffee before the session ended") == 1


def test_today_as_last_seen_opens_offline_and_says_so(page, user, server, book):
    user.log_in(book.email)
    open_kept(page, "/today")
    server.stop()

    for path in ("/today", "/"):  # "/" is where the installed app starts
        page.goto(path)
        expect(page).to_have_title("Today · PartnerPlan")
        expect(page.locator("#offline-status .offline-banner")).to_have_text(
            re.compile(r"^You are offline — showing Today as of \d\d:\d\d\.$")
        )

    page.goto("/referrals/")  # never opened: the offline page
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    page.get_by_role("link", name="Open Today as last seen").click()
    expect(page).to_have_title("Today · PartnerPlan")


def test_logging_out_lets_go_of_the_pages_kept_and_the_logs_waiting(
    page, user, server, book, book_app
):
    user.log_in(book.email)
    open_kept(page, book.partner_page)
    assert kept_pages(page)
    server.stop()
    log_a_coffee(page, "Coffee nobody will send")
    expect(page.locator("#offline-status .offline-waiting")).to_contain_text("1 log waiting")

    server.start()
    open_menu(page)
    expect(page.locator("form.logout")).to_contain_text(
        "1 log not sent yet will be lost if you log out."
    )
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/auth/login"))
    eventually(page, f"async () => (await ({KEPT_PAGES})()).length === 0")
    eventually(page, f"async () => (await ({WAITING_LOGS})()) === 0")
    assert logged(book_app, book, "Coffee nobody will send") == 0


def test_a_partner_added_without_htmx_while_offline_is_added_once(
    page, user, server, book, book_app
):
    """The new-partner form posts as a plain form: checked first, kept when the
    server is out of reach, and sent later as the same create."""
    user.log_in(book.email)
    page.goto("/partners/new")
    page.wait_for_load_state("load")
    server.stop()
    page.get_by_label("Name", exact=True).fill("Nell Nowhere")
    page.get_by_role("button", name="Save").click()
    status = page.locator("#offline-status")
    expect(status.locator(".offline-waiting")).to_have_text("1 log waiting to send. Send now")
    expect(page).to_have_url(re.compile(r"/partners/new$"))  # still the form, blank
    expect(page.get_by_label("Name", exact=True)).to_have_value("")

    server.start()
    status.get_by_role("button", name="Send now").click()
    expect(status.locator(".offline-sent")).to_have_text(SENT)
    expect(status.locator(".offline-waiting")).to_have_count(0)
    with book_app.app_context():
        added = db.session.scalar(
            sa.select(sa.func.count()).where(
                Partner.name == "Nell Nowhere",
                Partner.team_id
                == (sa.select(User.team_id).where(User.email == book.email).scalar_subquery()),
            )
        )
        db.session.remove()
    assert added == 1
    page.reload()  # nothing waits: nothing is sent again
    expect(status).to_be_empty()
    page.goto("/partners/")
    expect(page.locator("main").get_by_role("link", name="Nell Nowhere")).to_have_count(1)


def test_a_page_kept_more_than_three_days_is_not_shown_offline(page, user, server, book):
    """A phone lost while offline shows its user's partners no longer than that."""
    user.log_in(book.email)
    open_kept(page, "/today")
    page.evaluate(
        """async () => {
            for (const name of await caches.keys()) {
                if (!name.startsWith("pp-pages-")) continue;
                const cache = await caches.open(name);
                for (const request of await cache.keys()) {
                    const kept = await cache.match(request, { ignoreVary: true });
                    const headers = new Headers(kept.headers);
                    headers.set("Date", new Date(Date.now() - 73 * 3600 * 1000).toUTCString());
                    await cache.put(request, new Response(await kept.text(), { headers }));
                }
            }
        }"""
    )
    server.stop()
    page.goto("/today")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()


def test_signed_out_from_elsewhere_the_kept_pages_go_at_the_next_visit(page, user, server, book):
    user.log_in(book.email)
    open_kept(page, "/today")
    assert kept_pages(page)
    page.context.clear_cookies()  # the session ended elsewhere: this browser is signed out
    page.goto("/today")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    eventually(page, f"async () => ({KEPT_PAGES})().then(paths => paths.length === 0)")
