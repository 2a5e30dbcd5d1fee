"""CSRF on every state change, login throttling, cookie flags, redirects.

The suite's TestConfig turns CSRF and rate limiting off so that feature
tests stay short; here they are switched back on, as in production.
"""

import re
from urllib.parse import urlsplit

import pytest

from config import TestConfig
from tests.helpers import PASSWORD
from tests.routes import (
    STATE_CHANGING,
    access_of,
    build_url,
    fetch,
    log_in,
    make_owned,
    rule_id,
    rules_of,
)
from webapp import create_app
from webapp.extensions import csrf, limiter
from webapp.extensions import db as _db


class CsrfConfig(TestConfig):
    WTF_CSRF_ENABLED = True


class ThrottledConfig(TestConfig):
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "3 per minute"


class SecureCookieConfig(TestConfig):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


def app_with(config):
    """An app on its own fresh database, for the configs above."""
    app = create_app(config)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        _db.session.remove()
    return app


@pytest.fixture
def csrf_app(app):
    """The suite's app (and database), with CSRF protection switched on."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


# The views without CSRF protection: the one-click unsubscribes (RFC 8058) of
# the morning email and of the partner's quarterly report, which mail clients
# POST with no session and no token; the signed token in the URL is the proof
# (tests/test_morning_email.py, tests/test_partner_report.py).
CSRF_EXEMPT = {"morning.unsubscribe_now", "partner_report.unsubscribe_now"}
# And the JSON API, which reads no cookie: a request is its bearer token's
# (a session cookie alone gets 401, tests/test_access_matrix.py), which a
# page elsewhere cannot make a browser send.
CSRF_EXEMPT_BLUEPRINTS = {"api"}

STATE_CHANGING_RULES = {
    rule_id(rule): rule
    for rule in rules_of(create_app(TestConfig))
    if rule.methods & STATE_CHANGING
    and rule.endpoint not in CSRF_EXEMPT
    and rule.endpoint.split(".")[0] not in CSRF_EXEMPT_BLUEPRINTS
}


def test_only_the_one_click_unsubscribes_and_the_bearer_api_are_exempt_from_csrf(app):
    exempt = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    assert exempt == CSRF_EXEMPT
    assert {blueprint.name for blueprint in csrf._exempt_blueprints} == CSRF_EXEMPT_BLUEPRINTS
    assert {
        access_of(rule) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
    } == {"bearer", "bearer-manager"}


# Whom to send for each access class: someone who may reach the route.
SENDER = {
    "public": None,
    "token": None,
    "login": "agent",
    "partner": "agent",
    "manager": "manager",
    "admin": "admin",
    "owner": "agent",
}
CSRF_REFUSED = b"This form has expired or was not sent from PartnerPlan"


def csrf_token_of(app, client) -> str:
    """The token htmx sends: the one in the page's hx-headers."""
    page = fetch(app, client, "/today", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'"X-CSRFToken": "([^"]+)"', page)
    assert match, "no CSRF token in the page's hx-headers"
    return match.group(1)


@pytest.mark.parametrize("name", sorted(STATE_CHANGING_RULES))
def test_state_change_needs_a_csrf_token(csrf_app, team, name):
    app, rule = csrf_app, STATE_CHANGING_RULES[name]
    role = SENDER[access_of(rule)]
    method = sorted(rule.methods & STATE_CHANGING)[0]
    client = app.test_client()
    log_in(client, team[role] if role else None)

    url = build_url(app, rule, make_owned(team["agent"]))
    for headers in ({}, {"HX-Request": "true"}):
        refused = fetch(app, client, url, method, data={}, headers=headers)
        assert refused.status_code == 400, (url, headers, refused.status_code)
        assert CSRF_REFUSED in refused.data

    token = csrf_token_of(app, client)
    url = build_url(app, rule, make_owned(team["agent"]))
    accepted = fetch(app, client, url, method, data={}, headers={"X-CSRFToken": token})
    assert CSRF_REFUSED not in accepted.data
    assert accepted.status_code < 500
    url = build_url(app, rule, make_owned(team["agent"]))
    htmx = {"X-CSRFToken": token, "HX-Request": "true"}
    accepted = fetch(app, client, url, method, data={}, headers=htmx)
    assert CSRF_REFUSED not in accepted.data
    assert accepted.status_code < 500


def test_login_form_works_with_its_token(csrf_app, team):
    client = csrf_app.test_client()
    token = csrf_token_of(csrf_app, client)
    form = {"email": team["agent"].email, "password": PASSWORD, "csrf_token": token}
    response = fetch(csrf_app, client, "/auth/login", "POST", data=form)
    assert response.status_code == 302
    assert fetch(csrf_app, client, "/today").status_code == 200


def test_every_page_carries_the_token_htmx_sends(csrf_app, team):
    client = csrf_app.test_client()
    log_in(client, team["agent"])
    page = fetch(csrf_app, client, "/today").get_data(as_text=True)
    assert re.search(r'hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', page)


@pytest.fixture
def throttled_app():
    app = app_with(ThrottledConfig)
    with app.app_context():
        limiter.reset()
        yield app
        limiter.reset()
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def test_login_attempts_are_throttled(throttled_app, team_in):
    users = team_in(throttled_app)
    client = throttled_app.test_client()
    wrong = {"email": users["agent"].email, "password": "guess"}
    statuses = [
        fetch(throttled_app, client, "/auth/login", "POST", data=wrong).status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 422]
    blocked = fetch(throttled_app, client, "/auth/login", "POST", data=wrong)
    assert blocked.status_code == 429
    assert b"Too many attempts" in blocked.data
    # Even the right password waits: the limit is on attempts, not failures.
    right = {"email": users["agent"].email, "password": PASSWORD}
    assert fetch(throttled_app, client, "/auth/login", "POST", data=right).status_code == 429
    # Reading the login page is never throttled.
    assert fetch(throttled_app, client, "/auth/login").status_code == 200


@pytest.fixture
def team_in():
    """The conftest team, in another app's database."""
    from tests.helpers import make_user
    from webapp.models import Team

    def build(app):
        harbor = Team(name="Harbor Realty Group")
        _db.session.add(harbor)
        _db.session.flush()
        users = {"agent": make_user(harbor, "sam@harbor.example", "agent", "Sam Ortiz")}
        _db.session.commit()
        return users

    return build


def cookie_flags(response, name: str) -> dict[str, str | bool]:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            flags: dict[str, str | bool] = {}
            for part in header.split(";")[1:]:
                key, _, value = part.strip().partition("=")
                flags[key.lower()] = value or True
            return flags
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def test_session_and_remember_cookies_are_httponly_and_lax(client, team):
    form = {"email": team["agent"].email, "password": PASSWORD, "remember": "y"}
    response = client.post("/auth/login", data=form)
    for name in ("session", "remember_token"):
        flags = cookie_flags(response, name)
        assert flags.get("httponly") is True, name
        assert flags.get("samesite") == "Lax", name
        assert "secure" not in flags, name  # plain http in tests unless configured


@pytest.fixture
def secure_app():
    app = app_with(SecureCookieConfig)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def test_cookies_are_secure_when_configured(secure_app, team_in):
    users = team_in(secure_app)
    client = secure_app.test_client()
    form = {"email": users["agent"].email, "password": PASSWORD, "remember": "y"}
    response = fetch(secure_app, client, "/auth/login", "POST", data=form)
    for name in ("session", "remember_token"):
        flags = cookie_flags(response, name)
        assert flags.get("secure") is True, name
        assert flags.get("httponly") is True, name


HOSTILE_NEXT = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "https:evil.example",
    " //evil.example",
    "/%2F%2Fevil.example",
    "\t//evil.example",
    "//evil.example/%2F..",
    "http:/evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_redirects_off_site(client, team, target):
    form = {"email": team["agent"].email, "password": PASSWORD}
    response = client.post("/auth/login", query_string={"next": target}, data=form)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location


def test_login_keeps_a_local_next_with_its_query(client, team):
    form = {"email": team["agent"].email, "password": PASSWORD}
    response = client.post("/auth/login", query_string={"next": "/partners/?q=ryan"}, data=form)
    assert response.headers["Location"] == "/partners/?q=ryan"


def test_pages_send_security_headers_to_everyone(client, team):
    anonymous = fetch(client.application, client, "/auth/login")
    log_in(client, team["agent"])
    for response in (anonymous, fetch(client.application, client, "/today")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_of_a_logged_in_user_are_never_cached_but_static_files_are(client, team):
    """A shared computer's back button or cache must not show someone's book; the
    style sheet and scripts, the same for everyone, are revalidated, not re-sent."""
    assert "no-store" not in fetch(client.application, client, "/auth/login").headers.get(
        "Cache-Control", ""
    )
    log_in(client, team["agent"])
    assert fetch(client.application, client, "/today").headers["Cache-Control"] == "no-store"
    first = client.get("/static/app.css")
    assert first.status_code == 200 and "no-store" not in first.headers.get("Cache-Control", "")
    again = client.get("/static/app.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    first.close()
    again.close()
