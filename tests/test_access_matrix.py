"""Every route × every role × own / other agent's / other team's object.

The expected status comes from the route's access class in
tests/access_table.py: allowed GETs answer below 400, allowed POSTs anything
but 404/405/500; a logged-in user who may not reach the object gets 404
(never 403: ids leak nothing); an anonymous visitor is sent to the login
page. The API is reached with tokens instead of the session (`sign_in`), and
without one answers 401. Every HTML page reached on the way is scanned for
what the CSP forbids.
"""

import pytest

from config import TestConfig
from tests.routes import (
    ENDPOINT_PARAMS,
    OBJECT_PARAMS,
    STATE_CHANGING,
    access_of,
    build_url,
    fetch,
    log_in,
    make_owned,
    may_reach,
    page_problems,
    rule_id,
    rules_of,
    sign_in,
    url_params,
)
from webapp import create_app

# Collected once from a throwaway app: every route, added by any feature.
RULES = {rule_id(rule): rule for rule in rules_of(create_app(TestConfig))}

ROLES = ("agent", "other_agent", "manager", "admin", "rival_manager")
OWNERS = ("agent", "other_agent", "rival_agent")


def test_every_endpoint_has_an_access_class(app):
    from tests.access_table import ACCESS

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - ACCESS.keys())
    assert not missing, f"add these endpoints to tests/access_table.py ACCESS: {missing}"
    stale = sorted(ACCESS.keys() - endpoints)
    assert not stale, f"tests/access_table.py lists endpoints that no longer exist: {stale}"


def methods_of(rule) -> list[str]:
    """GET when the route has it, and its state-changing method (POST...) too."""
    return (["GET"] if "GET" in rule.methods else []) + sorted(rule.methods & STATE_CHANGING)[:1]


def check(response, *, method: str, allowed: bool, anonymous: bool) -> str | None:
    """None when the status is what the access class promises, else what went wrong."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if allowed:
        # (422: reached, but the query it was given is not a valid form.)
        if method == "GET" and status >= 400 and status != 422:
            return f"allowed, but GET answered {status}"
        sent_to_login = response.headers.get("Location", "").startswith("/auth/login")
        if method == "GET" and not anonymous and sent_to_login:
            return "allowed, but sent to the login page"
        if method != "GET" and status in (404, 405):
            return f"allowed, but {method} answered {status}"
        return None
    if anonymous:
        location = response.headers.get("Location", "")
        if status == 401 or (status == 302 and location.startswith("/auth/login")):
            return None
        return f"anonymous should be sent to log in, got {status} {location}"
    if status != 404:
        return f"forbidden should be 404, got {status}"
    return None


@pytest.mark.parametrize("name", sorted(RULES))
def test_access(app, team, name):
    rule = RULES[name]
    access = access_of(rule)
    has_object = bool(url_params(rule) & OBJECT_PARAMS) or rule.endpoint in ENDPOINT_PARAMS
    shared = {owner: make_owned(team[owner]) for owner in OWNERS}

    cases = [(None, "agent")] + [(role, owner) for role in ROLES for owner in OWNERS]
    if not has_object:  # nothing owned in the URL: one request per role is enough
        cases = [(None, "agent")] + [(role, "agent") for role in ROLES]
    failures = []
    for method in methods_of(rule):
        for role, owner in cases:
            user = team[role] if role else None
            # A POST may change or delete its object: each one gets fresh objects.
            owned = shared[owner] if method == "GET" else make_owned(team[owner])
            client = app.test_client()
            headers = sign_in(client, user, access)
            url = build_url(app, rule, owned)
            response = fetch(app, client, url, method, data={}, headers=headers)
            allowed = may_reach(access, user, owned.owner, has_object)
            problem = check(response, method=method, allowed=allowed, anonymous=user is None)
            who = f"{role or 'anonymous'} on {owner}'s object: {method} {url}"
            if problem:
                failures.append(f"{who}: {problem}")
            if method == "GET" and response.status_code == 200:
                failures += [f"{who}: {p}" for p in page_problems(response)]
            response.close()

    if access.startswith("bearer"):  # a session cookie alone opens nothing of the API
        for method in methods_of(rule):
            client = app.test_client()
            log_in(client, team["agent"])
            url = build_url(app, rule, make_owned(team["agent"]))
            response = fetch(app, client, url, method, data={})
            response.close()
            if response.status_code != 401:
                failures.append(f"session cookie alone: {method} {url}: {response.status_code}")
    if access == "token" and "GET" in rule.methods:
        url = build_url(app, rule, shared["agent"], token="not-a-token")
        response = fetch(app, app.test_client(), url)
        response.close()
        if response.status_code != 404:
            failures.append(f"wrong token should be 404, got {response.status_code}")
    assert not failures, f"{access!r} route {rule.rule}:\n" + "\n".join(failures)


@pytest.mark.parametrize("name", sorted(n for n, r in RULES.items() if "GET" in r.methods))
def test_htmx_fragments_are_clean_too(app, team, name):
    """The block an htmx request gets obeys the same CSP rules as the whole page."""
    rule = RULES[name]
    user = team["admin"] if access_of(rule) == "admin" else team["manager"]
    if access_of(rule) in ("partner", "login") and not url_params(rule) & OBJECT_PARAMS:
        user = team["agent"]
    owned = make_owned(team["agent"])
    client = app.test_client()
    log_in(client, user)
    response = fetch(app, client, build_url(app, rule, owned), headers={"HX-Request": "true"})
    problems = page_problems(response) if response.status_code == 200 else []
    response.close()
    assert response.status_code < 500
    assert not problems
