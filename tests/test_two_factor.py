"""Two-factor sign-in: turned on from the security page, asked after the password,
required by the team for managers and admins. Codes follow the one clock."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import sqlalchemy as sa

from tests.helpers import PASSWORD, at_once, make_user
from webapp import clock
from webapp.models import AuditEvent, Team, User

NOW = datetime(2026, 11, 20, 14, 0, 10)


def code_at(app, secret: str, later: timedelta = timedelta(0)) -> str:
    """The authenticator app's code, at the app's (frozen) time."""
    with app.test_request_context():
        now = clock.utcnow()
    return pyotp.TOTP(secret).at((now + later).replace(tzinfo=UTC))


def turn_on(app, client) -> tuple[str, list[str]]:
    """Through the pages: the secret shown, a code confirmed, the recovery codes shown."""
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<svg" in text and "<script" not in text.split("<main")[1]
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', text).group(1)
    response = client.post("/account/two-factor", data={"code": code_at(app, secret)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/two-factor/recovery-codes"
    shown = client.get("/account/two-factor/recovery-codes").get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown)
    assert len(codes) == 10
    again = client.get("/account/two-factor/recovery-codes")
    assert again.status_code == 302  # shown once
    return secret, codes


def password_step(client, user, **form):
    return client.post("/auth/login", data={"email": user.email, "password": PASSWORD, **form})


def test_turned_on_two_factor_is_asked_after_the_password(app, client, auth, team, db):
    app.config["PARTNERPLAN_NOW"] = NOW.isoformat()
    auth.login(team["agent"])
    secret, _ = turn_on(app, client)
    assert team["agent"].totp_secret == secret
    auth.logout()

    response = password_step(client, team["agent"])
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/auth/two-factor")
    assert client.get("/today").status_code == 302  # not signed in yet
    wrong = client.post("/auth/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and b"not right" in wrong.data
    app.config["PARTNERPLAN_NOW"] = (NOW + timedelta(seconds=40)).isoformat()
    response = client.post("/auth/two-factor", data={"code": code_at(app, secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/today"
    assert client.get("/today").status_code == 200
    kinds = set(db.session.scalars(sa.select(AuditEvent.kind)))
    assert {"two_factor_on", "sign_in", "sign_in_failed", "sign_out"} <= kinds


def test_a_code_is_good_once(app, client, auth, team):
    app.config["PARTNERPLAN_NOW"] = NOW.isoformat()
    auth.login(team["agent"])
    secret, _ = turn_on(app, client)
    auth.logout()
    password_step(client, team["agent"])
    # The code that turned it on, in the same 30 seconds, is spent.
    assert client.post("/auth/two-factor", data={"code": code_at(app, secret)}).status_code == 422


def test_a_recovery_code_signs_in_once(app, client, auth, team):
    app.config["PARTNERPLAN_NOW"] = NOW.isoformat()
    auth.login(team["agent"])
    _, codes = turn_on(app, client)
    auth.logout()
    password_step(client, team["agent"])
    assert client.post("/auth/two-factor", data={"code": codes[3].upper()}).status_code == 302
    auth.logout()
    password_step(client, team["agent"])
    assert client.post("/auth/two-factor", data={"code": codes[3]}).status_code == 422
    assert len(team["agent"].recovery_codes) == 9
    assert codes[0] not in str(team["agent"].recovery_codes)  # stored hashed


def test_a_wrong_confirmation_code_leaves_it_off(app, client, auth, team):
    auth.login(team["agent"])
    client.get("/account/two-factor")
    response = client.post("/account/two-factor", data={"code": "123456"})
    assert response.status_code == 422 and b"not right" in response.data
    assert team["agent"].totp_secret is None
    auth.logout()
    assert password_step(client, team["agent"]).headers["Location"] == "/today"


def test_the_second_step_expires_and_cannot_be_skipped(app, client, auth, team):
    app.config["PARTNERPLAN_NOW"] = NOW.isoformat()
    auth.login(team["agent"])
    secret, _ = turn_on(app, client)
    auth.logout()
    assert client.get("/auth/two-factor").headers["Location"] == "/auth/login"  # no password yet
    password_step(client, team["agent"])
    app.config["PARTNERPLAN_NOW"] = (NOW + timedelta(minutes=6)).isoformat()
    response = client.post("/auth/two-factor", data={"code": code_at(app, secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"


def test_turning_it_off_needs_the_password(app, client, auth, team):
    app.config["PARTNERPLAN_NOW"] = NOW.isoformat()
    auth.login(team["agent"])
    turn_on(app, client)
    refused = client.post("/account/two-factor/off", data={"password": "nope"})
    assert refused.status_code == 422 and b"password-error" in refused.data
    assert client.post("/account/two-factor/off", data={"password": PASSWORD}).status_code == 303
    assert team["agent"].totp_secret is None


def test_a_team_can_require_two_factor_of_managers_and_admins(app, client, auth, team, db):
    app.config["PARTNERPLAN_NOW"] = NOW.isoformat()
    auth.login(team["admin"])
    settings = {
        "commission_per_side": "12000",
        "timezone": "America/New_York",
        "planning_hours": "fri 13:00-16:00",
        "require_two_factor": "y",
    }
    assert client.post("/admin/settings", data=settings).status_code == 303
    # The admin, already signed in, is sent to set it up before anything else.
    assert client.get("/partners/").headers["Location"] == "/account/two-factor"
    auth.logout()

    response = password_step(client, team["manager"])
    assert response.headers["Location"] == "/account/two-factor"
    assert client.get("/today").headers["Location"] == "/account/two-factor"
    turn_on(app, client)
    assert client.get("/today").status_code == 200
    auth.logout()

    # Agents are not asked.
    assert password_step(client, team["agent"]).headers["Location"] == "/today"


def test_guessing_the_password_to_turn_it_off_is_throttled(app, client, auth, team):
    app.config["PARTNERPLAN_NOW"] = NOW.isoformat()
    auth.login(team["agent"])
    turn_on(app, client)
    for _ in range(5):
        refused = client.post("/account/two-factor/off", data={"password": "nope"})
        assert refused.status_code == 422
    backed_off = client.post("/account/two-factor/off", data={"password": PASSWORD})
    assert backed_off.status_code == 429 and b"Too many wrong passwords" in backed_off.data
    assert team["agent"].totp_secret is not None
    app.config["PARTNERPLAN_NOW"] = (NOW + timedelta(minutes=2)).isoformat()
    assert client.post("/account/two-factor/off", data={"password": PASSWORD}).status_code == 303
    assert team["agent"].totp_secret is None and team["agent"].failed_logins == 0


def two_factor_user(app):
    """Sam, with two-factor on (secret and recovery codes), committed."""
    from webapp.auth import two_factor
    from webapp.extensions import db

    app.config["PARTNERPLAN_NOW"] = NOW.isoformat()
    sam = make_user(Team(name="Harbor Realty Group"), "sam@harbor.example")
    sam.totp_secret = two_factor.new_secret()
    codes = two_factor.new_recovery_codes(sam)
    db.session.commit()
    return sam, codes


def test_a_code_sent_twice_at_once_passes_once(shared_app):
    from webapp.auth import two_factor
    from webapp.extensions import db

    sam, codes = two_factor_user(shared_app)
    sam_id = sam.id  # read here: the threads have sessions of their own
    code = code_at(shared_app, sam.totp_secret)

    def check(user):
        passed = two_factor.check_totp(user, code)
        db.session.commit()
        return passed

    assert sorted(at_once(shared_app, lambda: db.session.get(User, sam_id), check)) == [
        False,
        True,
    ]


def test_a_recovery_code_sent_twice_at_once_passes_once(shared_app):
    from webapp.auth import two_factor
    from webapp.extensions import db

    sam, codes = two_factor_user(shared_app)
    sam_id = sam.id  # read here: the threads have sessions of their own

    def use(user):
        used = two_factor.use_recovery_code(user, codes[0])
        db.session.commit()
        return used

    results = at_once(shared_app, lambda: db.session.get(User, sam_id), use)
    assert sorted(results) == [False, True]
    db.session.expire_all()
    assert len(db.session.get(User, sam.id).recovery_codes) == 9
    assert two_factor.use_recovery_code(db.session.get(User, sam.id), codes[1])
