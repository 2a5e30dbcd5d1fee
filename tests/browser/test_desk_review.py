"""The review queue in a real Chromium: what only a browser shows (htmx swaps, focus, CSP)."""

from datetime import date, datetime

import pytest

from tests.desk_server import live_app
from tests.helpers import PASSWORD, make_partner, make_user
from webapp.extensions import db
from webapp.models import Interaction, Recommendation, Referral, Team


@pytest.fixture
def served(tmp_path):
    with live_app(tmp_path, WTF_CSRF_ENABLED=True, PARTNERPLAN_NOW="2026-11-20") as (app, port):
        with app.app_context():
            harbor = Team(name="Harbor Realty Group")
            db.session.add(harbor)
            db.session.flush()
            make_user(harbor, "dana@harbor.example", "manager", "Dana Reyes")
            sam = make_user(harbor, "sam@harbor.example", "agent", "Sam Ortiz")
            for name, tier_to in (("Ryan McMillan", "maintain"), ("Lena Park", "cease")):
                partner = make_partner(sam, name)
                db.session.add(
                    Interaction(
                        partner_id=partner.id,
                        user_id=sam.id,
                        at=datetime(2026, 11, 5, 10),
                        kind="coffee",
                        direction="outbound",
                        outcome="connected",
                    )
                )
                if tier_to == "maintain":  # the promote rule really holds for Ryan
                    for day in (date(2026, 10, 1), date(2026, 11, 1)):
                        db.session.add(
                            Referral(
                                partner_id=partner.id,
                                direction="received",
                                referred_on=day,
                                client="Client",
                                status="new",
                            )
                        )
                        db.session.add(
                            Interaction(
                                partner_id=partner.id,
                                user_id=sam.id,
                                kind="thank_you",
                                at=datetime.combine(day, datetime.min.time()),
                                direction="outbound",
                                outcome="connected",
                            )
                        )
                db.session.add(
                    Recommendation(
                        team_id=harbor.id,
                        partner_id=partner.id,
                        kind="tier_change",
                        # An agent's proposal for Lena (rules never raise a move to Cease
                        # from a promotion); the promote rule's own for Ryan.
                        rule="promote" if tier_to == "maintain" else "proposed",
                        proposed_by_id=None if tier_to == "maintain" else sam.id,
                        tier_from="cultivate",
                        tier_to=tier_to,
                        reason=f"Reason for {name}",
                    )
                )
            db.session.commit()
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def desk_page(served, browser):
    """A page of the shared Chromium (tests/browser/conftest.py) on this test's own server."""
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    # JavaScript errors and CSP violations (a 404 favicon or a 422 form is no error).
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.errors.append(message.text)
        ),
    )
    page.base = served
    yield page
    context.close()


def log_in(page, email: str, then: str) -> None:
    page.goto(f"{page.base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/today")
    page.goto(f"{page.base}{then}")


def test_history_loads_when_opened_and_decisions_swap_inline(desk_page):
    page = desk_page
    log_in(page, "dana@harbor.example", "/desk/reviews")
    ryan = page.locator("li.review", has_text="Ryan McMillan")
    ryan.locator("summary").click()
    ryan.locator(".recent-history", has_text="Coffee, we reached out, connected").wait_for()

    ryan.get_by_role("button", name="Reject Ryan McMillan").click()
    ryan.get_by_text("Give a reason for rejecting.").wait_for()
    reason = page.locator("li.review", has_text="Ryan McMillan").get_by_label(
        "Reason for rejecting"
    )
    assert reason.evaluate("element => element === document.activeElement")

    lena = page.locator("li.review", has_text="Lena Park")
    lena.get_by_role("button", name="Approve Lena Park").click()
    page.get_by_text("Approved: Lena Park Cultivate → Cease.").wait_for()

    page.get_by_label("Select Ryan McMillan for approval").check()
    page.get_by_role("button", name="Approve selected").click()
    page.get_by_text("Approved 1 of 1 tier changes.").wait_for()
    page.get_by_text("No tier changes are waiting for review.").wait_for()
    assert page.errors == []


def test_an_agents_cease_proposal_swaps_the_tier_panel(desk_page):
    page = desk_page
    log_in(page, "sam@harbor.example", "/desk/partners/1/tier")
    panel = page.locator("#panel-tier")
    panel.get_by_role("button", name="Change tier").click()
    page.get_by_text("Say why the tier changes.").wait_for()
    first_invalid = page.locator("#panel-tier").get_by_label("New tier")
    assert first_invalid.evaluate("element => element === document.activeElement")
    panel.get_by_label("New tier").select_option("cease")
    panel.get_by_label("Why").fill("Rude to our buyers twice")
    panel.get_by_role("button", name="Change tier").click()
    page.get_by_text("Proposed: a manager will review the move to Cease.").wait_for()
    page.get_by_text("Waiting for review: Cultivate → Cease").wait_for()
    assert page.url.endswith("/desk/partners/1/tier") and page.errors == []
