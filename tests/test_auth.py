from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from config import TestConfig, ratelimit_storage
from tests.helpers import PASSWORD, fresh_app, make_user
from tests.mailbox import emails_to, link_in, submit_link
from webapp.auth import throttle
from webapp.extensions import db as _db
from webapp.models import Team, UserSession


def test_login_page_renders(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert b'<label for="email">Email</label>' in response.data


def test_login_and_logout(client, auth, team):
    response = auth.login(team["agent"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/today"
    assert client.get("/today").status_code == 200
    auth.logout()
    assert client.get("/today").status_code == 302


def test_wrong_password_says_so_beside_the_field(client, auth, team):
    response = auth.login(team["agent"], password="nope")
    assert response.status_code == 422
    assert b"do not match an account" in response.data
    assert client.get("/today").status_code == 302


def test_deactivated_user_cannot_log_in(client, auth, team, db):
    team["agent"].active = False
    db.session.commit()
    response = auth.login(team["agent"], PASSWORD)
    assert response.status_code == 422
    assert b"deactivated" in response.data


def test_next_is_followed_only_when_local(client, team):
    form = {"email": team["agent"].email, "password": PASSWORD}
    response = client.post("/auth/login?next=/partners/", data=form)
    assert response.headers["Location"] == "/partners/"
    client.post("/auth/logout")
    for hostile in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x"):
        response = client.post("/auth/login", query_string={"next": hostile}, data=form)
        assert response.headers["Location"] == "/today", hostile
        client.post("/auth/logout")


def test_htmx_request_without_session_gets_hx_redirect(client):
    response = client.get("/today", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/auth/login")


def test_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]


def test_a_nul_character_is_refused_with_a_message_and_nothing_is_read(client, auth, team):
    auth.login(team["agent"])
    response = client.post("/partners/new", data={"name": "Null\x00Byte", "profession": "other"})
    assert response.status_code == 400
    assert b"invisible control character" in response.data
    assert client.get("/partners/?q=a%00b").status_code == 400


# --- throttling per account (in the database) and per address -------------------

START = datetime(2026, 11, 20, 14, 0)


def at(app, moment: datetime) -> None:
    app.config["PARTNERPLAN_NOW"] = moment.isoformat()


def test_five_failures_make_the_account_wait_even_for_the_right_password(app, client, team):
    at(app, START)
    agent = team["agent"]
    for _ in range(throttle.FREE_FAILURES):
        assert (
            client.post("/auth/login", data={"email": agent.email, "password": "nope"}).status_code
            == 422
        )
    # From another address too: the count is on the account, not the address.
    other_office = app.test_client()
    right = {"email": agent.email, "password": PASSWORD}
    refused = other_office.post(
        "/auth/login", data=right, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert refused.status_code == 429
    assert b"wait 1 minute" in refused.data
    # The same answer for a wrong password: nothing says which it was.
    wrong = client.post("/auth/login", data={"email": agent.email, "password": "nope"})
    assert wrong.status_code == 429 and b"wait 1 minute" in wrong.data
    at(app, START + timedelta(minutes=1, seconds=1))
    assert client.post("/auth/login", data=right).status_code == 302
    assert agent.failed_logins == 0 and agent.locked_until is None


def test_each_further_failure_doubles_the_wait_up_to_five_minutes():
    waits = [throttle.backoff(n) for n in range(1, 12)]
    assert waits[:4] == [None] * 4
    assert [w.total_seconds() / 60 for w in waits[4:]] == [1, 2, 4, 5, 5, 5, 5]


def test_the_wait_grows_with_failures_after_it(app, client, team, db):
    at(app, START)
    agent = team["agent"]
    for _ in range(throttle.FREE_FAILURES):
        client.post("/auth/login", data={"email": agent.email, "password": "nope"})
    at(app, START + timedelta(minutes=2))
    client.post("/auth/login", data={"email": agent.email, "password": "nope"})  # the 6th
    response = client.post("/auth/login", data={"email": agent.email, "password": PASSWORD})
    assert response.status_code == 429 and b"wait 2 minutes" in response.data


def counted(user):
    """The user as the requests left it."""
    _db.session.refresh(user)
    return user


def fail(client, email: str, times: int = 1) -> None:
    for _ in range(times):
        client.post("/auth/login", data={"email": email, "password": "nope"})


def test_someone_failing_on_a_colleagues_account_now_and_then_makes_them_wait_minutes_at_most(
    app, client, auth, team
):
    """A wrong password on Sam's account every few minutes, for hours: Sam never has
    more than five minutes to wait, and gets in as soon as the tries stop."""
    at(app, START)
    sam = team["agent"]
    fail(client, sam.email, throttle.FREE_FAILURES)
    moment = START
    for _ in range(15):  # an hour
        moment += timedelta(minutes=4)
        at(app, moment)
        fail(client, sam.email)
        assert throttle.wait_for(counted(sam)) <= 5
    at(app, moment + throttle.LONGEST)
    assert auth.login(sam).status_code == 302


def test_the_owner_gets_in_at_once_with_a_new_password_from_a_link(
    app, client, auth, team, mailbox
):
    """Locked by someone else's failures, Sam asks for a link: the new password signs him
    in there and then, and starts the count again."""
    at(app, START)
    sam = team["agent"]
    attacker = app.test_client()
    fail(attacker, sam.email, throttle.FREE_FAILURES + 3)
    assert auth.login(sam).status_code == 429
    client.post("/auth/forgot", data={"email": sam.email})
    [message] = emails_to(mailbox, sam.email)
    response = submit_link(
        client, link_in(message, "reset"), {"password": "lantern orchard velvet 42"}
    )
    assert response.headers["Location"] == "/today"
    assert client.get("/today").status_code == 200
    assert (counted(sam).failed_logins, sam.locked_until) == (0, None)
    with app.app_context():  # a request of its own, not in the wake of Sam's sign-in
        fail(attacker, sam.email)  # the next failure is the first of a new count
    assert counted(sam).failed_logins == 1 and throttle.wait_for(sam) == 0


def test_failures_are_forgotten_after_a_quiet_day(app, client, auth, team):
    at(app, START)
    sam = team["agent"]
    fail(client, sam.email, throttle.FREE_FAILURES - 1)
    at(app, START + throttle.FORGET_AFTER - timedelta(seconds=1))
    fail(client, sam.email)  # the fifth in a row: a minute's wait
    assert throttle.wait_for(counted(sam)) == 1
    quiet = START + 2 * throttle.FORGET_AFTER
    at(app, quiet)
    fail(client, sam.email)  # a day later: the first of a new count
    assert counted(sam).failed_logins == 1 and throttle.wait_for(sam) == 0
    assert auth.login(sam).status_code == 302


class OfficeConfig(TestConfig):
    RATELIMIT_ENABLED = True


@pytest.fixture
def office_app():
    with fresh_app(OfficeConfig) as app:
        yield app


def test_an_office_behind_one_address_is_not_locked_out_by_one_person(office_app):
    harbor = Team(name="Harbor Realty Group")
    _db.session.add(harbor)
    people = [make_user(harbor, f"agent{n}@harbor.example") for n in range(12)]
    _db.session.commit()
    for _ in range(8):  # one person who forgot their password
        office_app.test_client().post(
            "/auth/login", data={"email": people[0].email, "password": "nope"}
        )
    for person in people[1:]:
        with office_app.app_context():
            response = office_app.test_client().post(
                "/auth/login", data={"email": person.email, "password": PASSWORD}
            )
        assert response.status_code == 302, person.email


def test_the_address_limit_still_stops_a_flood_from_one_address(office_app):
    office_app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = office_app.test_client()
    statuses = [
        client.post("/auth/login", data={"email": "x@y.example", "password": "nope"}).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]


def test_rate_limit_counts_go_to_redis_when_there_is_one():
    assert ratelimit_storage({}) == "memory://"
    assert ratelimit_storage({"REDIS_URL": "redis://cache:6379/0"}) == "redis://cache:6379/0"
    explicit = {"REDIS_URL": "redis://cache/0", "RATELIMIT_STORAGE_URI": "memcached://m:11211"}
    assert ratelimit_storage(explicit) == "memcached://m:11211"


class BehindProxyConfig(TestConfig):
    PROXY_FIX_X_FOR = 1


@pytest.mark.parametrize(
    "config, seen", [(TestConfig, "127.0.0.1"), (BehindProxyConfig, "203.0.113.50")]
)
def test_the_forwarded_address_is_believed_only_when_the_operator_says_so(config, seen):
    with fresh_app(config) as app:
        harbor = Team(name="Harbor")
        _db.session.add(harbor)
        user = make_user(harbor, "sam@harbor.example")
        _db.session.commit()
        app.test_client().post(
            "/auth/login",
            data={"email": user.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.50"},
        )
        assert _db.session.scalar(sa.select(UserSession.ip)) == seen


# --- the same answer, and the same work, whoever asks ---------------------------
def test_unknown_wrong_and_deactivated_get_the_same_answer(client, auth, team, db):
    def error_of(response) -> bytes:
        start = response.data.index(b'class="error-text"')
        return response.data[start : response.data.index(b"</p>", start)]

    unknown = auth.login("nobody@harbor.example", PASSWORD)
    wrong = auth.login(team["agent"], "not the password")
    team["other_agent"].active = False
    db.session.commit()
    deactivated = auth.login(team["other_agent"], PASSWORD)
    assert unknown.status_code == wrong.status_code == deactivated.status_code == 422
    assert error_of(unknown) == error_of(wrong) == error_of(deactivated)


def test_a_password_hash_is_checked_for_an_unknown_email_too(client, auth, team, monkeypatch):
    from webapp.auth import credentials

    checked = []
    real = credentials.check_password_hash

    def counting(stored, password):
        checked.append(stored)
        return real(stored, password)

    monkeypatch.setattr(credentials, "check_password_hash", counting)
    auth.login("nobody@harbor.example", PASSWORD)
    assert len(checked) == 1
    auth.login(team["agent"], "not the password")
    assert len(checked) == 2
    assert checked[0] != team["agent"].password_hash  # the dummy hash, of the same method


def test_an_unknown_email_is_refused_like_an_account_after_as_many_failures(app, client, team):
    """Only real accounts answering 'wait' would tell which emails have one."""
    at(app, START)

    def answers(email: str) -> list[tuple[int, bytes]]:
        out = []
        for _ in range(throttle.FREE_FAILURES + 1):
            response = client.post("/auth/login", data={"email": email, "password": "nope"})
            page = response.get_data()
            out.append(
                (response.status_code, b"wait 1 minute" in page, b"do not match an account" in page)
            )
        return out

    known = answers(team["agent"].email)
    unknown = answers("Nobody@Harbor.example")
    assert unknown == known
    assert unknown[-1][:2] == (429, True)
    # Counted on the normalised email: the case does not start a new count.
    again = client.post("/auth/login", data={"email": "nobody@harbor.EXAMPLE", "password": "x"})
    assert again.status_code == 429
    at(app, START + timedelta(minutes=1, seconds=1))
    later = client.post("/auth/login", data={"email": "nobody@harbor.example", "password": "x"})
    assert later.status_code == 422  # the wait is over; the next failure doubles it

    # A day later both counts start again, alike.
    at(app, START + timedelta(minutes=2) + throttle.FORGET_AFTER)
    assert answers("nobody@harbor.example") == answers(team["agent"].email) == known
