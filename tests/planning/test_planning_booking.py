"""Booking a 12-week planning series from the partner panel, never double-booked."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from tests.helpers import SIGN_IN_KINDS, count
from tests.planning.helpers import FIRST_WEEK_FRIDAY, book, sessions_of
from webapp.models import AuditEvent, PlanningSession
from webapp.planning import booking

HX = {"HX-Request": "true"}


def offered(client, partner) -> str:
    response = client.get(f"/planning/partners/{partner.id}/slots", headers=HX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def slot_value(when: datetime) -> str:
    return f'value="{when.isoformat(timespec="minutes")}"'


def test_slots_are_the_team_window_a_week_from_today(client, auth, team, planning):
    auth.login(team["agent"])
    page = offered(client, planning["debbie"])
    assert 'id="panel-planning"' in page
    starts = [FIRST_WEEK_FRIDAY.replace(hour=13) + timedelta(minutes=20 * n) for n in range(9)]
    for start in starts:
        assert slot_value(start) in page
    assert slot_value(FIRST_WEEK_FRIDAY.replace(hour=16)) not in page
    assert "Friday 13:00–16:00" in page


def test_booking_makes_twelve_weekly_sessions_at_the_same_wall_time(
    client, auth, team, planning, db
):
    auth.login(team["agent"])
    first = FIRST_WEEK_FRIDAY.replace(hour=14)
    response = book(client, planning["debbie"], first, **HX)
    assert response.status_code == 200
    assert "12 weekly sessions booked" in response.get_data(as_text=True)
    sessions = sessions_of(db, planning["debbie"])
    assert [s.starts_at for s in sessions] == [first + timedelta(weeks=n) for n in range(12)]
    assert {s.series for s in sessions} == {sessions[0].series}
    assert {s.status for s in sessions} == {"booked"}
    assert all(s.user_id == team["agent"].id and s.minutes == 20 for s in sessions)
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind.not_in(SIGN_IN_KINDS))
    ).one()
    assert audit.kind == "planning_series" and audit.partner_id == planning["debbie"].id


def test_booked_slot_is_not_offered_again_even_for_another_partner(client, auth, team, planning):
    auth.login(team["agent"])
    first = FIRST_WEEK_FRIDAY.replace(hour=14)
    book(client, planning["debbie"], first)
    page = offered(client, planning["omar"])
    assert slot_value(first) not in page
    assert slot_value(first + timedelta(minutes=20)) in page


def test_a_slot_that_collides_in_any_of_the_twelve_weeks_is_not_offered(
    client, auth, team, planning, db
):
    # A single session in week 9 at 15:00 (another partner) blocks the 15:00 series.
    db.session.add(
        PlanningSession(
            partner_id=planning["omar"].id,
            user_id=team["agent"].id,
            starts_at=FIRST_WEEK_FRIDAY.replace(hour=15) + timedelta(weeks=8),
            minutes=20,
            status="held",
            answers={},
        )
    )
    db.session.commit()
    auth.login(team["agent"])
    page = offered(client, planning["debbie"])
    assert slot_value(FIRST_WEEK_FRIDAY.replace(hour=15)) not in page
    assert slot_value(FIRST_WEEK_FRIDAY.replace(hour=14, minute=40)) in page


def test_cancelled_sessions_free_their_slot(client, auth, team, planning, db):
    auth.login(team["agent"])
    first = FIRST_WEEK_FRIDAY.replace(hour=14)
    book(client, planning["debbie"], first)
    for session in sessions_of(db, planning["debbie"]):
        session.status = "cancelled"
    db.session.commit()
    assert slot_value(first) in offered(client, planning["omar"])
    assert book(client, planning["omar"], first).status_code == 302


def test_second_booking_of_the_same_slot_is_refused_with_a_clear_message(
    client, auth, team, planning, db
):
    auth.login(team["agent"])
    first = FIRST_WEEK_FRIDAY.replace(hour=13, minute=40)
    assert book(client, planning["debbie"], first, **HX).status_code == 200
    response = book(client, planning["omar"], first, **HX)
    assert response.status_code == 422
    assert "was just booked" in response.get_data(as_text=True)
    assert count(db, PlanningSession) == 12
    assert sessions_of(db, planning["omar"]) == []


def test_racing_bookings_one_wins_the_database_refuses_the_other(
    client, auth, team, planning, db, monkeypatch
):
    """Both requests passed the free-slot check before either committed."""
    auth.login(team["agent"])
    first = FIRST_WEEK_FRIDAY.replace(hour=15, minute=20)
    stale = booking.offered_slots(team["agent"], FIRST_WEEK_FRIDAY.date())
    monkeypatch.setattr(booking, "offered_slots", lambda agent, week: stale)
    assert book(client, planning["debbie"], first).status_code == 302
    response = book(client, planning["omar"], first, **HX)
    assert response.status_code == 422
    assert "was just booked" in response.get_data(as_text=True)
    booked = db.session.scalars(sa.select(PlanningSession.partner_id).distinct()).all()
    assert booked == [planning["debbie"].id]
    assert count(db, PlanningSession) == 12


def test_the_unique_index_holds_without_the_application_check(db, team, planning):
    agent = team["agent"]
    when = FIRST_WEEK_FRIDAY.replace(hour=13)
    db.session.add(
        PlanningSession(
            partner_id=planning["debbie"].id, user_id=agent.id, starts_at=when, answers={}
        )
    )
    db.session.commit()
    db.session.add(
        PlanningSession(
            partner_id=planning["omar"].id, user_id=agent.id, starts_at=when, answers={}
        )
    )
    try:
        db.session.commit()
        raise AssertionError("double booking was stored")
    except sa.exc.IntegrityError:
        db.session.rollback()
    # a cancelled session does not hold the slot
    db.session.add(
        PlanningSession(
            partner_id=planning["omar"].id,
            user_id=agent.id,
            starts_at=when,
            status="cancelled",
            answers={},
        )
    )
    db.session.commit()


def test_a_time_outside_the_offered_slots_is_refused(client, auth, team, planning, db):
    auth.login(team["agent"])
    for value in ("2026-10-23T09:00", "not-a-date", ""):
        response = client.post(
            f"/planning/partners/{planning['debbie'].id}/series",
            data={"starts_at": value},
            headers=HX,
        )
        assert response.status_code == 422
    assert count(db, PlanningSession) == 0


def test_booking_without_javascript_redirects_and_says_what_happened(client, auth, team, planning):
    auth.login(team["agent"])
    response = book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12 weekly sessions booked" in page
    assert "Email is not set up" in page


def test_manager_books_in_the_owner_agents_calendar(client, auth, team, planning, db):
    auth.login(team["manager"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    assert {s.user_id for s in sessions_of(db, planning["debbie"])} == {team["agent"].id}


def test_commitment_is_recorded_today_with_a_first_referral_date(client, auth, team, planning, db):
    auth.login(team["agent"])
    partner = planning["debbie"]
    response = client.post(
        f"/planning/partners/{partner.id}/commitment",
        data={"commit-first_referral_by": "2026-11-06"},
        headers=HX,
    )
    assert response.status_code == 200
    assert "first referral by 6 Nov 2026" in response.get_data(as_text=True)
    db.session.refresh(partner)
    assert str(partner.commitment_made_on) == "2026-10-16"
    assert str(partner.first_referral_by) == "2026-11-06"


def test_commitment_date_in_the_past_or_missing_is_refused(client, auth, team, planning, db):
    auth.login(team["agent"])
    partner = planning["debbie"]
    for value, message in (
        ("2026-10-15", "in the past"),
        ("", "When will the first referral"),
        ("someday", "Not a valid date"),
    ):
        response = client.post(
            f"/planning/partners/{partner.id}/commitment",
            data={"commit-first_referral_by": value},
            headers=HX,
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    db.session.refresh(partner)
    assert partner.commitment_made_on is None


def test_panel_shows_series_next_session_and_leads(client, auth, team, planning):
    auth.login(team["agent"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    page = client.get(f"/planning/partners/{planning['debbie'].id}").get_data(as_text=True)
    assert "Weekly, Fridays at 14:00 from 23 Oct 2026" in page
    assert "Next session:" in page and "23 Oct 2026, 14:00" in page
    assert "All sessions with Debbie Stone" in page
    sessions = client.get(f"/planning/partners/{planning['debbie'].id}/sessions")
    assert sessions.get_data(as_text=True).count("/planning/sessions/") >= 12
