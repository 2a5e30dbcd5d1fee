"""Personal access tokens: the API tokens page and `flask tokens`."""

import re

import pytest
import sqlalchemy as sa

from tests.helpers import bearer, count, make_token
from tests.routes import fetch, log_in
from webapp.models import ApiToken, AuditEvent, token_hash


@pytest.fixture(autouse=True)
def frozen_now(app):
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T15:30"


def signed_in(app, user):
    client = app.test_client()
    log_in(client, user)
    return client


def secret_on(html: str) -> str | None:
    match = re.search(r'id="new-token-secret"[^>]* value="(pp_[^"]+)"', html)
    return match.group(1) if match else None


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(app, team, db):
    client = signed_in(app, team["agent"])
    form = {"name": "Spreadsheet sync", "scope": "write", "lifetime": "30"}
    made = fetch(app, client, "/account/tokens", "POST", data=form)
    assert made.status_code == 303 and made.headers["Location"] == "/account/tokens"

    page = fetch(app, client, "/account/tokens").get_data(as_text=True)
    secret = secret_on(page)
    assert secret and "Copy it now: it will not be shown again." in page
    again = fetch(app, client, "/account/tokens").get_data(as_text=True)
    assert secret_on(again) is None and secret not in again
    assert "Spreadsheet sync" in again and "End of 20 Dec 2026" in again

    row = db.session.scalar(sa.select(ApiToken))
    assert row.token_hash == token_hash(secret) and row.prefix == secret[:10]
    assert secret not in {str(value) for value in row.__dict__.values()}
    assert (row.user_id, row.team_id, row.scope) == (
        team["agent"].id,
        team["agent"].team_id,
        "write",
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "api_token_created"))
    assert event.user_id == team["agent"].id and secret not in str(event.after)

    response = fetch(app, app.test_client(), "/api/v1/partners", headers=bearer(secret))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "form, message",
    [
        ({"name": "", "scope": "read", "lifetime": "90"}, "Say what the token is for."),
        ({"name": "x" * 81, "scope": "read", "lifetime": "90"}, "Field cannot be longer than 80"),
        ({"name": "Sync", "scope": "admin", "lifetime": "90"}, "Not a valid choice"),
        ({"name": "Sync", "scope": "read", "lifetime": "7"}, "Not a valid choice"),
    ],
)
def test_a_refused_token_form_says_why_and_makes_nothing(app, team, db, form, message):
    client = signed_in(app, team["agent"])
    response = fetch(app, client, "/account/tokens", "POST", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, ApiToken) == 0


def test_revoking_stops_the_token_and_is_audited(app, team, db):
    secret = make_token(team["agent"])
    row = db.session.scalar(sa.select(ApiToken))
    client = signed_in(app, team["agent"])
    response = fetch(app, client, f"/account/tokens/{row.id}/revoke", "POST")
    assert response.status_code == 303
    page = fetch(app, client, "/account/tokens").get_data(as_text=True)
    assert "is revoked" in page and "Revoked" in page
    assert (
        fetch(app, app.test_client(), "/api/v1/partners", headers=bearer(secret)).status_code == 401
    )
    assert db.session.scalar(sa.select(AuditEvent.kind).order_by(AuditEvent.id.desc())) == (
        "api_token_revoked"
    )


def test_nobody_else_sees_or_revokes_a_users_tokens(app, team, db):
    secret = make_token(team["agent"])
    row = db.session.scalar(sa.select(ApiToken))
    for other in ("other_agent", "manager", "admin", "rival_manager"):
        client = signed_in(app, team[other])
        assert "Test script" not in fetch(app, client, "/account/tokens").get_data(as_text=True)
        url = f"/account/tokens/{row.id}/revoke"
        assert fetch(app, client, url, "POST").status_code == 404
    db.session.refresh(row)
    assert row.revoked_at is None
    assert (
        fetch(app, app.test_client(), "/api/v1/partners", headers=bearer(secret)).status_code == 200
    )


def test_the_list_says_when_a_token_expired_and_when_it_was_last_used(app, team, db):
    secret = make_token(team["agent"], days=30)
    fetch(app, app.test_client(), "/api/v1/partners", headers=bearer(secret))
    app.config["PARTNERPLAN_NOW"] = "2026-12-21T09:00"
    page = fetch(app, signed_in(app, team["agent"]), "/account/tokens").get_data(as_text=True)
    # Made and last used at 15:30 UTC: the team's 10:30 in New York.
    assert "Expired" in page and "20 Nov 2026, 10:30" in page


def test_the_menu_links_the_page(app, team):
    page = fetch(app, signed_in(app, team["agent"]), "/today").get_data(as_text=True)
    assert 'href="/account/tokens"' in page


# --- flask tokens ---------------------------------------------------------------------------


def test_the_cli_prints_a_working_token_on_its_last_line(app, team, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["tokens", "create", "SAM@harbor.example", "--scope", "write",
              "--name", "Nightly import", "--days", "90"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("pp_") and " " not in secret
    row = db.session.scalar(sa.select(ApiToken))
    assert row.token_hash == token_hash(secret) and row.name == "Nightly import"
    assert row.user_id == team["agent"].id and row.scope == "write"
    with app.app_context():
        from webapp.api.tokens import last_day

        assert last_day(row, "America/New_York").isoformat() == "2027-02-18"
    assert (
        fetch(app, app.test_client(), "/api/v1/partners", headers=bearer(secret)).status_code == 200
    )

    listed = runner.invoke(args=["tokens", "list", "sam@harbor.example"])
    assert f"{row.id}\t{row.prefix}…\tNightly import\twrite\tactive\t2027-02-18" in listed.output
    revoked = runner.invoke(args=["tokens", "revoke", str(row.id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert (
        fetch(app, app.test_client(), "/api/v1/partners", headers=bearer(secret)).status_code == 401
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["nobody@harbor.example", "--name", "Sync"], "There is no account"),
        (["sam@harbor.example", "--name", "  "], "Say what the token is for."),
        (["sam@harbor.example", "--name", "Sync", "--scope", "admin"], "admin"),
        (["sam@harbor.example", "--name", "Sync", "--days", "0"], "0"),
    ],
)
def test_the_cli_refuses_what_the_page_refuses(app, team, db, args, message):
    result = app.test_cli_runner().invoke(args=["tokens", "create", *args])
    assert result.exit_code != 0 and message in result.output
    assert count(db, ApiToken) == 0


def test_the_cli_makes_no_token_for_a_deactivated_user(app, team, db):
    team["agent"].active = False
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["tokens", "create", "sam@harbor.example", "--name", "x"]
    )
    assert result.exit_code != 0 and "deactivated" in result.output


@pytest.mark.parametrize("how", ["new password", "signed out everywhere", "deactivated"])
def test_what_ends_every_session_revokes_the_tokens_too(app, team, db, how):
    """Whoever held a session could have made a token: a new password, signing out
    everywhere and a deactivation leave none working."""
    from tests.helpers import PASSWORD

    secret = make_token(team["agent"], "write")
    api = app.test_client()
    assert fetch(app, api, "/api/v1/partners", headers=bearer(secret)).status_code == 200
    if how == "new password":
        client = signed_in(app, team["agent"])
        data = {"current": PASSWORD, "new": "a brand new pass phrase 7"}
        assert fetch(app, client, "/account/password", "POST", data=data).status_code == 303
    elif how == "signed out everywhere":
        client = signed_in(app, team["agent"])
        assert fetch(app, client, "/account/sessions/end-all", "POST").status_code == 303
    else:
        client = signed_in(app, team["admin"])
        url = f"/admin/users/{team['agent'].id}/deactivate"
        assert fetch(app, client, url, "POST").status_code in (302, 303)
    assert fetch(app, api, "/api/v1/partners", headers=bearer(secret)).status_code == 401
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is not None
