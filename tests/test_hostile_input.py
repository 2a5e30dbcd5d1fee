"""Hostile input in every form: a clear message beside the field, nothing stored.

And what is stored (unicode, markup) comes back escaped, never as markup.
Each form of the product gets a block here as it lands.
"""

import copy
import html
import io
import json

import pytest

from rules.vocabulary import PLANNING_QUESTIONS
from tests.helpers import PASSWORD, audited_changes, count, make_partner
from tests.routes import fetch, log_in
from webapp.models import Interaction, Partner, Referral
from webapp.validation import TIMEZONE_MESSAGE

LONG = "x" * 20_000
UNICODE = "Zoë Ñandú-李小龍 👩‍💼 Ægir Þórsson"
MARKUP = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
# webapp/validation.py: the same words from every form and import.
DATE_RANGE = "Enter a date between 1900 and 2100."
NOT_YET = "Enter a day that is not in the future."
ANNUAL_DAY = "Enter a day that exists, as YYYY-MM-DD, or MM-DD without the year."
ANNUAL_YEAR = "Enter a year between 1900 and this year, or leave the year out."
EMAIL_SHAPE = "Enter an email address like name@example.com."
PHONE = (
    "Enter a phone number: 7 to 15 digits, with spaces and + ( ) - . only, "
    "and an extension after x or ext. if it has one."
)
ONE_LINE = "Keep this on one line: no line breaks or control characters."
BROKEN_LINES = [
    "Ryan\r\nMcMillan",
    "Ryan\nMcMillan",
    "Ryan\rBcc: x",
    "Ryan\x1b[31m",
    "Ryan\u2028McMillan",
]
MALFORMED_DATES = ["2026-13-45", "yesterday", "31/12/2026", "2026-02-30", "0000-00-00", "9" * 40]


@pytest.fixture
def agent_client(app, team):
    client = app.test_client()
    log_in(client, team["agent"])
    return client


def post(app, client, url, data, **kwargs):
    return fetch(app, client, url, "POST", data=data, **kwargs)


def get_text(app, client, url) -> str:
    return fetch(app, client, url).get_data(as_text=True)


def says(response, message: str) -> bool:
    """Whether the page shows `message` (compared as text, not as HTML)."""
    return message.lower() in html.unescape(response.get_data(as_text=True)).lower()


def assert_escaped(page: str) -> None:
    assert "<script>alert" not in page
    assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(" in page


# --- the partner form ----------------------------------------------------------


PARTNER_FORM = {"name": "Ryan McMillan", "profession": "lender", "source": "", "owner_id": ""}


def partner_form(team, **fields):
    return {**PARTNER_FORM, "owner_id": str(team["agent"].id), **fields}


def test_the_base_forms_are_accepted(app, db, team, agent_client):
    """Each refusal below changes one field of a form that is otherwise accepted."""
    assert post(app, agent_client, "/partners/new", partner_form(team)).status_code == 303
    partner = db.session.scalar(db.select(Partner))
    for url, form, model in (
        (f"/logbook/partners/{partner.id}/interactions", INTERACTION, Interaction),
        (f"/logbook/partners/{partner.id}/referrals", REFERRAL, Referral),
    ):
        response = post(app, agent_client, url, form)
        assert response.status_code < 400, html.unescape(response.get_data(as_text=True))
        assert count(db, model) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", LONG, "longer than 200"),
        ("name", "", "Enter the partner's name."),
        ("name", "   ", "Enter the partner's name."),
        ("company", LONG, "longer than 200"),
        ("email", "not-an-email", EMAIL_SHAPE),
        ("email", f"{'a' * 250}@example.com", "longer than 254"),
        ("phone", "<b>555</b>", PHONE),
        ("phone", "555 010 2030 ext. seven", PHONE),
        ("hobbies", LONG, "longer than 500"),
        ("notes", LONG, "longer than 10000"),
        ("birthday", "02-30", ANNUAL_DAY),
        ("birthday", "1980-1-1", ANNUAL_DAY),
        ("birthday", "3026-01-01", ANNUAL_YEAR),
        ("profession", "hacker", "Not a valid choice"),
        ("source", "<script>", "Not a valid choice"),
        ("client_types", "everyone", "not a valid choice"),
        ("owner_id", "999999", "Not a valid choice"),
        ("met_on", "2099-01-01", NOT_YET),
        *[("met_on", bad, "Not a valid date value") for bad in MALFORMED_DATES],
        *[("met_on", day, DATE_RANGE) for day in ("0001-01-01", "1899-12-31")],
        *[("name", broken, ONE_LINE) for broken in BROKEN_LINES],
        *[(field, "a\nb", ONE_LINE) for field in ("company", "spouse", "children", "pets")],
        *[(field, "a\r\nb", ONE_LINE) for field in ("resident", "home", "favorite_restaurant")],
        *[(field, "a\tb", ONE_LINE) for field in ("hobbies", "in_common")],
        ("email", "ryan@example.com\r\nBcc: all@example.com", ONE_LINE),
        ("phone", "555 010\n2030", ONE_LINE),
    ],
)
def test_partner_form_refuses_bad_fields(app, team, agent_client, field, value, message):
    response = post(app, agent_client, "/partners/new", partner_form(team, **{field: value}))
    assert response.status_code == 422
    assert says(response, message)
    assert count(app.extensions["sqlalchemy"], Partner) == 0


def test_agent_cannot_give_a_partner_to_another_agent(app, team, agent_client):
    form = partner_form(team, owner_id=str(team["other_agent"].id))
    assert post(app, agent_client, "/partners/new", form).status_code == 422
    assert count(app.extensions["sqlalchemy"], Partner) == 0


def test_unicode_and_markup_are_kept_and_rendered_escaped(app, db, team, agent_client):
    form = partner_form(team, name=UNICODE, company=MARKUP, notes=MARKUP, hobbies=MARKUP)
    response = post(app, agent_client, "/partners/new", form)
    assert response.status_code == 303
    partner = db.session.scalar(db.select(Partner))
    assert partner.name == UNICODE and partner.company == MARKUP
    page = get_text(app, agent_client, f"/partners/{partner.id}")
    assert UNICODE in page
    assert_escaped(page)
    listing = get_text(app, agent_client, "/partners/?q=" + UNICODE[:4])
    assert UNICODE in listing
    assert_escaped(get_text(app, agent_client, "/partners/"))


def test_search_with_hostile_text_answers_calmly(app, db, team, agent_client):
    make_partner(team["agent"], name="100% Realty_Partner")
    make_partner(team["agent"], name="Plain Realty")
    db.session.commit()
    for query in ("%", "_", "\\", "' OR 1=1 --", MARKUP, UNICODE, "x" * 5000):
        response = fetch(app, agent_client, "/partners/", query_string={"q": query})
        assert response.status_code in (200, 422), query
        page = response.get_data(as_text=True)
        assert "<script>alert" not in page
    # LIKE wildcards are matched literally: "%" finds only the partner with a "%".
    page = get_text(app, agent_client, "/partners/?q=%25")
    assert ">1 partner<" in page and "Plain Realty" not in page


def test_editing_with_a_bad_field_changes_nothing(app, db, team, agent_client):
    partner = make_partner(team["agent"], name="Ryan McMillan", company="First Home")
    db.session.commit()
    form = partner_form(team, name="Renamed", company="Other", birthday="13-13")
    response = post(app, agent_client, f"/partners/{partner.id}/edit", form)
    assert response.status_code == 422
    db.session.expire_all()
    assert (partner.name, partner.company, partner.birthday) == (
        "Ryan McMillan",
        "First Home",
        None,
    )


# --- logging an interaction and a referral ---------------------------------------


INTERACTION = {
    "kind": "coffee",
    "direction": "outbound",
    "outcome": "connected",
    "sentiment": "positive",
    "at": "2026-10-01T10:00",
    "minutes": "30",
    "notes": "",
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("minutes", "-5", "Between 0 and 1440 minutes."),
        ("minutes", "99999", "Between 0 and 1440 minutes."),
        ("minutes", "ten", "Not a valid integer value"),
        ("at", "", "Enter the date and time."),
        ("at", "2999-01-01T10:00", "can't be logged in the future"),
        *[("at", bad, "Not a valid datetime value") for bad in MALFORMED_DATES],
        *[("at", moment, DATE_RANGE) for moment in ("0001-01-01T10:00", "1899-12-31T23:59")],
        ("kind", "hack", "Not a valid choice"),
        ("direction", "sideways", "Not a valid choice"),
        ("outcome", "<script>", "Not a valid choice"),
        ("notes", LONG, "longer than 10000"),
    ],
)
def test_interaction_form_refuses_bad_fields(app, db, team, agent_client, field, value, message):
    partner = make_partner(team["agent"])
    db.session.commit()
    url = f"/logbook/partners/{partner.id}/interactions"
    for headers in ({}, {"HX-Request": "true"}):
        response = post(app, agent_client, url, {**INTERACTION, field: value}, headers=headers)
        assert response.status_code == 422
        assert says(response, message)
    assert count(db, Interaction) == 0


def test_disrespectful_needs_a_negative_sentiment(app, db, team, agent_client):
    partner = make_partner(team["agent"])
    db.session.commit()
    form = {**INTERACTION, "disrespectful": "y", "sentiment": "positive"}
    response = post(app, agent_client, f"/logbook/partners/{partner.id}/interactions", form)
    assert response.status_code == 422
    assert count(db, Interaction) == 0


def test_interaction_notes_with_markup_are_escaped(app, db, team, agent_client):
    partner = make_partner(team["agent"])
    db.session.commit()
    form = {**INTERACTION, "notes": MARKUP + UNICODE}
    response = post(app, agent_client, f"/logbook/partners/{partner.id}/interactions", form)
    assert response.status_code < 400
    assert count(db, Interaction) == 1
    page = get_text(app, agent_client, f"/partners/{partner.id}")
    assert UNICODE in page
    assert_escaped(page)


REFERRAL = {
    "direction": "received",
    "client": "Pat Buyer",
    "referred_on": "2026-10-01",
    "status": "new",
    "closed_on": "",
    "commission": "",
    "notes": "",
}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"commission": "-12000"}, "Enter an amount between 0 and 10,000,000."),
        ({"commission": "1e12"}, "Enter an amount between 0 and 10,000,000."),
        ({"commission": "12000.555"}, "Enter the amount with at most two decimals (cents)"),
        ({"commission": "1e309"}, "Enter an amount between 0 and 10,000,000."),
        ({"commission": "twelve grand"}, "Not a valid decimal value"),
        *[
            ({"commission": number}, "Not a valid decimal value")
            for number in ("NaN", "sNaN", "-sNaN", "Infinity", "-inf")
        ],
        ({"client": ""}, "Enter the client's name."),
        ({"client": LONG}, "longer than 200"),
        ({"referred_on": "2999-01-01"}, "can't be dated in the future"),
        *[({"referred_on": bad}, "Not a valid date value") for bad in MALFORMED_DATES],
        ({"referred_on": "0001-01-01"}, DATE_RANGE),
        ({"status": "closed", "closed_on": "9999-12-31"}, DATE_RANGE),
        *[({"client": broken}, ONE_LINE) for broken in BROKEN_LINES],
        ({"status": "closed", "closed_on": "2026-09-01"}, "can't close before it was referred"),
        ({"status": "new", "closed_on": "2026-10-05"}, "Only a closed referral has a closing day"),
        ({"direction": "both"}, "Not a valid choice"),
        ({"status": "won"}, "Not a valid choice"),
    ],
)
def test_referral_form_refuses_bad_fields(app, db, team, agent_client, fields, message):
    partner = make_partner(team["agent"])
    db.session.commit()
    url = f"/logbook/partners/{partner.id}/referrals"
    response = post(app, agent_client, url, {**REFERRAL, **fields})
    assert response.status_code == 422
    assert says(response, message)
    assert count(db, Referral) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        *[
            ({"rate": number}, "Not a valid decimal value")
            for number in ("NaN", "sNaN", "Infinity", "one")
        ],
        *[
            ({"rate": number}, "Enter a number from 0 to 30 (decimals such as 0.5 are fine).")
            for number in ("-1", "31", "1e999999999")
        ],
        ({"rate": ""}, "Enter a number of deals."),
        ({"partners": "-3"}, "Enter a whole number from 0 to 10,000."),
        ({"partners": "9" * 5000}, "Not a valid integer value"),
        ({"partners": "1.5"}, "Not a valid integer value"),
    ],
)
def test_projection_refuses_what_is_not_a_number(app, agent_client, args, message):
    """Seed 003's "what if" is a GET form: bad numbers get a message, never a server error."""
    query = {"partners": "10", "rate": "1", **args}
    response = fetch(app, agent_client, "/referrals/projection", query_string=query)
    assert response.status_code == 422
    assert says(response, message)


def test_referral_client_with_markup_is_escaped(app, db, team, agent_client):
    partner = make_partner(team["agent"])
    db.session.commit()
    form = {**REFERRAL, "client": MARKUP[:190], "commission": "12000.50"}
    response = post(app, agent_client, f"/logbook/partners/{partner.id}/referrals", form)
    assert response.status_code < 400
    assert count(db, Referral) == 1
    assert_escaped(get_text(app, agent_client, f"/partners/{partner.id}"))


@pytest.mark.parametrize("status", ["x", "", "won", "Closed", "closed ", MARKUP, LONG])
@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])
def test_a_status_outside_the_vocabulary_is_refused(app, db, team, agent_client, status, headers):
    """The inline select offers five statuses; anything else is a 400 that changes nothing."""
    partner = make_partner(team["agent"])
    referral = Referral(
        partner_id=partner.id, direction="received", referred_on=partner.met_on, client="Jo"
    )
    db.session.add(referral)
    db.session.commit()
    url = f"/logbook/referrals/{referral.id}/status"
    response = post(app, agent_client, url, {"status": status}, headers=headers)
    assert response.status_code == 400
    assert says(
        response, "A referral's status is one of: new, active, under contract, closed, lost."
    )
    assert says(response, "Nothing was changed.")
    assert "<script>alert" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert (referral.status, referral.closed_on) == ("new", None)
    # The same request with a status from the vocabulary does change it.
    assert post(app, agent_client, url, {"status": "closed"}, headers=headers).status_code < 400
    db.session.expire_all()
    assert referral.status == "closed" and referral.closed_on is not None


# --- text the database itself refuses --------------------------------------------


@pytest.mark.parametrize("field", ["name", "notes"])
def test_a_nul_character_is_refused_not_a_server_error(app, db, team, agent_client, field):
    """PostgreSQL cannot store NUL in text: refused with a message, nothing stored."""
    form = partner_form(team, **{field: "Ryan\x00McMillan"})
    response = post(app, agent_client, "/partners/new", form)
    assert 400 <= response.status_code < 500
    assert count(db, Partner) == 0


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"/partners/?page={HUGE}",
        f"/partners/?page={HUGE}&q=ryan&sort=tier",
        "/partners/?page=-3",
        "/partners/?page=²",
        f"/desk/audit?page={HUGE}",
        f"/referrals/?agent={HUGE}",
        f"/referrals/roi?agent={HUGE}",
        f"/referrals/projection?agent={HUGE}",
        f"/referrals/charts?agent={HUGE}",
    ],
)
def test_a_page_or_id_too_large_in_the_query_is_not_a_server_error(app, db, team, url):
    make_partner(team["agent"], "Ryan McMillan")
    client = app.test_client()
    log_in(client, team["manager"])
    response = fetch(app, client, url)
    assert response.status_code == 200, url


def test_a_page_past_the_end_shows_the_last_page(app, db, team, agent_client):
    for n in range(30):
        make_partner(team["agent"], f"Partner {n:02d}")
    db.session.commit()
    page = get_text(app, agent_client, f"/partners/?page={HUGE}")
    assert "Partner 29" in page and "Partner 00" not in page  # page 2 of 2


def test_a_recommendation_id_too_large_is_ignored(app, db, team, agent_client):
    partner = make_partner(team["agent"])
    db.session.commit()
    url = f"/logbook/partners/{partner.id}/interactions"
    assert fetch(app, agent_client, f"{url}/new?recommendation_id={HUGE}").status_code == 200
    response = post(app, agent_client, f"{url}?recommendation_id={HUGE}", INTERACTION)
    assert response.status_code in (200, 303)
    assert count(db, Interaction) == 1


@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_an_audit_date_out_of_range_is_refused_beside_the_field(app, team, field, day):
    client = app.test_client()
    log_in(client, team["manager"])
    for url in ("/desk/audit", "/desk/audit.csv"):
        response = fetch(app, client, url, query_string={field: day})
        assert response.status_code == 422, (url, day)
        assert says(response, "Enter a date between 1900 and 2100.")


def test_a_book_of_a_team_named_in_any_script_downloads(app, db, team):
    from webapp.models import Team

    db.session.get(Team, team["manager"].team_id).name = "Équipe 日本"
    db.session.commit()
    client = app.test_client()
    log_in(client, team["manager"])
    response = fetch(app, client, "/book/export")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=partnerplan-book-equipe-")  # ASCII
    assert "filename*=UTF-8''partnerplan-book-%C3%A9quipe-%E6%97%A5%E6%9C%AC-" in disposition
    assert json.loads(response.data)["team"]["name"] == "Équipe 日本"


def test_an_id_too_large_for_the_database_is_not_found(app, db, team):
    """Every route with a number in its URL, with a number no row can have: 404, not 500
    (SQLite cannot bind a number past 64 bits; PostgreSQL's ids stop at 32)."""
    from flask import url_for
    from werkzeug.routing import IntegerConverter

    from tests.routes import rules_of

    client = app.test_client()
    log_in(client, team["admin"])
    checked = 0
    for rule in rules_of(app):
        numbers = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if not numbers or set(rule.arguments) - set(numbers) - set(rule.defaults or {}):
            continue
        for number in (2**31, 2**63, 10**30):
            with app.test_request_context():
                url = url_for(rule.endpoint, **dict.fromkeys(numbers, number))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                assert fetch(app, client, url, method).status_code == 404, (method, url)
                checked += 1
    assert checked > 100  # the routes were found, not skipped


# --- broken book files ------------------------------------------------------------


def book_upload(app, client, data: bytes, name: str = "book.json"):
    return fetch(
        app,
        client,
        "/book/import",
        "POST",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def valid_book() -> dict:
    from tests.test_book import BOOK

    return copy.deepcopy(BOOK)


def with_change(change) -> bytes:
    document = valid_book()
    change(document)
    return json.dumps(document).encode()


BROKEN_BOOKS = {
    "empty": b"",
    "not json": b"this is not a book",
    "truncated": b'{"format": "partnerplan-book/1", "team": {"name": "Lakesi',
    "binary": bytes(range(256)) * 4,
    "latin-1": "Zoë".encode("latin-1"),
    "a list": b"[]",
    "a string": b'"partnerplan-book/1"',
    "null": b"null",
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "NaN commission": None,  # filled below from the valid book
    "huge commission": None,
    "negative commission": None,
    "wrong format": None,
    "a number as team name": None,
    "malformed date": None,
    "year 0 date": None,
    "very long name": None,
    "partner owned by a stranger": None,
    "CSV instead of JSON": b"name,company\nRyan McMillan,First Home\n",
    "year 1 met_on": None,
    "year 9999 referral": None,
    "year 1 birthday": None,
    "a partner's name on two lines": None,
    "a line break in an email": None,
    "a control character in a client's name": None,
}


def _set(path, value):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _books() -> dict[str, bytes]:
    referral = ("partners", 0, "referrals", 0, "commission")
    books = dict(BROKEN_BOOKS)
    books.update(
        {
            "NaN commission": with_change(_set(referral, float("nan"))),
            "huge commission": with_change(_set(referral, 1e300)),
            "negative commission": with_change(_set(referral, -12000)),
            "wrong format": with_change(_set(("format",), "partnerplan-book/99")),
            "a number as team name": with_change(_set(("team", "name"), 42)),
            "malformed date": with_change(_set(("partners", 0, "met_on"), "2026-13-45")),
            "year 0 date": with_change(
                _set(("partners", 0, "interactions", 0, "at"), "0000-01-01T00:00")
            ),
            "very long name": with_change(_set(("partners", 0, "name"), LONG)),
            "partner owned by a stranger": with_change(
                _set(("partners", 0, "owner"), "nobody@elsewhere.example")
            ),
            "year 1 met_on": with_change(_set(("partners", 0, "met_on"), "0001-01-01")),
            "year 9999 referral": with_change(
                _set(("partners", 0, "referrals", 0, "on"), "9999-12-31")
            ),
            "year 1 birthday": with_change(_set(("partners", 0, "birthday"), "0001-04-12")),
            "a partner's name on two lines": with_change(
                _set(("partners", 0, "name"), "Ryan\r\nMcMillan")
            ),
            "a line break in an email": with_change(
                _set(("partners", 0, "email"), "ryan@mcmillan.example\nBcc: x@y.example")
            ),
            "a control character in a client's name": with_change(
                _set(("partners", 0, "referrals", 1, "client"), "K.\x1bObi")
            ),
        }
    )
    return books


@pytest.mark.parametrize("name", sorted(BROKEN_BOOKS))
def test_a_broken_book_file_is_refused_and_nothing_is_stored(app, db, team, name):
    from webapp.models import Team

    client = app.test_client()
    log_in(client, team["manager"])
    teams = count(db, Team)
    response = book_upload(app, client, _books()[name])
    assert response.status_code == 422, name
    assert "Nothing was imported" in html.unescape(response.get_data(as_text=True)), name
    assert count(db, Team) == teams and count(db, Partner) == 0


@pytest.mark.parametrize(
    ("name", "path", "message"),
    [
        ("year 1 met_on", "partners[0].met_on", DATE_RANGE),
        ("year 9999 referral", "partners[0].referrals[0].on", DATE_RANGE),
        ("year 1 birthday", "partners[0].birthday", ANNUAL_YEAR),
        ("a partner's name on two lines", "partners[0].name", ONE_LINE),
        ("a line break in an email", "partners[0].email", ONE_LINE),
        ("a control character in a client's name", "partners[0].referrals[1].client", ONE_LINE),
    ],
)
def test_a_book_says_what_the_forms_say(app, db, team, name, path, message):
    client = app.test_client()
    log_in(client, team["manager"])
    response = book_upload(app, client, _books()[name])
    assert says(response, f"<code>{path}</code>: {message}")


def test_a_book_with_markup_is_stored_as_text_and_shown_escaped(app, db, team):
    document = valid_book()
    document["team"]["name"] = "Lakeside <b>Homes</b>"
    document["partners"][0]["name"] = MARKUP[:190]
    document["partners"][0]["notes"] = MARKUP + UNICODE
    client = app.test_client()
    log_in(client, team["manager"])
    response = book_upload(app, client, json.dumps(document).encode())
    assert response.status_code == 303
    partner = db.session.scalar(db.select(Partner).where(Partner.name == MARKUP[:190]))
    assert partner.notes == MARKUP + UNICODE
    page = get_text(app, client, "/book/")
    assert "<b>Homes</b>" not in page


# --- the partner spreadsheet import ------------------------------------------------
#
# Upload, map the columns, preview, import: nothing is stored before the last
# step, and the last step imports every row or none.

SPREADSHEET_HEADER = "Name,Company,Email,Phone,Profession,How met,Client types,Met on,Birthday"
GOOD_ROW = "Debbie Stone,Stone Realty,debbie@stone.example,555-010-2030,Realtor,BNI,Luxury,,3/14"


@pytest.fixture
def import_folder(app, tmp_path):
    app.config["PARTNER_IMPORT_FOLDER"] = str(tmp_path)
    return tmp_path


def csv_upload(app, client, raw: bytes, name: str = "partners.csv"):
    return fetch(
        app,
        client,
        "/referrals/partners-csv",
        "POST",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def uploaded(app, client, raw: bytes, name: str = "partners.csv") -> str:
    """Upload a file that can be read, and return its token."""
    response = csv_upload(app, client, raw, name)
    assert response.status_code == 303, html.unescape(response.get_data(as_text=True))
    return response.headers["Location"].rsplit("/", 1)[1]


# Each column of SPREADSHEET_HEADER, in order, as the mapping form sends it back.
SPREADSHEET_FIELDS = "name company email phone profession source client_types met_on birthday"
MAPPING = {f"map-{field}": str(column) for column, field in enumerate(SPREADSHEET_FIELDS.split())}


def spreadsheet(*rows: str) -> bytes:
    return "\n".join([SPREADSHEET_HEADER, *rows, ""]).encode()


def row_with(**cells) -> str:
    """GOOD_ROW with some cells replaced (quoted, so commas and quotes stay in the cell)."""
    import csv

    names = SPREADSHEET_HEADER.split(",")
    values = dict(zip(names, next(csv.reader([GOOD_ROW])), strict=True))
    values.update(cells)
    out = io.StringIO()
    # With no line terminator the writer would not quote a cell holding a line break.
    breaks = any("\n" in value or "\r" in value for value in cells.values())
    quoting = csv.QUOTE_ALL if breaks else csv.QUOTE_MINIMAL
    csv.writer(out, lineterminator="", quoting=quoting).writerow([values[n] for n in names])
    return out.getvalue()


def test_the_base_spreadsheet_is_imported(app, db, team, agent_client, import_folder):
    """Each refusal below changes one cell of a file that is otherwise imported."""
    marco = row_with(Name="Marco Ruiz", Email="", Phone="")
    token = uploaded(app, agent_client, spreadsheet(GOOD_ROW, marco))
    response = post(app, agent_client, f"/referrals/partners-csv/{token}/import", MAPPING)
    assert response.status_code == 303
    assert count(db, Partner) == 2


BROKEN_SPREADSHEETS = {
    "an Excel workbook": (
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00xl/workbook.xml",
        "This is not a CSV file. Save the spreadsheet as CSV and upload that.",
    ),
    "UTF-16 text": (
        f"{SPREADSHEET_HEADER}\n{GOOD_ROW}\n".encode("utf-16"),
        "This is not a CSV file. Save the spreadsheet as CSV and upload that.",
    ),
    "Windows-1252 text": (
        f"{SPREADSHEET_HEADER}\nZoë Ñandú,Café Realty,,,,,,,\n".encode("cp1252"),
        "This file is not UTF-8 text.",
    ),
    "random bytes": (bytes(range(1, 256)) * 8, "This file is not UTF-8 text."),
    "an empty file": (b"", "The file is empty."),
    "only blank lines and commas": (b"\n,,,\n\n", "The file is empty."),
    "column names only": (f"{SPREADSHEET_HEADER}\n".encode(), "no rows of partners"),
    "an unclosed quote": (
        f'{SPREADSHEET_HEADER}\n"Debbie Stone,Stone Realty\n'.encode(),
        "Line 2 cannot be read",
    ),
    "a cell of 200,000 characters": (
        spreadsheet("x" * 200_000 + ",Stone Realty"),
        "Line 2 cannot be read: a cell is longer than 131,072 characters.",
    ),
    "5,001 rows": (
        spreadsheet(*[f"Partner {n},,,,,,,," for n in range(5001)]),
        "The file has more than 5,000 rows, so nothing was imported.",
    ),
    "data where the column names belong": (
        f"{GOOD_ROW}\n{GOOD_ROW}\n".encode(),
        "The first line should name the columns",
    ),
    "markup as column names, twice": (
        f"{MARKUP},{MARKUP}\nA,B\n".encode(),
        f"Two columns have the same name: {MARKUP}.",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN_SPREADSHEETS))
def test_a_broken_spreadsheet_is_refused_at_upload(
    app, db, team, agent_client, import_folder, name
):
    raw, message = BROKEN_SPREADSHEETS[name]
    response = csv_upload(app, agent_client, raw)
    assert response.status_code == 422, name
    assert says(response, message), name
    assert "<script>alert" not in response.get_data(as_text=True)
    assert list(import_folder.iterdir()) == []  # the file is not kept either
    assert count(db, Partner) == 0


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"Name": ""}, "Name is missing."),
        ({"Name": LONG}, "Name is longer than 200 characters."),
        ({"Company": LONG}, "Company is longer than 200 characters."),
        ({"Email": "not-an-email"}, f"Email “not-an-email”: {EMAIL_SHAPE}"),
        ({"Email": MARKUP}, f"Email “{MARKUP}”: {EMAIL_SHAPE}"),
        ({"Phone": "12"}, f"Phone “12”: {PHONE}"),
        ({"Phone": "<b>555-010-2030</b>"}, f"Phone “<b>555-010-2030</b>”: {PHONE}"),
        ({"Phone": "555 010 2030 ext. seven"}, f"Phone “555 010 2030 ext. seven”: {PHONE}"),
        ({"Profession": "hacker"}, "Unknown profession “hacker”."),
        ({"How met": MARKUP}, f"Unknown source “{MARKUP}”."),
        ({"Client types": "luxury; everyone"}, "Unknown client type “everyone”."),
        *[
            ({"Met on": bad}, f"Date met “{bad}” is not a date (2026-03-14 or 3/14/2026).")
            for bad in MALFORMED_DATES
        ],
        ({"Met on": "2099-01-01"}, f"Date met “2099-01-01”: {NOT_YET}"),
        ({"Met on": "2999-01-01"}, f"Date met “2999-01-01”: {DATE_RANGE}"),
        ({"Birthday": "02/30"}, f"Birthday “02/30”: {ANNUAL_DAY}"),
        ({"Birthday": "1980-13-01"}, f"Birthday “1980-13-01”: {ANNUAL_DAY}"),
        ({"Birthday": "3026-01-01"}, f"Birthday “3026-01-01”: {ANNUAL_YEAR}"),
        ({"Birthday": "1/1/0001"}, f"Birthday “1/1/0001”: {ANNUAL_YEAR}"),
        ({"Met on": "1/1/0001"}, f"Date met “1/1/0001”: {DATE_RANGE}"),
        ({"Met on": "1899-12-31"}, f"Date met “1899-12-31”: {DATE_RANGE}"),
        *[({"Name": broken}, f"Name: {ONE_LINE}") for broken in BROKEN_LINES],
        ({"Company": "Stone\nRealty"}, f"Company: {ONE_LINE}"),
        ({"Email": "a@b.example\r\nBcc: x@y.example"}, f"Email: {ONE_LINE}"),
    ],
)
def test_a_row_with_a_bad_cell_imports_nothing(
    app, db, team, agent_client, import_folder, cells, message
):
    """The bad row is shown with its message; the import then stores no row at all."""
    token = uploaded(app, agent_client, spreadsheet(GOOD_ROW, row_with(**cells)))
    preview = fetch(
        app, agent_client, f"/referrals/partners-csv/{token}/preview", query_string=MAPPING
    )
    assert preview.status_code == 200
    assert says(preview, "1 row has problems: correct the cells below")
    assert says(preview, message)
    response = post(app, agent_client, f"/referrals/partners-csv/{token}/import", MAPPING)
    assert response.status_code == 422
    assert says(response, message)
    assert "<script>alert" not in response.get_data(as_text=True)
    assert count(db, Partner) == 0 and audited_changes(db) == 0


@pytest.mark.parametrize("column", ["²", "٣", "9" * 5000, "-1", "99", "0x0", " ", MARKUP])
def test_a_forged_column_number_is_refused_not_a_server_error(
    app, db, team, agent_client, import_folder, column
):
    token = uploaded(app, agent_client, spreadsheet(GOOD_ROW))
    mapping = {**MAPPING, "map-name": column}
    preview = fetch(
        app, agent_client, f"/referrals/partners-csv/{token}/preview", query_string=mapping
    )
    assert preview.status_code == 422
    assert says(preview, "Choose the column that holds the partner's name.")
    response = post(app, agent_client, f"/referrals/partners-csv/{token}/import", mapping)
    assert response.status_code == 400
    assert count(db, Partner) == 0


@pytest.mark.parametrize("owner", ["9" * 30, "-1", "Sam Ortiz", "", str(10**6)])
def test_a_forged_owner_imports_nothing(app, db, team, import_folder, owner):
    client = app.test_client()
    log_in(client, team["manager"])
    token = uploaded(app, client, spreadsheet(GOOD_ROW))
    url = f"/referrals/partners-csv/{token}/import"
    response = post(app, client, url, {**MAPPING, "owner": owner})
    assert response.status_code == 400  # the mapping step offered none of these
    assert count(db, Partner) == 0


def test_formula_cells_are_kept_as_text_shown_escaped_and_exported_neutralised(
    app, db, team, agent_client, import_folder
):
    """A cell such as =HYPERLINK(...) is only text to PartnerPlan: it is stored as typed
    (an export must import back as it was) and neutralised whenever it leaves as CSV."""
    formula = '=HYPERLINK("http://evil.example","click")'
    row = row_with(Name=formula, Company="+SUM(A1:A9)", Email="", Phone="+1 555 010 2030")
    name = f"{MARKUP}.csv"
    token = uploaded(app, agent_client, spreadsheet(row), name=name)
    for url in (f"/referrals/partners-csv/{token}", f"/referrals/partners-csv/{token}/preview"):
        page = fetch(app, agent_client, url, query_string=MAPPING).get_data(as_text=True)
        assert_escaped(page)
    response = post(app, agent_client, f"/referrals/partners-csv/{token}/import", MAPPING)
    assert response.status_code == 303
    partner = db.session.scalar(db.select(Partner))
    assert (partner.name, partner.company) == (formula, "+SUM(A1:A9)")
    assert_escaped(get_text(app, agent_client, response.headers["Location"]))  # names the file
    exported = fetch(app, agent_client, "/referrals/export/partners.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK(" in exported and "'+SUM(A1:A9)" in exported


def test_markup_in_column_names_and_cells_is_shown_escaped(
    app, db, team, agent_client, import_folder
):
    raw = f"Name,Notes,{MARKUP}\n{UNICODE},{MARKUP},{MARKUP}\n".encode()
    token = uploaded(app, agent_client, raw)
    mapping_page = get_text(app, agent_client, f"/referrals/partners-csv/{token}")
    assert_escaped(mapping_page)
    mapping = {"map-name": "0", "map-notes": "1"}
    preview = fetch(
        app, agent_client, f"/referrals/partners-csv/{token}/preview", query_string=mapping
    )
    assert preview.status_code == 200
    assert UNICODE in preview.get_data(as_text=True)
    response = post(app, agent_client, f"/referrals/partners-csv/{token}/import", mapping)
    assert response.status_code == 303
    partner = db.session.scalar(db.select(Partner))
    assert (partner.name, partner.notes) == (UNICODE, MARKUP)
    page = get_text(app, agent_client, f"/partners/{partner.id}")
    assert UNICODE in page
    assert_escaped(page)


# --- planning: commitment, booking, sessions, leads, settings ------------------------------

# Friday 16 Oct 2026: the offered week starts on Friday 23 Oct (tests/planning/conftest.py).
PLANNING_TODAY = "2026-10-16"
OFFERED_SLOT = "2026-10-23T14:00"
# Text that would close the textarea it is shown in, were it not escaped.
BREAKOUT = "</textarea>" + MARKUP


@pytest.fixture
def planning_partner(app, db, team):
    app.config["PARTNERPLAN_NOW"] = PLANNING_TODAY
    partner = make_partner(team["agent"], "Debbie Stone", email="debbie@lender.example")
    db.session.commit()
    return partner


@pytest.fixture
def planning_session(app, db, agent_client, planning_partner):
    """The first of a booked weekly series with the partner."""
    from webapp.models import PlanningSession

    url = f"/planning/partners/{planning_partner.id}/series"
    assert post(app, agent_client, url, {"starts_at": OFFERED_SLOT}).status_code == 302
    return db.session.scalar(db.select(PlanningSession).order_by(PlanningSession.starts_at))


def test_the_base_planning_forms_are_accepted(app, db, agent_client, planning_session):
    """The refusals below change one value of these accepted posts."""
    from webapp.models import Lead

    partner_id, session_id = planning_session.partner_id, planning_session.id
    commitment = {"commit-first_referral_by": "2027-10-17"}  # a year and a day from today
    assert (
        post(
            app, agent_client, f"/planning/partners/{partner_id}/commitment", commitment
        ).status_code
        == 302
    )
    move = {"starts_at": "2027-10-17T10:00"}
    assert post(app, agent_client, f"/planning/sessions/{session_id}/move", move).status_code == 302
    lead = {"name": "Lee Lead", "contact": "", "question": "met_recently"}
    assert (
        post(app, agent_client, f"/planning/sessions/{session_id}/leads", lead).status_code == 302
    )
    assert count(db, Lead) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "When will the first referral happen?"),
        *[(bad, "Not a valid date value") for bad in MALFORMED_DATES],
        ("2026-10-15", "That date is in the past: agree on a day from today on."),
        ("0001-01-01", "That date is in the past: agree on a day from today on."),
        ("2027-10-18", "That is more than a year away: agree on a day within the next year."),
        ("9999-12-31", "That is more than a year away: agree on a day within the next year."),
    ],
)
@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])
def test_commitment_refuses_bad_dates(
    app, db, agent_client, planning_partner, value, message, headers
):
    url = f"/planning/partners/{planning_partner.id}/commitment"
    response = post(app, agent_client, url, {"commit-first_referral_by": value}, headers=headers)
    assert response.status_code == 422
    assert says(response, message)
    db.session.expire_all()
    assert (planning_partner.commitment_made_on, planning_partner.first_referral_by) == (None, None)
    assert audited_changes(db) == 0


@pytest.mark.parametrize(
    "value",
    [
        "",
        *MALFORMED_DATES,
        PLANNING_TODAY + "T14:00",  # today, not in the offered week
        "2020-10-23T14:00",  # a Friday in the past
        "2026-11-20T14:00",  # the week after the four offered ones
        "2026-10-23T14:07",  # inside the window, between two slots
        "2026-10-23T03:00",  # outside the window
        "2026-10-23T14:00+05:00",  # the slot, in another time zone
        "9999-12-31T23:59",
        MARKUP,
        LONG,
    ],
)
@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])
def test_booking_refuses_a_time_that_was_never_offered(
    app, db, agent_client, planning_partner, value, headers
):
    from webapp.models import PlanningSession

    url = f"/planning/partners/{planning_partner.id}/series"
    response = post(app, agent_client, url, {"starts_at": value}, headers=headers)
    assert response.status_code == 422
    assert says(response, "Pick one of the slots.")
    assert not says(response, "was just booked")
    assert "<script>alert" not in response.get_data(as_text=True)
    assert count(db, PlanningSession) == 0 and audited_changes(db) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Give the new date and time."),
        *[(bad, "Not a valid datetime value") for bad in MALFORMED_DATES],
        ("2026-10-15T10:00", "That is in the past: pick a time from today on."),
        ("0001-01-01T00:00", "That is in the past: pick a time from today on."),
        ("2027-10-18T10:00", "That is more than a year away: pick a time within the next year."),
        ("9999-12-31T23:59", "That is more than a year away: pick a time within the next year."),
    ],
)
def test_moving_a_session_refuses_bad_times(
    app, db, agent_client, planning_session, value, message
):
    before = planning_session.starts_at
    url = f"/planning/sessions/{planning_session.id}/move"
    response = post(app, agent_client, url, {"starts_at": value}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert says(response, message)
    db.session.expire_all()
    assert planning_session.starts_at == before


@pytest.mark.parametrize("question", sorted(PLANNING_QUESTIONS))
def test_an_overlong_answer_is_refused_and_the_others_are_kept(
    app, db, agent_client, planning_session, question
):
    url = f"/planning/sessions/{planning_session.id}/answers"
    hx = {"HX-Request": "true"}
    assert post(app, agent_client, url, {"more_volume": "kept"}, headers=hx).status_code == 200
    response = post(app, agent_client, url, {question: LONG}, headers=hx)
    assert response.status_code == 422
    assert says(response, "Not saved: at most 5000 characters per answer.")
    db.session.expire_all()
    assert planning_session.answers == {"more_volume": "kept"}


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["save", "autosave"])
def test_session_answers_keep_markup_as_text_and_show_it_escaped(
    app, db, agent_client, planning_session, headers
):
    url = f"/planning/sessions/{planning_session.id}/answers"
    answers = {"met_recently": BREAKOUT, "showing_soon": UNICODE}
    response = post(app, agent_client, url, answers, headers=headers)
    assert response.status_code in (200, 302)
    assert "<script>alert" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert planning_session.answers == answers
    page = get_text(app, agent_client, f"/planning/sessions/{planning_session.id}")
    assert UNICODE in page
    assert "</textarea><script>" not in page
    assert_escaped(page)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Give the lead's name."),
        ({"name": "   "}, "Give the lead's name."),
        ({"name": LONG}, "Field cannot be longer than 200 characters."),
        ({"contact": LONG}, "Field cannot be longer than 200 characters."),
        ({"question": "how_are_we_doing"}, "Not a valid choice."),
        ({"question": MARKUP}, "Not a valid choice."),
    ],
)
def test_lead_form_refuses_bad_fields(app, db, agent_client, planning_session, fields, message):
    from webapp.models import Lead

    form = {"name": "Lee Lead", "contact": "", "question": "met_recently", **fields}
    url = f"/planning/sessions/{planning_session.id}/leads"
    response = post(app, agent_client, url, form, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert says(response, message)
    assert "<script>alert" not in response.get_data(as_text=True)
    assert count(db, Lead) == 0


def test_a_lead_with_markup_is_shown_escaped(app, db, agent_client, planning_session):
    form = {"name": MARKUP[:190], "contact": UNICODE, "question": "showing_soon"}
    url = f"/planning/sessions/{planning_session.id}/leads"
    assert post(app, agent_client, url, form).status_code == 302
    for page in ("/planning/leads", f"/planning/sessions/{planning_session.id}"):
        text = get_text(app, agent_client, page)
        assert UNICODE in text
        assert_escaped(text)


PLANNING_SETTINGS = {
    "windows-0-weekday": "4",
    "windows-0-starts": "13:00",
    "windows-0-ends": "16:00",
    "session_minutes": "30",
    "timezone": "",
}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"windows-0-starts": "", "windows-0-ends": ""}, "Give both times of the window."),
        ({"windows-0-ends": ""}, "Give both times of the window."),
        ({"windows-0-starts": ""}, "Give both times of the window."),
        ({"windows-0-ends": "12:00"}, "The window must end after it starts."),
        ({"windows-0-ends": "13:00"}, "The window must end after it starts."),
        ({"windows-0-starts": "25:00"}, "Not a valid time value"),
        ({"windows-0-ends": MARKUP}, "Not a valid time value"),
        ({"windows-0-weekday": "7"}, "Not a valid choice"),
        ({"windows-0-weekday": "-1"}, "Not a valid choice"),
        ({"session_minutes": ""}, "Give the session length."),
        ({"session_minutes": "-30"}, "Between 10 and 180 minutes."),
        ({"session_minutes": "NaN"}, "Not a valid integer value"),
        ({"session_minutes": "9" * 5000}, "Not a valid integer value"),
        ({"timezone": "Mars/Olympus"}, TIMEZONE_MESSAGE),
        ({"timezone": MARKUP}, TIMEZONE_MESSAGE),
        ({"timezone": LONG}, TIMEZONE_MESSAGE),
        ({"timezone": "localtime"}, TIMEZONE_MESSAGE),
    ],
)
@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])
def test_planning_settings_refuse_bad_fields(
    app, db, team, agent_client, planning_partner, fields, message, headers
):
    from webapp.models import PlanningWindow

    response = post(
        app, agent_client, "/planning/settings", {**PLANNING_SETTINGS, **fields}, headers=headers
    )
    assert response.status_code == 422
    assert says(response, message)
    assert "<script>alert" not in response.get_data(as_text=True)
    assert count(db, PlanningWindow) == 0
    db.session.expire_all()
    assert (team["agent"].session_minutes, team["agent"].timezone) == (20, None)


@pytest.mark.parametrize("index", ["²", "٣", "9" * 5000, "-1", "0x1"])
def test_a_forged_window_row_is_ignored_not_a_server_error(
    app, db, agent_client, planning_partner, index
):
    """Rows are numbered by the page; a name with another kind of number is no row of it."""
    from webapp.models import PlanningWindow

    form = {
        f"windows-{index}-weekday": "4",
        f"windows-{index}-starts": "13:00",
        f"windows-{index}-ends": "16:00",
        "session_minutes": "30",
    }
    response = post(app, agent_client, "/planning/settings", form)
    assert response.status_code == 302
    assert count(db, PlanningWindow) == 0


# --- the rule settings ----------------------------------------------------------------


@pytest.fixture
def manager_client(app, team):
    client = app.test_client()
    log_in(client, team["manager"])
    return client


def thresholds(**changes) -> dict:
    from rules.settings import DEFAULTS

    return {**DEFAULTS, **changes}


def error_beside(response, field: str) -> str:
    """The message shown beside one field (its aria-describedby target), as text."""
    import re

    found = re.search(rf'id="{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return html.unescape(found[1]) if found else ""


COFFEE_RANGE = "Enter a whole number from 1 to 365."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", COFFEE_RANGE),
        ("0", COFFEE_RANGE),
        ("-21", COFFEE_RANGE),
        ("366", COFFEE_RANGE),
        ("9" * 30, COFFEE_RANGE),
        # Not read as a number, then out of range: the field says both.
        *[
            (value, f"Not a valid integer value. {COFFEE_RANGE}")
            for value in ("NaN", "inf", "-Infinity", "2.5", "1e3", "21 days", MARKUP, "9" * 5000)
        ],
    ],
)
@pytest.mark.parametrize("action", ["/rules/", "/rules/preview"])
def test_rule_thresholds_refuse_what_is_not_a_whole_number_in_range(
    app, db, manager_client, action, value, message
):
    from webapp.models import RuleSettings

    response = post(app, manager_client, action, thresholds(coffee_days=value))
    assert response.status_code == 422
    assert error_beside(response, "coffee_days") == message
    assert says(response, "Some values need fixing: see the messages beside the fields.")
    assert "<script>alert" not in response.get_data(as_text=True)
    assert 'id="rules-preview"' not in response.get_data(as_text=True)
    assert count(db, RuleSettings) == 0 and audited_changes(db) == 0


def test_every_threshold_refuses_a_negative_number(app, db, manager_client):
    from rules.settings import THRESHOLDS
    from webapp.models import RuleSettings

    for name, threshold in THRESHOLDS.items():
        response = post(app, manager_client, "/rules/", thresholds(**{name: "-1"}))
        assert response.status_code == 422, name
        expected = f"Enter a whole number from {threshold.minimum} to {threshold.maximum}."
        assert error_beside(response, name) == expected, name
    assert count(db, RuleSettings) == 0


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("", "Say which version to go back to."),
        ("-1", "Say which version to go back to."),
        ("7", "There is no version 7 to go back to."),
        ("9" * 30, f"There is no version {'9' * 30} to go back to."),
        ("NaN", "Not a valid integer value."),
        ("9" * 5000, "Not a valid integer value."),
        (MARKUP, "Not a valid integer value."),
    ],
)
def test_reverting_to_a_version_that_cannot_exist_changes_nothing(
    app, db, manager_client, version, message
):
    from webapp.models import RuleSettings

    response = post(app, manager_client, "/rules/revert", {"version": version})
    assert response.status_code == 422
    assert says(response, message)
    assert "<script>alert" not in response.get_data(as_text=True)
    assert count(db, RuleSettings) == 0 and audited_changes(db) == 0


# --- the admin forms: users and team settings -------------------------------------


@pytest.fixture
def admin_client(app, team):
    client = app.test_client()
    log_in(client, team["admin"])
    return client


NEW_USER = {"name": "Nina Cruz", "email": "nina@harbor.example", "role": "agent"}
CANNOT_INVITE = "This email cannot be invited: it may already have an account"


def test_the_base_admin_forms_are_accepted(app, db, admin_client):
    from webapp.models import Invitation

    assert post(app, admin_client, "/admin/invitations/new", NEW_USER).status_code == 303
    assert count(db, Invitation) == 1
    assert post(app, admin_client, "/admin/settings", TEAM_SETTINGS).status_code == 303


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, EMAIL_SHAPE),
        ({"email": "nina@harbor"}, EMAIL_SHAPE),
        ({"email": "nina@@harbor.example"}, EMAIL_SHAPE),
        ({"email": "nina cruz@harbor.example"}, EMAIL_SHAPE),
        ({"email": "nina@harbor.example <script>alert(1)</script>"}, EMAIL_SHAPE),
        ({"email": "<script>@harbor.example"}, EMAIL_SHAPE),
        ({"email": "Nina <nina@harbor.example>"}, EMAIL_SHAPE),
        ({"email": "nina@harbor.example\nBcc: all@harbor.example"}, EMAIL_SHAPE),
        ({"email": f"{'n' * 250}@harbor.example"}, "Field cannot be longer than 254 characters."),
        ({"email": ""}, "This field is required."),
        ({"email": "SAM@Harbor.Example"}, CANNOT_INVITE),
        ({"email": "  sam@harbor.example  "}, CANNOT_INVITE),
        ({"email": "rex@rival.example"}, CANNOT_INVITE),
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": LONG}, "Field cannot be longer than 200 characters."),
        ({"role": "owner"}, "Not a valid choice."),
        ({"role": "Admin"}, "Not a valid choice."),
        ({"role": MARKUP}, "Not a valid choice."),
    ],
)
def test_invitation_form_refuses_bad_fields(app, db, admin_client, fields, message):
    from webapp.models import Invitation, User

    users = count(db, User)
    response = post(app, admin_client, "/admin/invitations/new", {**NEW_USER, **fields})
    assert response.status_code == 422
    assert says(response, message)
    assert 'class="error-text"' in response.get_data(as_text=True)
    assert "<script>alert" not in response.get_data(as_text=True)
    assert count(db, User) == users and count(db, Invitation) == 0
    assert audited_changes(db) == 0


def test_an_invitee_name_with_markup_is_stored_and_shown_escaped(app, db, admin_client):
    from webapp.models import Invitation

    form = {**NEW_USER, "name": MARKUP[:190], "email": "  Zoe@Harbor.Example "}
    assert post(app, admin_client, "/admin/invitations/new", form).status_code == 303
    invitation = db.session.scalar(db.select(Invitation).where(Invitation.name == MARKUP[:190]))
    assert invitation.email == "Zoe@Harbor.Example"
    assert_escaped(get_text(app, admin_client, "/admin/"))


def test_changing_a_role_to_one_outside_the_vocabulary_changes_nothing(app, db, team, admin_client):
    sam = team["agent"]
    for role in ("owner", "", MARKUP):
        response = post(app, admin_client, f"/admin/users/{sam.id}/role", {f"u{sam.id}-role": role})
        assert response.status_code == 422
        assert says(response, "Choose agent, manager or admin.")
        assert "<script>alert" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert sam.role == "agent" and audited_changes(db) == 0


TEAM_SETTINGS = {
    "commission_per_side": "12000",
    "timezone": "America/New_York",
    "planning_hours": "fri 13:00-16:00",
}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        *[
            ({"commission_per_side": number}, "Not a valid decimal value.")
            for number in ("NaN", "sNaN", "-sNaN", "Infinity", "-inf", "twelve", MARKUP)
        ],
        *[
            ({"commission_per_side": number}, "Number must be between 0 and 9999999999.")
            for number in ("-1", "-0.01", "1e10", "1e999999999")
        ],
        ({"commission_per_side": ""}, "This field is required."),
        ({"timezone": "Mars/Olympus"}, TIMEZONE_MESSAGE),
        ({"timezone": "../../etc/passwd"}, TIMEZONE_MESSAGE),
        ({"timezone": "america/new_york"}, TIMEZONE_MESSAGE),
        ({"timezone": ""}, "Choose the team's time zone."),
        ({"timezone": MARKUP}, TIMEZONE_MESSAGE),
        ({"timezone": LONG}, TIMEZONE_MESSAGE),
        ({"planning_hours": ""}, "This field is required."),
        ({"planning_hours": "fri 25:00-26:00"}, "is not a weekly window like 'fri 13:00-16:00'"),
        ({"planning_hours": "fri 13:00-13:00"}, "'fri 13:00-13:00' ends before it starts"),
        ({"planning_hours": "fri 13:00-16:00,"}, "'' is not a weekly window"),
        ({"planning_hours": "fridays 1pm"}, "'fridays 1pm' is not a weekly window"),
        ({"planning_hours": MARKUP}, "is not a weekly window like 'fri 13:00-16:00'"),
        ({"planning_hours": LONG}, "Field cannot be longer than 200 characters."),
    ],
)
def test_team_settings_refuse_bad_fields(app, db, team, admin_client, fields, message):
    from decimal import Decimal

    response = post(app, admin_client, "/admin/settings", {**TEAM_SETTINGS, **fields})
    assert response.status_code == 422
    assert says(response, message)
    assert 'class="error-text"' in response.get_data(as_text=True)
    assert "<script>alert" not in response.get_data(as_text=True)
    harbor = team["admin"].team
    db.session.expire_all()
    assert (harbor.commission_per_side, harbor.timezone, harbor.planning_hours) == (
        Decimal(12000),
        "America/New_York",
        "fri 13:00-16:00",
    )
    assert audited_changes(db) == 0


# --- with CSRF protection on, as in production --------------------------------------
#
# The suite runs with CSRF off (TestConfig); these send the page's own token, so
# what refuses the input is the form's check, not a missing token.

CSRF_REFUSED = "This form has expired or was not sent from PartnerPlan"


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def page_token(app, client, url: str) -> str:
    import re

    page = fetch(app, client, url).get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page)[1]


HOSTILE_POSTS = {
    "planning window without times": (
        "agent",
        "/planning/settings",
        {"windows-0-weekday": "4", "windows-0-starts": "", "session_minutes": "30"},
        422,
        "Give both times of the window.",
    ),
    "rule threshold out of range": (
        "manager",
        "/rules/",
        {"coffee_days": "-21"},
        422,
        "Enter a whole number from 1 to 365.",
    ),
    "invitation with a trailing script": (
        "admin",
        "/admin/invitations/new",
        {**NEW_USER, "email": "nina@harbor.example <script>alert(1)</script>"},
        422,
        EMAIL_SHAPE,
    ),
    "signalling-NaN commission": (
        "admin",
        "/admin/settings",
        {**TEAM_SETTINGS, "commission_per_side": "sNaN"},
        422,
        "Not a valid decimal value.",
    ),
    "a new password that is easy to guess": (
        "agent",
        "/account/password",
        {"current": PASSWORD, "new": "password1234"},
        422,
        "Try a few unrelated words together.",
    ),
    "a two-factor code with markup in it": (
        "agent",
        "/account/two-factor",
        {"code": "<b>123456</b>"},
        422,
        "That code is not right.",
    ),
    "referral status outside the vocabulary": (
        "agent",
        "/logbook/referrals/{referral}/status",
        {"status": "won"},
        400,
        "A referral's status is one of: new, active, under contract, closed, lost.",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_POSTS))
@pytest.mark.parametrize("how", ["form field", "htmx header"])
def test_hostile_input_with_a_valid_token_is_refused_by_the_form(app, db, team, csrf_on, name, how):
    from webapp.models import PlanningWindow, RuleSettings, User

    role, url, form, status, message = HOSTILE_POSTS[name]
    partner = make_partner(team["agent"])
    referral = Referral(
        partner_id=partner.id, direction="received", referred_on=partner.met_on, client="Jo"
    )
    db.session.add(referral)
    db.session.commit()
    url = url.format(referral=referral.id)
    client = app.test_client()
    log_in(client, team[role])
    token = page_token(app, client, "/today")
    if how == "form field":
        response = post(app, client, url, {**form, "csrf_token": token})
    else:
        response = post(
            app, client, url, form, headers={"HX-Request": "true", "X-CSRFToken": token}
        )
    without_token = post(app, client, url, form)
    assert response.status_code == status
    assert says(response, message) and not says(response, CSRF_REFUSED)
    assert without_token.status_code == 400 and says(without_token, CSRF_REFUSED)
    db.session.expire_all()
    assert referral.status == "new"
    assert count(db, RuleSettings) == 0 and audited_changes(db) == 0
    assert (
        count(db, PlanningWindow) == 0
        and count(db, User) == 6
        and team["admin"].team.commission_per_side == 12000
    )
