"""The partner book file: import, export, and the round trip between them."""

import copy
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa

from tests.helpers import PASSWORD, count, make_partner
from tests.refusals import REFUSED, REFUSED_IDS
from webapp.book.validation import validate_book
from webapp.models import (
    AuditEvent,
    Holiday,
    Interaction,
    Lead,
    Partner,
    PlanningSession,
    Referral,
    Team,
    User,
)

BOOK = {
    "format": "partnerplan-book/1",
    "team": {"name": "Lakeside Homes", "commission_per_side": 12000},
    "users": [
        {"email": "lee@lakeside.example", "name": "Lee Park", "role": "manager"},
        {"email": "mo@lakeside.example", "name": "Mo Diaz", "role": "agent"},
    ],
    "partners": [
        {
            "key": "p-001",
            "owner": "mo@lakeside.example",
            "name": "Ryan McMillan",
            "company": "McMillan Estate Law",
            "profession": "attorney",
            "email": "ryan@mcmillan.example",
            "phone": "+1 231 555 0100",
            "tier": "cultivate",
            "source": "bni",
            "met_on": "2026-09-02",
            "do_not_contact": False,
            "client_types": ["retirees_estate"],
            "birthday": "1980-04-12",
            "anniversary": "02-29",
            "details": {"spouse": "Alex", "children": "2", "pets": "a beagle"},
            "notes": "Met at BNI; shares our retiree clients.",
            "commitment": {"made_on": "2026-10-01", "first_referral_by": "2026-10-31"},
            "interactions": [
                {"at": "2026-10-05T09:00:00", "kind": "call", "direction": "inbound",
                 "outcome": "connected", "by": "mo@lakeside.example"},
                {"at": "2026-10-01T10:00:00", "kind": "coffee", "direction": "outbound",
                 "outcome": "connected", "sentiment": "positive", "disrespectful": False,
                 "by": "mo@lakeside.example", "notes": "High-trust conversation."},
            ],
            "referrals": [
                {"direction": "received", "on": "2026-10-20", "client": "J. Alvarez",
                 "status": "closed", "closed_on": "2026-11-15", "commission": 11500.5},
                {"direction": "sent", "on": "2026-10-02", "client": "K. Obi"},
            ],
            "planning_sessions": [
                {"starts_at": "2026-10-16T14:00:00", "minutes": 20, "status": "booked"},
                {"starts_at": "2026-10-09T14:00:00", "minutes": 20, "status": "held",
                 "answers": {"how_are_we_doing": "Well.", "met_recently": "Pat Doe"}},
            ],
            "leads": [{"name": "Pat Doe", "question": "met_recently",
                       "planning_session": "2026-10-09T14:00:00"}],
        },
        {"owner": "lee@lakeside.example", "name": "Quinn Adler", "tier": "maintain",
         "archived_at": "2026-11-01T12:00:00"},
    ],
    "holidays": [
        {"day": "2026-12-25", "name": "Christmas Day"},
        {"day": "2028-02-29", "name": "Leap day off"},
        {"day": "2026-12-24", "name": "Christmas Eve"},
    ],
}  # fmt: skip
TODAY = date(2026, 12, 1)  # the importing team's day, for validate_book


@pytest.fixture
def book_path(tmp_path):
    path = tmp_path / "book.json"
    path.write_text(json.dumps(BOOK))
    return path


def write(tmp_path, document, name="book.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def export_text(runner) -> str:
    result = runner.invoke(args=["book", "export"])
    assert result.exit_code == 0, result.output
    return result.output


def test_import_stores_the_whole_book(runner, db, book_path):
    result = runner.invoke(args=["book", "import", str(book_path)])
    assert result.exit_code == 0, result.output
    assert "Imported team 'Lakeside Homes'" in result.output
    ryan = db.session.scalar(sa.select(Partner).where(Partner.key == "p-001"))
    assert ryan.owner.email == "mo@lakeside.example"
    assert ryan.anniversary == "02-29" and ryan.commitment_made_on.isoformat() == "2026-10-01"
    assert [count(db, model) for model in (Interaction, Referral, PlanningSession, Lead)] == [
        2, 2, 2, 1,
    ]  # fmt: skip
    lead = db.session.scalar(sa.select(Lead))
    assert db.session.get(PlanningSession, lead.planning_session_id).status == "held"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "import"))
    assert event.after["partners"] == 2


def test_round_trip_gives_the_same_document(app, runner, db, book_path):
    """Export -> import into an empty database -> export: the same text."""
    assert runner.invoke(args=["book", "import", str(book_path)]).exit_code == 0
    first = export_text(runner)
    document = json.loads(first)
    assert document["partners"][0]["referrals"][0]["on"] == "2026-10-02"  # sorted by date
    assert document["partners"][0]["referrals"][1]["commission"] == 11500.5
    assert document["team"]["commission_per_side"] == 12000  # an int when whole
    assert document["partners"][1]["key"].startswith("p-")  # no key in the file: p-<id>
    assert document["holidays"] == [  # by day
        {"day": "2026-12-24", "name": "Christmas Eve"},
        {"day": "2026-12-25", "name": "Christmas Day"},
        {"day": "2028-02-29", "name": "Leap day off"},
    ]

    db.session.remove()
    db.drop_all()
    db.create_all()
    exported = io.BytesIO(first.encode())
    result = runner.invoke(args=["book", "import", "-"], input=exported)
    assert result.exit_code == 0, result.output
    assert export_text(runner) == first


def test_export_writes_to_a_file_and_needs_a_team_when_several(runner, book_path, tmp_path, team):
    assert runner.invoke(args=["book", "import", str(book_path)]).exit_code == 0
    result = runner.invoke(args=["book", "export"])
    assert result.exit_code != 0 and "--team" in result.output
    target = tmp_path / "out.json"
    result = runner.invoke(args=["book", "export", str(target), "--team", "Lakeside Homes"])
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text())
    assert {user["email"] for user in document["users"]} == {
        "lee@lakeside.example", "mo@lakeside.example",
    }  # fmt: skip


def test_invalid_file_imports_nothing_and_lists_every_path(runner, db, tmp_path):
    document = copy.deepcopy(BOOK)
    ryan = document["partners"][0]
    ryan["interactions"][1]["kind"] = "coffe"
    ryan["referrals"][0]["commission"] = -500
    ryan["birthday"] = "1980-02-30"
    ryan["client_types"] = ["retirees_estate", "yachts"]
    document["partners"][1]["owner"] = "nobody@lakeside.example"
    document["partners"][1]["key"] = "p-001"
    document["users"][1]["role"] = "boss"
    document["team"]["commission_per_side"] = "12000"

    result = runner.invoke(args=["book", "import", write(tmp_path, document)])

    assert result.exit_code == 1
    for path in (
        "team.commission_per_side: expected an amount",
        "users[1].role: 'boss' is not one of agent, manager, admin",
        "partners[0].interactions[1].kind: 'coffe' is not one of call, voicemail",
        "partners[0].referrals[0].commission: must not be negative",
        "partners[0].birthday: Enter a day that exists",
        "partners[0].client_types[1]: 'yachts' is not one of",
        "partners[1].owner: 'nobody@lakeside.example' is not one of the file's users",
        "partners[1].key: 'p-001' is already the key of partners[0]",
    ):
        assert path in result.output
    assert "Nothing was imported: 8 problem(s)." in result.output
    assert [count(db, model) for model in (Team, User, Partner, Interaction, AuditEvent)] == [
        0, 0, 0, 0, 0,
    ]  # fmt: skip


def test_a_team_that_exists_is_refused(runner, db, book_path):
    assert runner.invoke(args=["book", "import", str(book_path)]).exit_code == 0
    result = runner.invoke(args=["book", "import", str(book_path)])
    assert result.exit_code == 1
    assert "team.name: a team named 'Lakeside Homes' already exists" in result.output
    assert count(db, Team) == 1 and count(db, Partner) == 2


def test_a_file_that_is_not_json_is_refused(runner, db, tmp_path):
    path = tmp_path / "book.json"
    path.write_text('{"format": "partnerplan-book/1",')
    result = runner.invoke(args=["book", "import", str(path)])
    assert result.exit_code == 1 and "not valid JSON" in result.output


def test_imported_users_cannot_log_in_until_an_admin_sets_a_password(runner, auth, book_path):
    runner.invoke(args=["book", "import", str(book_path)])
    response = auth.login("lee@lakeside.example", PASSWORD)
    assert response.status_code == 422 and b"do not match" in response.data


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("1980-04-12", True), ("02-29", True), ("2024-02-29", True), ("02-30", False),
        ("2025-02-29", False), ("13-01", False), ("1980-4-12", False), ("April 12", False),
    ],
)  # fmt: skip
def test_birthday_may_omit_the_year(value, valid):
    document = {**BOOK, "partners": [{**BOOK["partners"][1], "birthday": value}]}
    assert (validate_book(document, TODAY) == []) is valid


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": "x" * 201}, "partners[0].name: is 201 characters long; at most 200 fit"),
        ({"phone": 5551234}, "partners[0].phone: expected text, got 5551234"),
        ({"do_not_contact": "no"}, "partners[0].do_not_contact: expected true or false"),
        ({"client_types": "luxury"}, "partners[0].client_types: expected a list"),
        ({"met_on": "2026-13-01"}, "partners[0].met_on: '2026-13-01' is not a date"),
        ({"interactions": [{"at": "2026-10-01T10:00:00+02:00", "kind": "call"}]},
         "partners[0].interactions[0].at: '2026-10-01T10:00:00+02:00' is not a local time"),
        ({"interactions": [{"kind": "call"}]}, "partners[0].interactions[0].at: is required"),
        ({"referrals": [{"direction": "received", "on": "2026-10-01", "client": "A",
                         "commission": "11500"}]},
         "partners[0].referrals[0].commission: expected an amount (a number), got '11500'"),
        ({"planning_sessions": [{"starts_at": "2026-10-01T10:00:00", "status": "done"}]},
         "partners[0].planning_sessions[0].status: 'done' is not one of booked, held"),
        ({"kind": "coffee"}, "partners[0].kind: unknown field"),
    ],
)  # fmt: skip
def test_types_sizes_and_unknown_fields_are_reported_with_their_path(change, expected):
    document = {**BOOK, "partners": [{**BOOK["partners"][1], **change}]}
    problems = [str(problem) for problem in validate_book(document, TODAY)]
    assert any(problem.startswith(expected) for problem in problems), problems


@pytest.mark.parametrize(("field", "value", "message"), REFUSED, ids=REFUSED_IDS)
def test_a_book_refuses_what_the_partner_form_refuses_in_its_words(field, value, message):
    """tests/refusals.py: the form and the CSV import say the same of the same value."""
    document = {**BOOK, "partners": [{**BOOK["partners"][1], field: value}]}
    assert [str(problem) for problem in validate_book(document, TODAY)] == [
        f"partners[0].{field}: {message}"
    ]


def test_a_birthday_year_is_checked_against_the_importing_teams_day(app, runner, tmp_path, db):
    """New Year's Eve in New York is already New Year's Day in UTC: 2027 is not yet a
    year anyone in the team was born in."""
    document = copy.deepcopy(BOOK)
    document["team"]["timezone"] = "America/New_York"
    document["partners"][0]["birthday"] = "2027-01-01"
    app.config["PARTNERPLAN_NOW"] = "2027-01-01T03:00+00:00"
    result = runner.invoke(args=["book", "import", write(tmp_path, document)])
    assert result.exit_code == 1
    assert "partners[0].birthday: Enter a year between 1900 and this year" in result.output


@pytest.mark.parametrize(
    ("holidays", "expected"),
    [
        ([{"day": "2026-12-24"}], "holidays[0].name: is required"),
        ([{"name": "Christmas Eve"}], "holidays[0].day: is required"),
        ([{"day": "2027-02-29", "name": "No such day"}],
         "holidays[0].day: '2027-02-29' is not a date (YYYY-MM-DD)"),
        ([{"day": "0001-12-24", "name": "Far back"}],
         "holidays[0].day: Enter a date between 1900 and 2100."),
        ([{"day": "2026-12-24", "name": "x" * 81}],
         "holidays[0].name: is 81 characters long; at most 80 fit"),
        ([{"day": "2026-12-24", "name": "Christmas\nEve"}],
         "holidays[0].name: Keep this on one line"),
        ([{"day": "2026-12-24", "name": "A"}, {"day": "2026-12-24", "name": "B"}],
         "holidays[1].day: '2026-12-24' is already the day of holidays[0]"),
        ([{"day": "2026-12-24", "name": "A", "observed": True}],
         "holidays[0].observed: unknown field"),
        ({"day": "2026-12-24"}, "holidays: expected a list"),
    ],
)  # fmt: skip
def test_holidays_are_checked_like_the_days_off_form(holidays, expected):
    problems = [str(problem) for problem in validate_book({**BOOK, "holidays": holidays}, TODAY)]
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_book_without_holidays_imports_with_none(runner, db, tmp_path):
    document = {key: value for key, value in BOOK.items() if key != "holidays"}
    result = runner.invoke(args=["book", "import", write(tmp_path, document)])
    assert result.exit_code == 0, result.output
    assert count(db, Holiday) == 0
    assert json.loads(export_text(runner))["holidays"] == []


def test_an_invalid_holiday_imports_nothing(runner, db, tmp_path):
    document = {**BOOK, "holidays": [{"day": "2026-12-24", "name": ""}]}
    result = runner.invoke(args=["book", "import", write(tmp_path, document)])
    assert result.exit_code == 1
    assert "holidays[0].name: must not be empty" in result.output
    assert count(db, Team) == 0 and count(db, Partner) == 0 and count(db, Holiday) == 0


# --- in the browser ------------------------------------------------------------------


def upload(client, document):
    data = json.dumps(document).encode() if not isinstance(document, bytes) else document
    return client.post("/book/import", data={"file": (io.BytesIO(data), "book.json")})


def test_manager_fills_their_own_empty_team_in_the_browser(client, auth, db, team):
    auth.login(team["manager"])
    response = upload(client, BOOK)
    assert response.status_code == 303
    harbor = team["manager"].team
    assert count(db, Team) == 2  # no team is created from the browser
    assert not db.session.scalar(sa.select(Team).where(Team.name == "Lakeside Homes"))
    partners = db.session.scalars(sa.select(Partner)).all()
    assert len(partners) == 2 and {p.team_id for p in partners} == {harbor.id}
    mo = db.session.scalar(sa.select(User).where(User.email == "mo@lakeside.example"))
    assert mo.team_id == harbor.id and mo.password_hash is None
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == "import")).all()
    assert [(e.team_id, e.user_id) for e in events] == [(harbor.id, team["manager"].id)]
    page = client.get("/book/")
    assert b"Imported into Harbor Realty Group" in page.data


def test_the_browser_import_keeps_the_days_off_the_team_has(client, auth, db, team):
    harbor = team["manager"].team
    db.session.add(Holiday(team_id=harbor.id, day=date(2026, 12, 24), name="Office closed"))
    db.session.commit()
    auth.login(team["manager"])
    assert upload(client, BOOK).status_code == 303
    days = db.session.execute(
        sa.select(Holiday.day, Holiday.name)
        .where(Holiday.team_id == harbor.id)
        .order_by(Holiday.day)
    ).all()
    assert [(str(day), name) for day, name in days] == [
        ("2026-12-24", "Office closed"),
        ("2026-12-25", "Christmas Day"),
        ("2028-02-29", "Leap day off"),
    ]


def test_users_already_on_the_team_are_kept_as_they_are(client, auth, db, team):
    document = copy.deepcopy(BOOK)
    document["users"][0] = {"email": "SAM@harbor.example", "name": "Renamed", "role": "manager"}
    document["partners"][1]["owner"] = "SAM@harbor.example"
    auth.login(team["manager"])
    assert upload(client, document).status_code == 303
    sam = db.session.get(User, team["agent"].id)
    assert (sam.name, sam.role) == ("Sam Ortiz", "agent")
    quinn = db.session.scalar(sa.select(Partner).where(Partner.name == "Quinn Adler"))
    assert quinn.owner_id == sam.id


def test_a_team_that_has_partners_is_not_filled(client, auth, db, team):
    make_partner(team["agent"], "Harbor Partner")
    db.session.commit()
    auth.login(team["manager"])
    response = upload(client, BOOK)
    assert response.status_code == 422
    assert b"Harbor Realty Group already has partners" in response.data
    assert count(db, Partner) == 1 and count(db, User) == 6


def test_an_email_of_another_team_is_refused_without_saying_whose(client, auth, db, team):
    document = copy.deepcopy(BOOK)
    document["users"][0]["email"] = "ria@rival.example"
    document["partners"][1]["owner"] = "ria@rival.example"
    auth.login(team["manager"])
    response = upload(client, document)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<code>users[0].email</code>: This email can&#39;t be used." in page
    assert "already has an account" not in page and "Rival" not in page
    assert count(db, Partner) == 0 and count(db, User) == 6


def test_a_manager_cannot_add_an_admin_from_a_book(client, auth, db, team):
    document = copy.deepcopy(BOOK)
    document["users"][0]["role"] = "admin"
    auth.login(team["manager"])
    response = upload(client, document)
    assert response.status_code == 422
    assert b"<code>users[0].role</code>: only an admin can add an admin" in response.data
    assert count(db, User) == 6
    auth.logout()
    auth.login(team["admin"])
    assert upload(client, document).status_code == 303


def test_invalid_upload_lists_every_problem_and_stores_nothing(client, auth, db, team):
    auth.login(team["admin"])
    document = copy.deepcopy(BOOK)
    document["partners"][0]["interactions"][0]["kind"] = "coffe"
    document["partners"][1]["tier"] = "gold"
    response = upload(client, document)
    assert response.status_code == 422
    assert b"Nothing was imported: 2 problems" in response.data
    assert b"<code>partners[0].interactions[0].kind</code>: &#39;coffe&#39;" in response.data
    assert b"<code>partners[1].tier</code>: &#39;gold&#39; is not one of" in response.data
    assert count(db, Team) == 2 and count(db, Partner) == 0


def test_upload_without_a_file_is_refused(client, auth, db, team):
    auth.login(team["manager"])
    response = client.post("/book/import", data={})
    assert response.status_code == 422 and b"Choose a file." in response.data
    assert count(db, Team) == 2


def test_manager_exports_only_their_own_team(client, auth, team):
    make_partner(team["agent"], "Harbor Partner")
    make_partner(team["rival_agent"], "Rival Partner")
    auth.login(team["manager"])
    response = client.get("/book/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.data)
    assert document["team"]["name"] == "Harbor Realty Group"
    assert [partner["name"] for partner in document["partners"]] == ["Harbor Partner"]
    assert validate_book(document, TODAY) == []


@pytest.mark.parametrize("method,url", [("get", "/book/"), ("get", "/book/export"),
                                        ("post", "/book/import")])  # fmt: skip
def test_agents_do_not_see_the_book_pages(client, auth, team, method, url):
    auth.login(team["agent"])
    assert getattr(client, method)(url).status_code == 404


def test_a_nul_character_in_a_book_is_reported_by_path(runner, tmp_path, db):
    import json

    from tests.helpers import count
    from webapp.models import Team

    document = {
        "format": "partnerplan-book/1",
        "team": {"name": "Nul Realty", "commission_per_side": 12000},
        "users": [{"email": "a@nul.example", "name": "A", "role": "agent"}],
        "partners": [{"key": "p-1", "owner": "a@nul.example", "name": "Bad\u0000Name"}],
    }
    path = tmp_path / "book.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["book", "import", str(path)])
    assert result.exit_code != 0
    assert "partners[0].name: contains a NUL character" in result.output
    assert count(db, Team) == 0


@pytest.mark.parametrize(
    "hours, kept",
    [
        ("Fri 13:00-16:00", "fri 13:00-16:00"),
        (" TUE 09:00-10:30, fri 13:00-16:00 ", "tue 09:00-10:30, fri 13:00-16:00"),
        ("fri 16:00-13:00", None),
        ("Fridays", None),
    ],
)
def test_planning_hours_are_read_as_the_admin_form_reads_them(runner, db, tmp_path, hours, kept):
    """Any case, spaces around: kept in lower case, as the team settings page keeps them."""
    document = copy.deepcopy(BOOK)
    document["team"]["planning_hours"] = hours
    result = runner.invoke(args=["book", "import", write(tmp_path, document)])
    team = db.session.scalar(sa.select(Team).where(Team.name == "Lakeside Homes"))
    if kept is None:
        assert result.exit_code != 0 and "team.planning_hours" in result.output
        assert team is None
    else:
        assert result.exit_code == 0, result.output
        assert team.planning_hours == kept


def test_an_empty_time_zone_is_refused_not_a_crash(runner, db, tmp_path):
    """ "" names no zone: the import used to pass the check and fail storing the team."""
    document = {**BOOK, "team": {**BOOK["team"], "timezone": ""}}
    result = runner.invoke(args=["book", "import", write(tmp_path, document)])
    assert result.exit_code == 1 and not isinstance(result.exception, ValueError)
    assert "team.timezone: '' is not a time zone" in result.output
    assert count(db, Team) == 0
