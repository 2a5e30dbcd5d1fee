"""The series invitation (.ics) and the agent's private feed."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
import sqlalchemy as sa
from icalendar import Calendar

from tests.planning.helpers import FIRST_WEEK_FRIDAY, book, sessions_of
from webapp.models import PlanningSession, User

NEW_YORK = ZoneInfo("America/New_York")


def download(client, session) -> Calendar:
    response = client.get(f"/planning/sessions/{session.id}/series.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    return Calendar.from_ical(response.data)


def expand(calendar: Calendar):
    return recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2027, 12, 31))


def test_series_is_one_weekly_event_with_twelve_occurrences_across_dst(
    client, auth, team, planning, db
):
    auth.login(team["agent"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    calendar = download(client, sessions_of(db, planning["debbie"])[0])

    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["COUNT"] == [12]
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert calendar["METHOD"] == "REQUEST"
    alarm = event.walk("VALARM")[0]
    assert alarm["TRIGGER"].dt == timedelta(minutes=-15)
    assert str(event["ORGANIZER"]) == "mailto:sam@harbor.example"
    assert str(event["ATTENDEE"]) == "mailto:debbie@lender.example"

    occurrences = expand(calendar)
    assert len(occurrences) == 12
    local = [o["DTSTART"].dt.astimezone(NEW_YORK) for o in occurrences]
    assert [d.date() for d in local] == [date(2026, 10, 23) + timedelta(weeks=n) for n in range(12)]
    assert {(d.hour, d.minute) for d in local} == {(14, 0)}
    # the wall time holds while the UTC offset changes on 1 Nov
    assert {d.utcoffset() for d in local} == {timedelta(hours=-4), timedelta(hours=-5)}
    assert all(o["DTEND"].dt - o["DTSTART"].dt == timedelta(minutes=20) for o in occurrences)


def test_uid_is_stable_between_downloads(client, auth, team, planning, db):
    auth.login(team["agent"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    sessions = sessions_of(db, planning["debbie"])
    first = download(client, sessions[0]).walk("VEVENT")[0]["UID"]
    again = download(client, sessions[5]).walk("VEVENT")[0]["UID"]
    assert first == again == f"pps-{sessions[0].series}@partnerplan"


def test_moved_and_cancelled_occurrences_show_in_the_series(client, auth, team, planning, db):
    auth.login(team["agent"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    sessions = sessions_of(db, planning["debbie"])
    client.post(f"/planning/sessions/{sessions[2].id}/move", data={"starts_at": "2026-11-05T10:30"})
    client.post(f"/planning/sessions/{sessions[3].id}/status", data={"status": "cancelled"})
    occurrences = expand(download(client, sessions[0]))
    local = sorted(o["DTSTART"].dt.astimezone(NEW_YORK).replace(tzinfo=None) for o in occurrences)
    assert len(local) == 11
    assert datetime(2026, 11, 5, 10, 30) in local
    assert datetime(2026, 11, 6, 14, 0) not in local  # moved away
    assert datetime(2026, 11, 13, 14, 0) not in local  # cancelled


def test_agent_time_zone_is_used_for_the_series(client, auth, team, planning, db):
    team["agent"].timezone = "Europe/London"
    db.session.commit()
    auth.login(team["agent"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    calendar = download(client, sessions_of(db, planning["debbie"])[0])
    assert calendar.walk("VEVENT")[0]["DTSTART"].params["TZID"] == "Europe/London"
    london = {o["DTSTART"].dt.astimezone(ZoneInfo("Europe/London")).hour for o in expand(calendar)}
    assert london == {14}


def test_feed_lists_all_booked_sessions_with_the_right_token(client, auth, team, planning, db):
    auth.login(team["agent"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    book(client, planning["omar"], FIRST_WEEK_FRIDAY.replace(hour=15))
    sessions = sessions_of(db, planning["omar"])
    client.post(f"/planning/sessions/{sessions[0].id}/status", data={"status": "cancelled"})
    auth.logout()

    token = team["agent"].calendar_token
    response = client.get(f"/planning/feed/{token}.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 23
    assert all(e["DTSTART"].params["TZID"] == "America/New_York" for e in events)
    assert {str(e["SUMMARY"]).split(":")[1].split("&")[0].strip() for e in events} == {
        "Debbie Stone",
        "Omar Haddad",
    }
    assert len(expand(calendar)) == 23


def test_feed_rejects_a_wrong_token(client, team, planning):
    assert client.get("/planning/feed/not-the-token.ics").status_code == 404
    assert client.get(f"/planning/feed/{team['agent'].calendar_token}x.ics").status_code == 404


def test_feed_rejects_the_old_token_after_regeneration(client, auth, team, planning, db):
    old = team["agent"].calendar_token
    auth.login(team["agent"])
    response = client.post("/planning/settings/calendar-token")
    assert response.status_code == 302
    new = db.session.scalar(sa.select(User.calendar_token).where(User.id == team["agent"].id))
    assert new != old
    assert client.get(f"/planning/feed/{old}.ics").status_code == 404
    assert client.get(f"/planning/feed/{new}.ics").status_code == 200
    assert new in client.get("/planning/settings").get_data(as_text=True)


def test_regenerating_the_token_needs_a_post(client, auth, team, planning):
    auth.login(team["agent"])
    assert client.get("/planning/settings/calendar-token").status_code == 405


def test_feed_of_a_deactivated_agent_is_gone(client, team, planning, db):
    team["agent"].active = False
    db.session.commit()
    assert client.get(f"/planning/feed/{team['agent'].calendar_token}.ics").status_code == 404


def test_a_session_imported_without_series_or_agent_is_one_event(client, auth, team, planning, db):
    partner = planning["debbie"]
    partner.name = "Débora “Deb” Stone"
    imported = PlanningSession(
        partner_id=partner.id, starts_at=datetime(2026, 10, 9, 14), status="held", answers={}
    )
    db.session.add(imported)
    db.session.commit()
    auth.login(team["agent"])
    assert "One session, 9 Oct 2026, 14:00" in client.get(
        f"/planning/partners/{partner.id}"
    ).get_data(as_text=True)
    assert client.get(f"/planning/sessions/{imported.id}").status_code == 200
    response = client.get(f"/planning/sessions/{imported.id}/series.ics")
    assert (
        'filename="planning-d-bora-deb-stone-20261009.ics"'
        in response.headers["Content-Disposition"]
    )
    calendar = Calendar.from_ical(response.data)
    assert "RRULE" not in calendar.walk("VEVENT")[0]
    assert len(expand(calendar)) == 1
    moved = client.post(
        f"/planning/sessions/{imported.id}/move", data={"starts_at": "2026-10-20T10:00"}
    )
    assert moved.status_code == 302
    db.session.refresh(imported)
    assert imported.user_id == team["agent"].id
