"""Errors reach the user: a whole error page, or for htmx a message the page shows.

htmx 2 swaps what `responseHandling` (in base.html) tells it to. These tests read
that config from a served page, so that "the page will show it" is checked end to
end on the server side; tests/browser/test_error_flows.py sees it in a browser.
"""

import html
import json
import re
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import default_exceptions

from tests.helpers import make_partner
from webapp.models import Referral

HTMX = {"HX-Request": "true"}
REFUSALS = (400, 403, 404, 405, 409, 410, 413, 429, 500)


def htmx_config(page: str) -> dict:
    content = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    return json.loads(html.unescape(content))


def rule_for(config: dict, status: int) -> dict:
    """The responseHandling rule htmx applies to `status`: the first whose code matches."""
    for rule in config["responseHandling"]:
        if re.search(rule["code"], str(status)):
            return rule
    return {"swap": False}


@pytest.fixture
def referral(team, db):
    partner = make_partner(team["agent"])
    referral = Referral(
        partner_id=partner.id,
        user_id=team["agent"].id,
        direction="received",
        referred_on=date(2026, 11, 1),
        client="Vic Newhome",
        status="new",
    )
    db.session.add(referral)
    db.session.commit()
    return referral


def test_the_page_swaps_every_error_but_a_refused_form_into_its_alert_region(client, auth, team):
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)
    assert re.search(r'<div id="page-alert" [^>]*role="alert" aria-live="assertive"></div>', page)
    config = htmx_config(page)
    for status in (*REFUSALS, 502, 503, 504):
        rule = rule_for(config, status)
        assert rule["swap"] and rule["error"], status
        assert (rule["target"], rule["swapOverride"]) == ("#page-alert", "innerHTML"), status
        assert rule["ignoreTitle"], status  # a proxy's error page must not rename the tab
    refused_form = rule_for(config, 422)  # swapped where the form asked, errors beside fields
    assert refused_form["swap"] and "target" not in refused_form and not refused_form.get("error")


@pytest.mark.parametrize("status", REFUSALS)
def test_every_refusal_answers_htmx_with_its_message_alone(app, status):
    with app.test_request_context("/", headers=HTMX):
        answer = app.handle_http_exception(default_exceptions[status]())
        response = app.make_response(answer)
    text = response.get_data(as_text=True)
    assert response.status_code == status
    assert "<html" not in text and "<h1" not in text
    assert re.search(r"<p><strong>[^<]+\.</strong> [^<]+</p>", text), text
    assert "data-dismiss-alert" in text
    # Where it goes is the page's rule: nothing here sends it elsewhere or nowhere.
    assert "HX-Retarget" not in response.headers and "HX-Reswap" not in response.headers


@pytest.mark.parametrize("status", REFUSALS)
def test_every_refusal_answers_a_browser_with_a_whole_page(app, status):
    with app.test_request_context("/"):
        response = app.make_response(app.handle_http_exception(default_exceptions[status]()))
    text = response.get_data(as_text=True)
    assert response.status_code == status
    assert "<html" in text and re.search(r'<section class="error" role="alert">\s*<h1>', text)


def test_a_refused_referral_status_is_said_and_changes_nothing(client, auth, team, referral, db):
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/referrals/{referral.id}/status", data={"status": "bogus"}, headers=HTMX
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in text
    assert "Not a referral status." in text and "Nothing was changed." in text
    db.session.refresh(referral)
    assert referral.status == "new"


def test_acting_on_a_referral_deleted_meanwhile_says_it_is_gone(client, auth, team, referral, db):
    auth.login(team["agent"])
    referral_id = referral.id
    db.session.delete(referral)
    db.session.commit()
    response = client.post(
        f"/logbook/referrals/{referral_id}/status", data={"status": "active"}, headers=HTMX
    )
    assert response.status_code == 404
    assert "<strong>Not found.</strong>" in response.get_data(as_text=True)


def test_a_history_restore_gets_the_whole_error_page(client, auth, team):
    auth.login(team["agent"])
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    response = client.get("/partners/999999", headers=restore)
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


def raising(app, error: Exception):
    """A page of `app` that fails with `error` (the database, as a request meets it)."""

    @app.route("/test-database")
    def database():
        """Fails as the database made it fail."""
        raise error

    app.config["PROPAGATE_EXCEPTIONS"] = False  # the error page, as in production
    return app.test_client()


def operational(message: str) -> OperationalError:
    return OperationalError("INSERT INTO interaction ...", {"notes": "private"}, Exception(message))


def test_sqlite_locked_is_a_503_busy_try_again_with_retry_after(app, error_lines):
    client = raising(app, operational("database is locked"))
    response = client.get("/test-database", headers=HTMX)
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "<strong>Busy, try again.</strong>" in text and "nothing was saved" in text
    assert "<html" not in text and "Traceback" not in text
    line = json.loads(error_lines[0])
    assert (line["status"], line["request_id"]) == (503, response.headers["X-Request-Id"])
    assert line["error"] == "Exception: database is locked"  # not the statement's values
    assert "private" not in error_lines[0]


def test_a_database_away_is_a_503_page_and_api_json(app):
    client = raising(app, operational("connection refused"))
    page = client.get("/test-database")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "The database is not answering; try again in a moment." in page.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True)


def test_a_database_error_that_is_a_bug_is_still_a_500(app, error_lines):
    client = raising(
        app, IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed: x"))
    )
    response = client.get("/test-database")
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert "IntegrityError" in json.loads(error_lines[0])["error"]
