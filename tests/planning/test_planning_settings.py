"""An agent's planning windows, session length and time zone."""

import sqlalchemy as sa

from tests.planning.helpers import FIRST_WEEK_FRIDAY
from webapp.models import PlanningWindow
from webapp.planning.slots import Window, candidate_slots, free_slots, parse_hours, parse_time
from webapp.validation import TIMEZONE_MESSAGE

HX = {"HX-Request": "true"}


def settings(**fields):
    data = {"session_minutes": "20", "timezone": ""}
    data.update(fields)
    return data


def test_default_is_the_team_planning_hours(client, auth, team, planning):
    auth.login(team["agent"])
    page = client.get("/planning/settings").get_data(as_text=True)
    assert "planning hours apply (fri 13:00-16:00)" in page
    assert team["agent"].calendar_token in page


def test_several_windows_length_and_time_zone_are_saved(client, auth, team, planning, db):
    auth.login(team["agent"])
    response = client.post(
        "/planning/settings",
        data=settings(
            **{
                "windows-0-weekday": "1",
                "windows-0-starts": "09:00",
                "windows-0-ends": "10:00",
                "windows-1-weekday": "4",
                "windows-1-starts": "13:00",
                "windows-1-ends": "14:00",
                "windows-2-weekday": "",
                "windows-2-starts": "",
                "windows-2-ends": "",
                "session_minutes": "30",
                "timezone": "America/Chicago",
            }
        ),
    )
    assert response.status_code == 302
    windows = db.session.scalars(sa.select(PlanningWindow).order_by(PlanningWindow.weekday)).all()
    assert [(w.weekday, w.starts, w.ends) for w in windows] == [
        (1, "09:00", "10:00"),
        (4, "13:00", "14:00"),
    ]
    db.session.refresh(team["agent"])
    assert (team["agent"].session_minutes, team["agent"].timezone) == (30, "America/Chicago")
    # the slots follow: Tue 27 Oct 09:00, 09:30 and Fri 23 Oct 13:00, 13:30
    page = client.get(f"/planning/partners/{planning['debbie'].id}/slots").get_data(as_text=True)
    for value in ("2026-10-27T09:00", "2026-10-27T09:30", "2026-10-23T13:00", "2026-10-23T13:30"):
        assert f'value="{value}"' in page
    assert 'value="2026-10-23T14:00"' not in page
    # removing a window: its day set to none
    client.post(
        "/planning/settings",
        data=settings(
            **{
                "windows-0-weekday": "",
                "windows-0-starts": "09:00",
                "windows-0-ends": "10:00",
                "windows-1-weekday": "4",
                "windows-1-starts": "13:00",
                "windows-1-ends": "14:00",
            }
        ),
    )
    assert db.session.scalars(sa.select(PlanningWindow.weekday)).all() == [4]


def test_bad_settings_are_refused_beside_the_field(client, auth, team, planning, db):
    auth.login(team["agent"])
    cases = [
        ({"timezone": "Mars/Olympus"}, TIMEZONE_MESSAGE),
        ({"timezone": "../../etc/passwd"}, TIMEZONE_MESSAGE),
        ({"session_minutes": "0"}, "Between 10 and 180 minutes"),
        ({"session_minutes": "abc"}, "Not a valid integer"),
        (
            {"windows-0-weekday": "4", "windows-0-starts": "16:00", "windows-0-ends": "13:00"},
            "must end after it starts",
        ),
        (
            {"windows-0-weekday": "4", "windows-0-starts": "", "windows-0-ends": "13:00"},
            "Give both times",
        ),
    ]
    for fields, message in cases:
        response = client.post("/planning/settings", data=settings(**fields), headers=HX)
        assert response.status_code == 422, fields
        assert message in response.get_data(as_text=True), fields
    assert db.session.scalars(sa.select(PlanningWindow)).all() == []
    db.session.refresh(team["agent"])
    assert (team["agent"].session_minutes, team["agent"].timezone) == (20, None)


def test_parse_team_hours():
    assert parse_hours("fri 13:00-16:00") == [Window(4, parse_time("13:00"), parse_time("16:00"))]
    assert parse_hours("Tuesday 9:00–10:30, fri 13:00-16:00; sun 10:00-09:00 nonsense") == [
        Window(1, parse_time("09:00"), parse_time("10:30")),
        Window(4, parse_time("13:00"), parse_time("16:00")),
    ]
    assert parse_hours("") == [] and parse_hours(None) == []


def test_slots_fit_whole_sessions_in_the_window():
    windows = parse_hours("fri 13:00-14:00")
    starts = candidate_slots(windows, FIRST_WEEK_FRIDAY.date().replace(day=16), 25)
    assert [f"{s:%H:%M}" for s in starts] == ["13:00", "13:25"]


def test_an_overlap_in_week_twelve_removes_the_slot():
    windows = parse_hours("fri 13:00-14:00")
    from datetime import timedelta

    week12 = FIRST_WEEK_FRIDAY.replace(hour=13, minute=30) + timedelta(weeks=11)
    busy = [(week12, week12 + timedelta(minutes=20))]
    assert [f"{s:%H:%M}" for s in free_slots(windows, FIRST_WEEK_FRIDAY.date(), 20, busy)] == [
        "13:00"
    ]
