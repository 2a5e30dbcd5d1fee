"""The JSON API (/api/v1): bearer tokens, the pages' access rules, the log
form's rules and create path, cursors, errors in JSON, the OpenAPI document."""

import json
import re
import uuid

import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.helpers import bearer, count, fresh_app, make_partner, make_token, make_user
from tests.routes import fetch, log_in, page_problems
from webapp import validation
from webapp.extensions import db as _db
from webapp.extensions import limiter
from webapp.models import ApiToken, Interaction, Tag, Team
from webapp.partners.tags import set_tags

NOW = "2026-11-20T15:30"


@pytest.fixture(autouse=True)
def frozen_now(app):
    app.config["PARTNERPLAN_NOW"] = NOW


@pytest.fixture
def partner(team, db):
    partner = make_partner(team["agent"], "Ryan McMillan")
    db.session.commit()
    return partner


def call(app, method: str, url: str, secret: str | None = None, **kwargs):
    """One API request in its own app context, as in production."""
    headers = {**(bearer(secret) if secret else {}), **kwargs.pop("headers", {})}
    return fetch(app, app.test_client(), url, method, headers=headers, **kwargs)


def voicemail(**changes) -> dict:
    return {"kind": "voicemail", "direction": "inbound", "outcome": "no_response",
            "sentiment": "neutral", "at": "2026-11-20T09:15", **changes}  # fmt: skip


def names(response) -> list[str]:
    return [item["name"] for item in response.get_json()["items"]]


# --- who the token is -----------------------------------------------------------------


def test_a_token_sees_its_users_partners_as_the_partners_page_does(app, team, db):
    make_partner(team["agent"], "Ann Agent's")
    make_partner(team["other_agent"], "Kim's Lender")
    make_partner(team["rival_agent"], "Rival's Lender")
    db.session.commit()

    agent = call(app, "GET", "/api/v1/partners", make_token(team["agent"]))
    assert agent.status_code == 200 and names(agent) == ["Ann Agent's"]
    manager = call(app, "GET", "/api/v1/partners", make_token(team["manager"]))
    assert names(manager) == ["Ann Agent's", "Kim's Lender"]
    rival = call(app, "GET", "/api/v1/partners", make_token(team["rival_manager"]))
    assert names(rival) == ["Rival's Lender"]


def test_another_agents_or_another_teams_partner_is_not_found(app, team, db):
    own = make_partner(team["agent"], "Own")
    colleague = make_partner(team["other_agent"], "Colleague's")
    rival = make_partner(team["rival_agent"], "Rival's")
    db.session.commit()
    agent, manager = make_token(team["agent"], "write"), make_token(team["manager"])

    assert call(app, "GET", f"/api/v1/partners/{own.id}", agent).get_json()["name"] == "Own"
    for other in (colleague, rival):
        for url in (f"/api/v1/partners/{other.id}", f"/api/v1/partners/{other.id}/interactions"):
            response = call(app, "GET", url, agent)
            assert response.status_code == 404
            assert response.get_json() == {"error": {
                "status": 404, "message": "There is nothing here, or it is not yours to see.",
                "fields": {}}}  # fmt: skip
        logged = call(app, "POST", f"/api/v1/partners/{other.id}/interactions", agent,
                      json=voicemail())  # fmt: skip
        assert logged.status_code == 404
    assert count(db, Interaction) == 0
    assert call(app, "GET", f"/api/v1/partners/{colleague.id}", manager).status_code == 200
    assert call(app, "GET", f"/api/v1/partners/{rival.id}", manager).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic c2FtOnB3"}, bearer("pp_guess")],
)
def test_without_a_good_token_the_answer_is_401_in_json(app, team, headers):
    response = call(app, "GET", "/api/v1/partners", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="PartnerPlan"')
    error = response.get_json()["error"]
    assert error["status"] == 401 and error["message"] and error["fields"] == {}


def test_a_revoked_token_stops_at_once(app, team, db):
    secret = make_token(team["agent"])
    assert call(app, "GET", "/api/v1/partners", secret).status_code == 200
    from webapp.api.tokens import revoke

    revoke(db.session.scalar(sa.select(ApiToken)), by=team["agent"])
    db.session.commit()
    response = call(app, "GET", "/api/v1/partners", secret)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_deactivated_users_tokens_stop_working(app, team, db):
    secret = make_token(team["agent"])
    team["agent"].active = False
    db.session.commit()
    assert call(app, "GET", "/api/v1/partners", secret).status_code == 401


@pytest.mark.parametrize(
    "made, last_good, first_refused",
    [
        # 30 days from 1 March: all of 31 March, not 1 April (clocks go forward 8 March).
        ("2026-03-01T09:00", "2026-03-31T23:59-04:00", "2026-04-01T00:00-04:00"),
        # Across the clocks going back (1 November): the end is local midnight still.
        ("2026-10-20T09:00", "2026-11-19T23:59-05:00", "2026-11-20T00:00-05:00"),
        # Across the year's end and 29 February.
        ("2027-12-31T09:00", "2028-01-30T23:59-05:00", "2028-01-31T00:00-05:00"),
        ("2028-01-30T09:00", "2028-02-29T23:59-05:00", "2028-03-01T00:00-05:00"),
    ],
)
def test_a_30_day_token_works_through_its_30th_day_and_not_after(
    app, team, made, last_good, first_refused
):
    app.config["PARTNERPLAN_NOW"] = made
    secret = make_token(team["agent"], days=30)
    for moment, status in (
        (made, 200),
        (last_good, 200),
        (first_refused, 401),
    ):
        app.config["PARTNERPLAN_NOW"] = moment
        assert call(app, "GET", "/api/v1/partners", secret).status_code == status, moment


def test_a_read_token_may_not_write(app, team, partner, db):
    response = call(app, "POST", f"/api/v1/partners/{partner.id}/interactions",
                    make_token(team["agent"], "read"), json=voicemail())  # fmt: skip
    assert response.status_code == 403
    assert "write" in response.get_json()["error"]["message"]
    assert count(db, Interaction) == 0


def test_the_last_use_is_stamped_at_most_once_a_minute(app, team, db):
    secret = make_token(team["agent"])
    row = db.session.scalar(sa.select(ApiToken))
    assert row.last_used_at is None
    call(app, "GET", "/api/v1/partners", secret)
    db.session.refresh(row)
    assert row.last_used_at.isoformat() == "2026-11-20T15:30:00"
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T15:30:40"
    call(app, "GET", "/api/v1/partners", secret)
    db.session.refresh(row)
    assert row.last_used_at.isoformat() == "2026-11-20T15:30:00"
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T15:31:05"
    call(app, "GET", "/api/v1/partners", secret)
    db.session.refresh(row)
    assert row.last_used_at.isoformat() == "2026-11-20T15:31:05"


# --- cookies and tokens do not mix -------------------------------------------------------


def test_a_session_cookie_alone_does_not_reach_the_api(app, team, partner, db):
    client = app.test_client()
    log_in(client, team["agent"])
    assert fetch(app, client, "/partners/").status_code == 200  # the cookie works on the pages
    assert fetch(app, client, "/api/v1/partners").status_code == 401
    url = f"/api/v1/partners/{partner.id}/interactions"
    assert fetch(app, client, url, "POST", json=voicemail()).status_code == 401
    assert count(db, Interaction) == 0


def test_a_bearer_token_does_not_sign_in_on_the_pages(app, team):
    token = bearer(make_token(team["agent"]))
    response = fetch(app, app.test_client(), "/partners/", headers=token)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_an_api_request_makes_no_session(app, team, partner):
    secret = make_token(team["agent"], "write")
    for method, url, body in (
        ("GET", "/api/v1/partners", None),
        ("POST", f"/api/v1/partners/{partner.id}/interactions", voicemail()),
        ("GET", "/api/v1/nothing-here", None),
        ("GET", "/api/v1/openapi.json", None),
        ("GET", "/api/v1/docs", None),
    ):
        response = call(app, method, url, secret, json=body)
        assert "Set-Cookie" not in response.headers, url
        assert response.headers["Cache-Control"] == "no-store"


def test_the_api_needs_no_csrf_token_even_where_pages_do(app, team, partner, db):
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/api/v1/partners/{partner.id}/interactions"
    response = call(app, "POST", url, make_token(team["agent"], "write"), json=voicemail())
    assert response.status_code == 201
    client = app.test_client()
    log_in(client, team["agent"])
    page = fetch(app, client, f"/logbook/partners/{partner.id}/interactions", "POST",
                 data=voicemail())  # fmt: skip
    assert page.status_code == 400  # the page's form still needs its token
    assert count(db, Interaction) == 1


# --- lists and cursors --------------------------------------------------------------------


def test_the_cursor_walks_every_partner_exactly_once(app, team, db):
    made = [make_partner(team["agent"], name) for name in
            ["Cleo", "Abe", "Bea", "Abe", "Dan", "Abe", "Eve", "Bea"]]  # fmt: skip
    make_partner(team["other_agent"], "Not mine")
    db.session.commit()
    secret = make_token(team["agent"])
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = call(app, "GET", "/api/v1/partners", secret, query_string=query).get_json()
        seen += [(item["name"], item["id"]) for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted((p.name, p.id) for p in made)


def test_filters_are_the_partners_pages(app, team, db):
    make_partner(team["agent"], "Ryan McMillan", company="Harbor Title", tier="maintain")
    make_partner(team["agent"], "Rita Moss", tier="cultivate", phone="(555) 010-2000")
    archived = make_partner(team["agent"], "Old Friend", tier="maintain")
    archived.archived_at = archived.created_at
    db.session.commit()
    secret = make_token(team["agent"])

    def listed(**query):
        return names(call(app, "GET", "/api/v1/partners", secret, query_string=query))

    assert listed() == ["Rita Moss", "Ryan McMillan"]
    assert listed(tier="maintain") == ["Ryan McMillan"]
    assert listed(q="harbor") == ["Ryan McMillan"]
    assert listed(q="5550102000") == ["Rita Moss"]
    assert listed(archived="true") == ["Old Friend"]
    assert listed(tier="platinum") == []  # as the page: an unknown tier matches nothing


@pytest.mark.parametrize(
    "query, field",
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": ""}, "cursor"),
        ({"cursor": "a+b/c=="}, "cursor"),  # not base64url
        ({"cursor": "WyJBYmUiLDk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"}, "cursor"),  # ["Abe", 10**20]
        ({"archived": "maybe"}, "archived"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_a_refused_query_says_which_parameter(app, team, query, field):
    response = call(app, "GET", "/api/v1/partners", make_token(team["agent"]), query_string=query)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]


def test_interactions_come_newest_first_a_page_at_a_time(app, team, partner, db):
    from datetime import datetime, timedelta

    first = datetime(2026, 11, 1, 9, 0)
    for day in range(5):
        db.session.add(Interaction(partner_id=partner.id, user_id=team["agent"].id,
                                   at=first + timedelta(days=day), kind="call"))  # fmt: skip
    db.session.commit()
    secret = make_token(team["agent"])
    url = f"/api/v1/partners/{partner.id}/interactions"
    page = call(app, "GET", url, secret, query_string={"limit": 3}).get_json()
    assert [item["at"] for item in page["items"]] == [
        "2026-11-05T09:00:00", "2026-11-04T09:00:00", "2026-11-03T09:00:00"]  # fmt: skip
    rest = call(app, "GET", url, secret, query_string={"cursor": page["next_cursor"]}).get_json()
    assert [item["at"][:10] for item in rest["items"]] == ["2026-11-02", "2026-11-01"]
    assert rest["next_cursor"] is None


# --- logging an interaction ----------------------------------------------------------------


def test_a_logged_voicemail_brings_its_recommendation(app, team, partner, db):
    secret = make_token(team["agent"], "write")
    before = call(app, "GET", "/api/v1/recommendations", secret).get_json()["items"]
    assert "return_call" not in [item["rule"] for item in before]

    url = f"/api/v1/partners/{partner.id}/interactions"
    response = call(app, "POST", url, secret, json=voicemail(notes="Call me back"))
    assert response.status_code == 201
    logged = response.get_json()
    assert logged["kind"] == "voicemail" and logged["at"] == "2026-11-20T09:15:00"
    assert logged["user_id"] == team["agent"].id and logged["notes"] == "Call me back"

    after = call(app, "GET", "/api/v1/recommendations", secret).get_json()["items"]
    return_call = next(item for item in after if item["rule"] == "return_call")
    assert return_call["partner"] == {"id": partner.id, "name": "Ryan McMillan"}
    assert return_call["kind"] == "action" and return_call["reason"].startswith("Voicemail")
    assert return_call["section"] in ("overdue", "due_today", "upcoming")


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "telepathy"},
        {"at": "2026-11-22T10:00"},
        {"at": "2026-02-30T10:00"},
        {"at": None},
        {"minutes": 5000},
        {"minutes": 12.5},
        {"disrespectful": True, "sentiment": "positive"},
        {"notes": "x" * 10001},
        {"kind": "telepathy", "minutes": -1, "at": "yesterday"},
    ],
)
def test_a_refused_log_has_the_partner_pages_messages_and_stores_nothing(
    app, team, partner, db, changes
):
    body = {k: v for k, v in voicemail(**changes).items() if v is not None}
    url = f"/api/v1/partners/{partner.id}/interactions"
    response = call(app, "POST", url, make_token(team["agent"], "write"), json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "Nothing was saved: see the fields."
    assert set(error["fields"]) == {k for k in changes if k != "sentiment"} | (
        {"at"} if "at" in changes else set()
    )

    # The same values through the partner page's form: the same words, beside the same fields.
    client = app.test_client()
    log_in(client, team["agent"])
    form = {k: ("y" if v is True else str(v)) for k, v in body.items()}
    page = fetch(app, client, f"/logbook/partners/{partner.id}/interactions", "POST", data=form)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    for name, messages in error["fields"].items():
        assert f'id="{name}-error">{escape(" ".join(messages))}<' in html, (name, messages)
    assert count(db, Interaction) == 0


def escape(text: str) -> str:
    from markupsafe import escape as markup_escape

    return str(markup_escape(text))


@pytest.mark.parametrize(
    "body, field",
    [([voicemail()], None), ("a voicemail", None), ({**voicemail(), "notes": ["a", "b"]}, "notes")],
)
def test_a_body_that_is_not_a_form_is_refused(app, team, partner, db, body, field):
    url = f"/api/v1/partners/{partner.id}/interactions"
    response = call(app, "POST", url, make_token(team["agent"], "write"), json=body)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ([field] if field else [])
    assert count(db, Interaction) == 0


def test_a_name_the_form_does_not_have_is_ignored_as_on_the_page(app, team, partner, db):
    url = f"/api/v1/partners/{partner.id}/interactions"
    body = {**voicemail(), "mood": {"nested": [1, 2]}, "": None, "csrf_token": ["x"]}
    response = call(app, "POST", url, make_token(team["agent"], "write"), json=body)
    assert response.status_code == 201
    assert count(db, Interaction) == 1


def test_the_same_idempotency_key_logs_once(app, team, partner, db):
    secret, key = make_token(team["agent"], "write"), str(uuid.uuid4())
    url = f"/api/v1/partners/{partner.id}/interactions"
    first = call(app, "POST", url, secret, json=voicemail(), headers={"Idempotency-Key": key})
    again = call(app, "POST", url, secret, json=voicemail(notes="Replayed"),
                 headers={"Idempotency-Key": key})  # fmt: skip
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count(db, Interaction) == 1
    new_key = {"Idempotency-Key": str(uuid.uuid4())}
    other = call(app, "POST", url, secret, json=voicemail(), headers=new_key)
    assert other.status_code == 201 and count(db, Interaction) == 2
    unkeyed = [call(app, "POST", url, secret, json=voicemail()) for _ in range(2)]
    assert [r.status_code for r in unkeyed] == [201, 201] and count(db, Interaction) == 4


def test_an_idempotency_key_that_is_not_a_uuid_is_refused(app, team, partner, db):
    url = f"/api/v1/partners/{partner.id}/interactions"
    response = call(app, "POST", url, make_token(team["agent"], "write"), json=voicemail(),
                    headers={"Idempotency-Key": "once"})  # fmt: skip
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["Idempotency-Key"]
    assert count(db, Interaction) == 0


def test_an_archived_partner_takes_no_new_log(app, team, partner, db):
    partner.archived_at = partner.created_at
    db.session.commit()
    secret = make_token(team["agent"], "write")
    url = f"/api/v1/partners/{partner.id}/interactions"
    assert call(app, "POST", url, secret, json=voicemail()).status_code == 404
    assert call(app, "GET", url, secret).status_code == 200  # its history still reads


def test_a_nul_character_in_the_json_is_refused(app, team, partner, db):
    url = f"/api/v1/partners/{partner.id}/interactions"
    response = call(app, "POST", url, make_token(team["agent"], "write"),
                    json=voicemail(notes="a\x00b"))  # fmt: skip
    assert response.status_code == 400
    assert "NUL" in response.get_json()["error"]["message"]
    assert count(db, Interaction) == 0


# --- changing a partner: ETag / If-Match -----------------------------------------------------


def read(app, partner, secret) -> tuple[dict, str]:
    """What an integration reads before it changes a partner: the partner and its ETag."""
    response = call(app, "GET", f"/api/v1/partners/{partner.id}", secret)
    assert response.status_code == 200
    return response.get_json(), response.headers["ETag"]


def patch(app, partner, secret, body: dict, etag: str | None):
    headers = {"If-Match": etag} if etag else {}
    return call(app, "PATCH", f"/api/v1/partners/{partner.id}", secret, json=body,
                headers=headers)  # fmt: skip


def test_of_two_integrations_that_read_the_same_version_the_second_is_refused(
    app, team, partner, db
):
    crm, mailer = make_token(team["agent"], "write"), make_token(team["agent"], "write")
    _, etag = read(app, partner, crm)
    assert read(app, partner, mailer)[1] == etag

    first = patch(app, partner, crm, {"company": "McMillan Estate Law"}, etag)
    assert first.status_code == 200
    assert first.get_json()["company"] == "McMillan Estate Law"
    assert first.headers["ETag"] != etag
    assert first.headers["ETag"] == read(app, partner, crm)[1]

    second = patch(app, partner, mailer, {"company": "Overwritten Ltd"}, etag)
    assert second.status_code == 412
    assert second.get_json()["error"]["message"].startswith("The partner was changed since")
    assert read(app, partner, mailer)[0]["company"] == "McMillan Estate Law"

    # Read again, it may change what it meant to: nothing is lost silently.
    again = patch(app, partner, mailer, {"company": "Overwritten Ltd"}, read(app, partner, crm)[1])
    assert again.status_code == 200


def test_a_change_without_if_match_is_refused_with_428(app, team, partner, db):
    response = patch(app, partner, make_token(team["agent"], "write"), {"name": "Renamed"}, None)
    assert response.status_code == 428
    assert "If-Match" in response.get_json()["error"]["message"]
    db.session.refresh(partner)
    assert partner.name == "Ryan McMillan"


def test_a_read_token_may_not_change_a_partner_with_or_without_if_match(app, team, partner):
    secret = make_token(team["agent"])
    _, etag = read(app, partner, secret)
    assert patch(app, partner, secret, {"name": "Renamed"}, etag).status_code == 403
    assert patch(app, partner, secret, {"name": "Renamed"}, None).status_code == 403


def test_another_agents_partner_cannot_be_changed(app, team, db):
    theirs = make_partner(team["other_agent"], "Kim's Lender")
    db.session.commit()
    secret = make_token(team["agent"], "write")
    assert patch(app, theirs, secret, {"name": "Mine now"}, '"anything"').status_code == 404
    # Not yours answers 404 before a missing If-Match would answer 428.
    assert patch(app, theirs, secret, {"name": "Mine now"}, None).status_code == 404


def test_an_unchanged_partner_answers_304_to_its_etag(app, team, partner):
    secret = make_token(team["agent"])
    _, etag = read(app, partner, secret)
    url = f"/api/v1/partners/{partner.id}"
    assert call(app, "GET", url, secret, headers={"If-None-Match": etag}).status_code == 304


def test_what_a_change_does_not_send_is_kept(app, team, db):
    partner = make_partner(team["agent"], client_types=["luxury", "move_up"], do_not_contact=True,
                           spouse="Alex", source="bni")  # fmt: skip
    db.session.commit()
    secret = make_token(team["agent"], "write")
    _, etag = read(app, partner, secret)
    changed = patch(app, partner, secret, {"phone": "+1 231 555 0100", "hobbies": None}, etag)
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["phone"] == "+1 231 555 0100"
    assert (body["client_types"], body["do_not_contact"], body["spouse"], body["source"]) == (
        ["luxury", "move_up"], True, "Alex", "bni")  # fmt: skip
    clear = {"spouse": "", "client_types": [], "do_not_contact": False}
    cleared = patch(app, partner, secret, clear, changed.headers["ETag"])
    assert cleared.status_code == 200
    assert (cleared.get_json()["spouse"], cleared.get_json()["client_types"]) == (None, [])
    assert cleared.get_json()["do_not_contact"] is False


def test_tags_are_a_list_in_and_out_kept_when_not_sent_and_checked(app, team, db):
    partner = make_partner(team["agent"], spouse="Alex")
    set_tags(partner, ["golf"])
    db.session.commit()
    secret = make_token(team["agent"], "write")
    body, etag = read(app, partner, secret)
    assert body["tags"] == ["golf"]
    changed = patch(app, partner, secret, {"spouse": "Sam"}, etag)
    assert changed.get_json()["tags"] == ["golf"]  # not sent: kept
    tagged = patch(app, partner, secret, {"tags": ["BNI", "golf"]}, changed.headers["ETag"])
    assert tagged.status_code == 200 and tagged.get_json()["tags"] == ["BNI", "golf"]
    refused = patch(app, partner, secret, {"tags": ["a,b"]}, tagged.headers["ETag"])
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["tags"] == [validation.TAG_SEPARATOR_MESSAGE]
    refused = patch(app, partner, secret, {"tags": "golf"}, tagged.headers["ETag"])
    assert refused.status_code == 422
    listed = call(app, "GET", "/api/v1/partners", secret).get_json()["items"]
    assert next(item for item in listed if item["id"] == partner.id)["tags"] == ["BNI", "golf"]
    tags = db.session.scalars(sa.select(Tag.name).where(Tag.team_id == partner.team_id))
    assert sorted(tags) == ["BNI", "golf"]


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"email": "not-an-email"},
        {"met_on": "2026-11-21"},  # tomorrow in the team's day
        {"birthday": "02-30", "profession": "astronaut"},
        {"owner_id": 999999},
    ],
)
def test_a_refused_change_has_the_edit_pages_messages_and_changes_nothing(
    app, team, partner, db, changes
):
    secret = make_token(team["agent"], "write")
    before, etag = read(app, partner, secret)
    response = patch(app, partner, secret, changes, etag)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert set(error["fields"]) == set(changes)
    assert read(app, partner, secret) == (before, etag)

    # The same values through the partner's edit page: the same words, beside the same fields.
    client = app.test_client()
    log_in(client, team["agent"])
    page_form = {"name": before["name"], "profession": before["profession"],
                 "met_on": before["met_on"], "owner_id": str(team["agent"].id),
                 **{k: str(v) for k, v in changes.items()}}  # fmt: skip
    page = fetch(app, client, f"/partners/{partner.id}/edit", "POST", data=page_form)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    for name, messages in error["fields"].items():
        assert f'id="{name}-error">{escape(" ".join(messages))}<' in html, (name, messages)


def test_the_day_met_may_be_today_in_the_teams_day_but_not_tomorrow(app, team, partner):
    secret = make_token(team["agent"], "write")
    _, etag = read(app, partner, secret)
    assert patch(app, partner, secret, {"met_on": "2026-11-21"}, etag).status_code == 422
    assert patch(app, partner, secret, {"met_on": "2026-11-20"}, etag).status_code == 200


def test_a_managers_change_of_agent_is_audited_as_on_the_page(app, team, partner, db):
    from webapp.models import AuditEvent

    secret = make_token(team["manager"], "write")
    _, etag = read(app, partner, secret)
    response = patch(app, partner, secret, {"owner_id": team["other_agent"].id}, etag)
    assert response.status_code == 200 and response.get_json()["owner_id"] == team["other_agent"].id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "reassign"))
    assert (event.user_id, event.partner_id) == (team["manager"].id, partner.id)
    assert event.before == {"owner_id": team["agent"].id}
    assert event.after == {"owner_id": team["other_agent"].id}


def test_an_agent_may_not_hand_a_partner_to_a_colleague(app, team, partner, db):
    secret = make_token(team["agent"], "write")
    _, etag = read(app, partner, secret)
    response = patch(app, partner, secret, {"owner_id": team["other_agent"].id}, etag)
    assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == [
        "owner_id"]  # fmt: skip


# --- errors in JSON, limits -------------------------------------------------------------------


def test_every_refusal_under_the_api_is_json(app, team, partner):
    secret = make_token(team["agent"])
    for method, url, status in (
        ("GET", "/api/v1/nothing-here", 404),
        ("DELETE", "/api/v1/partners", 405),
        ("GET", f"/api/v1/partners/{2**40}", 404),
    ):
        response = call(app, method, url, secret)
        assert response.status_code == status
        assert response.mimetype == "application/json"
        assert response.get_json()["error"]["status"] == status


def test_a_method_an_address_does_not_take_says_which_it_does(app, team, partner):
    response = call(app, "DELETE", f"/api/v1/partners/{partner.id}/interactions",
                    make_token(team["agent"]))  # fmt: skip
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_a_server_error_is_json_too(app, team, monkeypatch):
    import webapp.api.views

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(webapp.api.views, "today_sections", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = call(app, "GET", "/api/v1/recommendations", make_token(team["agent"]))
    assert response.status_code == 500
    assert response.get_json()["error"]["message"] == "Nothing was changed. Please try again."


class ThrottledConfig(TestConfig):
    RATELIMIT_ENABLED = True
    API_RATE_LIMIT = "3 per minute"


def test_requests_are_limited_per_token():
    with fresh_app(ThrottledConfig) as app:
        limiter.reset()
        harbor = Team(name="Harbor")
        _db.session.add(harbor)
        _db.session.flush()
        sam, kim = make_user(harbor, "sam@h.example"), make_user(harbor, "kim@h.example")
        _db.session.commit()
        busy, other = make_token(sam), make_token(kim)
        answers = [call(app, "GET", "/api/v1/partners", busy).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        refused = call(app, "GET", "/api/v1/partners", busy)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert refused.get_json()["error"]["status"] == 429
        assert call(app, "GET", "/api/v1/partners", other).status_code == 200
        limiter.reset()


# --- the document -----------------------------------------------------------------------------


def test_the_openapi_document_is_valid_openapi_3_1(app):
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    response = call(app, "GET", "/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.data)
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)
    paths = document["paths"]
    assert set(paths) == {
        "/api/v1/partners",
        "/api/v1/partners/{partner_id}",
        "/api/v1/partners/{partner_id}/archive",
        "/api/v1/partners/{partner_id}/restore",
        "/api/v1/partners/{partner_id}/interactions",
        "/api/v1/partners/{partner_id}/referrals",
        "/api/v1/partners/{partner_id}/leads",
        "/api/v1/partners/{partner_id}/tier-proposals",
        "/api/v1/referrals/{referral_id}",
        "/api/v1/recommendations",
        "/api/v1/recommendations/{recommendation_id}/done",
        "/api/v1/recommendations/{recommendation_id}/snooze",
        "/api/v1/recommendations/{recommendation_id}/dismiss",
        "/api/v1/tier-proposals",
        "/api/v1/tier-proposals/{recommendation_id}/approve",
        "/api/v1/tier-proposals/{recommendation_id}/reject",
        "/api/v1/planning-sessions",
        "/api/v1/planning-sessions/{planning_session_id}",
        "/api/v1/planning-sessions/{planning_session_id}/leads",
    }
    assert set(paths["/api/v1/partners/{partner_id}"]) - {"parameters"} == {"get", "patch"}
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    body = document["components"]["schemas"]["NewInteraction"]
    assert body["required"] == ["at"] and "voicemail" in body["properties"]["kind"]["enum"]
    # A wall time has no offset: not a "date-time", which must have one.
    at = document["components"]["schemas"]["Interaction"]["properties"]["at"]
    assert "format" not in at and at["pattern"] == body["properties"]["at"]["pattern"]


def test_every_operation_documents_the_refusals_it_answers_and_no_catch_all(app):
    document = call(app, "GET", "/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method in operations.keys() - {"parameters"}:
            answers = set(operations[method]["responses"])
            assert "default" not in answers, (method, path)
            assert {"400", "401", "429"} <= answers, (method, path)
            # Anything named by its id may be another's; the review queue is managers'.
            named = "{" in path or path.endswith("/tier-proposals")
            assert ("404" in answers) == named, (method, path)


def test_the_reference_page_is_served_here_under_the_csp(app):
    response = call(app, "GET", "/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert not page_problems(response)
    html = response.get_data(as_text=True)
    assert "POST /api/v1/partners/{partner_id}/interactions" in html
    assert "Log an interaction" in html and 'id="schema-NewInteraction"' in html
    assert "PATCH /api/v1/partners/{partner_id}" in html and "If-Match" in html
    assert "<script" not in html
    assert all(link.startswith(("/", "#")) for link in re.findall(r'(?:href|src)="([^"]*)"', html))


def test_made_up_tokens_share_their_addresss_count():
    """Each made-up token does not get an allowance of its own: guesses are counted
    together, by the address they come from."""
    with fresh_app(ThrottledConfig) as app:
        limiter.reset()
        answers = [
            call(app, "GET", "/api/v1/partners", f"pp_guess{n}").status_code for n in range(4)
        ]
        assert answers == [401, 401, 401, 429]
        limiter.reset()
