"""A series starts a week from today by default, or in any of the three weeks after;
one whose sessions fall on team days off is booked only once the agent says how."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from tests.helpers import count
from tests.planning.helpers import FIRST_WEEK_FRIDAY, add_holiday, book, sessions_of
from webapp.models import AuditEvent, PlanningSession, PlanningWindow

HX = {"HX-Request": "true"}


def panel(client, partner, **query) -> str:
    response = client.get(f"/planning/partners/{partner.id}/slots", query_string=query, headers=HX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def slot_value(when: datetime) -> str:
    return f'value="{when.isoformat(timespec="minutes")}"'


def test_the_week_picker_offers_four_weeks_from_a_week_from_today(client, auth, team, planning):
    auth.login(team["agent"])
    page = panel(client, planning["debbie"])
    for label in ("23 Oct 2026", "30 Oct 2026", "6 Nov 2026", "13 Nov 2026"):
        assert f">Week of {label}</a>" in page
    assert "Week of 20 Nov 2026" not in page
    assert 'aria-current="true">Week of 23 Oct 2026' in page
    assert "(a week from today)" in page
    assert slot_value(FIRST_WEEK_FRIDAY.replace(hour=13)) in page


def test_another_week_shows_that_weeks_free_slots(client, auth, team, planning, db):
    auth.login(team["agent"])
    nov6 = datetime(2026, 11, 6, 14, 0)
    book(client, planning["omar"], nov6)  # from 6 Nov: its 14:00 is taken in every week after
    page = panel(client, planning["debbie"], week="2026-11-06")
    assert 'aria-current="true">Week of 6 Nov 2026' in page
    assert slot_value(datetime(2026, 11, 6, 13, 0)) in page
    assert slot_value(nov6) not in page
    assert slot_value(FIRST_WEEK_FRIDAY.replace(hour=13)) not in page
    response = book(client, planning["debbie"], datetime(2026, 11, 6, 13, 0))
    assert response.status_code == 302
    starts = [s.starts_at for s in sessions_of(db, planning["debbie"])]
    assert starts == [datetime(2026, 11, 6, 13, 0) + timedelta(weeks=n) for n in range(12)]


def test_a_week_not_offered_shows_the_first(client, auth, team, planning):
    auth.login(team["agent"])
    for week in ("2026-11-20", "2026-10-16", "not-a-day", "2026-02-30", "9999-12-31"):
        assert 'aria-current="true">Week of 23 Oct 2026' in panel(
            client, planning["debbie"], week=week
        )


def test_a_start_outside_the_four_weeks_or_the_windows_is_refused(client, auth, team, planning, db):
    auth.login(team["agent"])
    refused = {
        "2026-11-20T13:00": "within the next four weeks, from 23 Oct to 19 Nov 2026",
        "2026-10-16T13:00": "within the next four weeks",  # today
        "2026-10-30T09:00": "Fri 30 Oct at 09:00 is not a start time of the planning windows",
        "2026-10-30T13:10": "is not a start time of the planning windows",
        "2026-10-30T13:00+01:00": "Pick one of the slots.",
        "2026-10-30": "is not a start time of the planning windows",  # midnight
        "": "Pick one of the slots.",
        "Friday": "Pick one of the slots.",
    }
    for value, message in refused.items():
        response = client.post(
            f"/planning/partners/{planning['debbie'].id}/series",
            data={"starts_at": value},
            headers=HX,
        )
        assert response.status_code == 422, value
        assert message in response.get_data(as_text=True), value
    assert count(db, PlanningSession) == 0


def test_without_javascript_a_refused_start_shows_the_page_with_its_message(
    client, auth, team, planning, db
):
    auth.login(team["agent"])
    response = book(client, planning["debbie"], datetime(2026, 12, 4, 13, 0))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<html" in page and "within the next four weeks" in page
    assert count(db, PlanningSession) == 0


# --- team days off --------------------------------------------------------------------------


def thursday_agent(app, db, team):
    """Thu 19 Nov 2026, and Sam keeps Thursdays 10:00-11:00: the first offered week
    starts Thu 26 Nov, so that a series from then meets Christmas Eve in its fifth week."""
    app.config["PARTNERPLAN_NOW"] = "2026-11-19"
    db.session.add(
        PlanningWindow(user_id=team["agent"].id, weekday=3, starts="10:00", ends="11:00")
    )
    add_holiday(db, team["agent"].team_id, date(2026, 12, 24), "Christmas Eve")
    return datetime(2026, 11, 26, 10, 0)


def test_booking_warns_about_a_team_day_off_and_books_nothing_yet(
    app, client, auth, team, planning, db
):
    first = thursday_agent(app, db, team)
    auth.login(team["agent"])
    response = book(client, planning["debbie"], first, **HX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Session 5 on Thu 24 Dec 2026 falls on Christmas Eve (team day off)" in page
    assert 'name="holidays" value="leave_out"' in page and 'name="holidays" value="keep"' in page
    assert count(db, PlanningSession) == 0
    without_js = book(client, planning["debbie"], first)
    assert without_js.status_code == 200 and "<html" in without_js.get_data(as_text=True)
    assert count(db, PlanningSession) == 0


def confirm(client, partner, first: datetime, choice: str, **headers):
    return client.post(
        f"/planning/partners/{partner.id}/series",
        data={"starts_at": first.isoformat(timespec="minutes"), "holidays": choice},
        headers=headers,
    )


def test_leaving_the_day_off_out_books_that_session_cancelled(
    app, client, auth, team, planning, db
):
    first = thursday_agent(app, db, team)
    auth.login(team["agent"])
    response = confirm(client, planning["debbie"], first, "leave_out", **HX)
    assert response.status_code == 200
    assert "Left out on team days off: 24 Dec 2026." in response.get_data(as_text=True)
    sessions = sessions_of(db, planning["debbie"])
    assert len(sessions) == 12
    assert [s.status for s in sessions].count("cancelled") == 1
    assert sessions[4].starts_at == datetime(2026, 12, 24, 10, 0)
    assert sessions[4].status == "cancelled"
    ics = client.get(f"/planning/sessions/{sessions[0].id}/series.ics").get_data(as_text=True)
    assert "EXDATE;TZID=America/New_York:20261224T100000" in ics
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "planning_series"))
    assert audit.after["left_out"] == ["2026-12-24"]


def test_keeping_the_day_off_books_all_twelve(app, client, auth, team, planning, db):
    first = thursday_agent(app, db, team)
    auth.login(team["agent"])
    response = confirm(client, planning["debbie"], first, "keep")
    assert response.status_code == 302
    assert {s.status for s in sessions_of(db, planning["debbie"])} == {"booked"}


def test_an_unknown_answer_to_the_warning_books_nothing(app, client, auth, team, planning, db):
    first = thursday_agent(app, db, team)
    auth.login(team["agent"])
    assert confirm(client, planning["debbie"], first, "move", **HX).status_code == 422
    assert count(db, PlanningSession) == 0


def test_another_teams_day_off_is_not_ours(app, client, auth, team, planning, db):
    add_holiday(db, team["rival_agent"].team_id, date(2026, 10, 30), "Rival day off")
    auth.login(team["agent"])
    response = book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14), **HX)
    assert "12 weekly sessions booked" in response.get_data(as_text=True)


def test_a_leap_day_off_is_warned_about(app, client, auth, team, planning, db):
    app.config["PARTNERPLAN_NOW"] = "2028-02-15"
    db.session.add(
        PlanningWindow(user_id=team["agent"].id, weekday=1, starts="09:00", ends="10:00")
    )
    add_holiday(db, team["agent"].team_id, date(2028, 2, 29), "Leap day off")
    auth.login(team["agent"])
    response = book(client, planning["debbie"], datetime(2028, 2, 22, 9, 0), **HX)
    page = response.get_data(as_text=True)
    assert "Session 2 on Tue 29 Feb 2028 falls on Leap day off (team day off)" in page
