"""A log is made once, in a real Chromium: a double click, and the same form sent again.

Each flow gets a team of its own (made in the served database), so that what
it logs moves no number another flow reads.
"""

import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import seed
from tests.browser.helpers import assert_not_reloaded, mark_page
from webapp.extensions import db
from webapp.models import Interaction, Partner, Team, User

PARTNER = "Quinn Once"


@dataclass
class Book:
    email: str
    partner_id: int

    @property
    def partner_page(self) -> str:
        return f"/partners/{self.partner_id}"


@pytest.fixture
def book(served_app, page) -> Book:
    """A team of its own: an agent and one partner with nothing logged."""
    tag = uuid.uuid4().hex[:8]
    with served_app.app_context():
        team = Team(name=f"Sent Once Realty {tag}")
        db.session.add(team)
        db.session.flush()
        known = db.session.scalar(
            sa.select(User).where(User.email == seed.email("agent", page.viewport_name))
        )
        agent = User(
            team_id=team.id, email=f"quinn-{tag}@once.example", name="Sam Once", role="agent"
        )
        agent.password_hash = known.password_hash
        db.session.add(agent)
        db.session.flush()
        partner = Partner(team_id=team.id, owner_id=agent.id, name=PARTNER, profession="lender")
        db.session.add(partner)
        db.session.commit()
        return Book(agent.email, partner.id)


def logged(served_app, book: Book, notes: str | None = None) -> int:
    """How many interactions the partner has (with these notes)."""
    with served_app.app_context():
        query = sa.select(sa.func.count()).where(Interaction.partner_id == book.partner_id)
        if notes is not None:
            query = query.where(Interaction.notes == notes)
        return db.session.scalar(query.select_from(Interaction))


def fill_a_coffee(form, notes: str) -> None:
    form.get_by_label("What").select_option(label="Coffee")
    form.get_by_label("Notes").fill(notes)


def test_a_double_click_on_log_it_logs_once(page, user, book, served_app):
    """What a person sees: one coffee, and a form ready for the next one. (htmx
    holds a second click back while the first is on its way; were one to get
    through, its key would find the coffee already logged.)"""
    user.log_in(book.email)
    page.goto(book.partner_page)
    mark_page(page)
    form = page.locator("#log-interaction form")
    history = page.locator("#logbook ol.history > li")
    fill_a_coffee(form, "Coffee, clicked twice")
    form.get_by_role("button", name="Log it").dblclick()
    expect(form.get_by_role("status")).to_have_text("Coffee logged.")
    expect(history).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert logged(served_app, book) == 1

    # The form that comes back has a key of its own: the next coffee is a new one.
    fill_a_coffee(form, "The next coffee")
    form.get_by_role("button", name="Log it").click()
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("The next coffee")
    assert logged(served_app, book) == 2
    assert_not_reloaded(page)


def test_a_second_tap_on_a_slow_line_without_javascript_logs_once(
    page, browser, book, served_app, base_url
):
    """No script to hold the second tap back: the server has the first post while
    the browser still waits for its answer, and the person taps "Log it" again."""
    context = browser.new_context(
        java_script_enabled=False, base_url=base_url, viewport=page.viewport_size
    )
    try:
        plain = context.new_page()
        plain.goto("/auth/login")
        plain.get_by_label("Email").fill(book.email)
        plain.get_by_label("Password").fill(seed.PASSWORD)
        plain.get_by_role("button", name="Log in").click()
        plain.goto(book.partner_page)
        sent = []

        def slow_line(route):
            answer = route.fetch(max_redirects=0)  # the server has it...
            sent.append(route)
            if len(sent) > 1:  # ...but only the last tap's answer comes back
                route.fulfill(response=answer)

        plain.route(f"**/logbook/partners/{book.partner_id}/interactions*", slow_line)
        form = plain.locator("#log-interaction form")
        fill_a_coffee(form, "Coffee on a slow line")
        button = form.get_by_role("button", name="Log it")
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        tap = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        plain.mouse.click(*tap)
        for _ in range(200):  # 10 s at most
            if sent:
                break
            plain.wait_for_timeout(50)
        assert sent, "the first tap posted nothing"
        plain.mouse.click(*tap)  # the page has not changed yet: the same button, again
        expect(plain.get_by_text("Coffee already logged.")).to_be_visible()
        assert len(sent) == 2
        expect(plain.locator("#logbook ol.history > li")).to_have_count(1)
        assert logged(served_app, book, "Coffee on a slow line") == 1
    finally:
        context.close()


def test_the_same_log_sent_again_is_logged_once(page, user, book, served_app):
    """Back and resubmit, or a phone replaying its queue: the very form sent again."""
    user.log_in(book.email)
    page.goto(book.partner_page)
    mark_page(page)
    form = page.locator("#log-interaction form")
    fill_a_coffee(form, "Coffee sent again")
    with page.expect_request(lambda request: request.method == "POST") as sent:
        form.get_by_role("button", name="Log it").click()
    expect(form.get_by_role("status")).to_have_text("Coffee logged.")
    posted = sent.value

    # The same form data, key and all, without JavaScript's headers: the plain post.
    again = page.request.post(
        posted.url,
        data=posted.post_data,
        headers={"Content-Type": posted.headers["content-type"]},
    )
    assert again.ok and again.url.endswith(book.partner_page)
    assert "Coffee already logged." in again.text()
    # And through htmx, as the page itself would send it.
    through_htmx = page.request.post(
        posted.url,
        data=posted.post_data,
        headers={
            name: value
            for name, value in posted.headers.items()
            if name.lower().startswith(("content-", "hx-", "x-csrf"))
        },
    )
    assert through_htmx.status == 200 and "Coffee already logged." in through_htmx.text()

    assert logged(served_app, book) == 1
    page.reload()
    expect(page.locator("#logbook ol.history > li")).to_have_count(1)
