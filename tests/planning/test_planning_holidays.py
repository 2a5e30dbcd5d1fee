"""The team's days off: a list its managers keep, one name a day."""

from datetime import date

import sqlalchemy as sa

from tests.helpers import count
from tests.planning.helpers import add_holiday
from webapp.models import AuditEvent, Holiday

HX = {"HX-Request": "true"}


def add(client, day: str, name: str, **headers):
    return client.post("/planning/holidays", data={"day": day, "name": name}, headers=headers)


def days_off(db, team_id: int) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Holiday.day, Holiday.name).where(Holiday.team_id == team_id).order_by(Holiday.day)
    )
    return [(str(day), name) for day, name in rows]


def test_a_manager_adds_a_day_off(client, auth, team, planning, db):
    auth.login(team["manager"])
    assert 'href="/planning/holidays"' in client.get("/planning/").get_data(as_text=True)
    response = add(client, "2026-12-24", "  Christmas Eve ")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added Christmas Eve on Thu 24 Dec 2026." in page
    assert days_off(db, team["manager"].team_id) == [("2026-12-24", "Christmas Eve")]
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "holiday"))
    assert audit.after == {"day": "2026-12-24", "name": "Christmas Eve"}


def test_with_htmx_the_list_comes_back_in_place(client, auth, team, planning, db):
    auth.login(team["admin"])
    response = add(client, "2028-02-29", "Leap day off", **HX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.startswith('<div id="holidays">') and "Tue 29 Feb 2028" in page


def test_a_day_already_off_is_refused_beside_the_date(client, auth, team, planning, db):
    add_holiday(db, team["manager"].team_id, date(2026, 12, 24), "Christmas Eve")
    auth.login(team["manager"])
    response = add(client, "2026-12-24", "Office party", **HX)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="day-error">Thu 24 Dec 2026 is already a team day off: Christmas Eve.' in page
    assert days_off(db, team["manager"].team_id) == [("2026-12-24", "Christmas Eve")]


def test_bad_input_is_refused_with_a_message_and_nothing_stored(client, auth, team, planning, db):
    auth.login(team["manager"])
    refused = [
        ("", "Christmas Eve", "day", "Give the date."),
        ("2027-02-29", "No such day", "day", "Not a valid date value."),
        ("0001-12-24", "Far back", "day", "Enter a date between 1900 and 2100."),
        ("2026-12-24", "", "name", "Give the day off a name"),
        ("2026-12-24", "x" * 81, "name", "At most 80 characters."),
        ("2026-12-24", "Christmas\nEve", "name", "Keep this on one line"),
    ]
    for day, name, field, message in refused:
        response = add(client, day, name, **HX)
        assert response.status_code == 422, (day, name)
        assert f'id="{field}-error">{message}' in response.get_data(as_text=True), (day, name)
    assert count(db, Holiday) == 0
    assert add(client, "2026-12-24", "x" * 80).status_code == 302  # 80 fit


def test_coming_days_first_and_past_ones_folded_away(app, client, auth, team, planning, db):
    team_id = team["manager"].team_id
    for day, name in ((date(2026, 12, 24), "Christmas Eve"), (date(2027, 1, 1), "New Year"),
                      (date(2026, 12, 31), "New Year's Eve"), (date(2026, 11, 26), "Thanksgiving"),
                      (date(2026, 12, 26), "Boxing Day")):  # fmt: skip
        add_holiday(db, team_id, day, name)
    add_holiday(db, team["rival_manager"].team_id, date(2026, 12, 28), "Rival day off")
    app.config["PARTNERPLAN_NOW"] = "2026-12-26"
    auth.login(team["manager"])
    page = client.get("/planning/holidays").get_data(as_text=True)
    coming, past = page.split("<summary>Past days off (2)</summary>")
    assert (
        coming.index("Boxing Day") < coming.index("New Year&#39;s Eve") < coming.index("New Year</")
    )
    assert past.index("Christmas Eve") < past.index("Thanksgiving")
    assert "Rival day off" not in page


def test_a_manager_removes_a_day_off_of_their_team_only(client, auth, team, planning, db):
    add_holiday(db, team["manager"].team_id, date(2026, 12, 24), "Christmas Eve")
    add_holiday(db, team["rival_manager"].team_id, date(2026, 12, 24), "Rival Eve")
    auth.login(team["manager"])
    response = client.post("/planning/holidays/remove", data={"day": "2026-12-24"})
    assert response.status_code == 302
    assert "Removed Christmas Eve on Thu 24 Dec 2026." in client.get("/planning/holidays").get_data(
        as_text=True
    )
    assert days_off(db, team["manager"].team_id) == []
    assert days_off(db, team["rival_manager"].team_id) == [("2026-12-24", "Rival Eve")]
    again = client.post("/planning/holidays/remove", data={"day": "2026-12-24"}, headers=HX)
    assert "not on the list" in again.get_data(as_text=True)
    assert client.post("/planning/holidays/remove", data={"day": "soon"}).status_code == 400


def test_agents_neither_see_nor_change_the_list(client, auth, team, planning, db):
    auth.login(team["agent"])
    assert client.get("/planning/holidays").status_code == 404
    assert add(client, "2026-12-24", "Christmas Eve").status_code == 404
    assert count(db, Holiday) == 0
