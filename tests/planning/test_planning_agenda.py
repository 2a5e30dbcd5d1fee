"""The agenda: the planning sessions of this week and next, and Today's glance at them."""

from datetime import date, datetime

from tests.helpers import make_partner
from tests.planning.helpers import FIRST_WEEK_FRIDAY, add_holiday, add_series, agenda_weeks, book


def test_planning_in_the_menu_opens_the_agenda(client, auth, team, planning):
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)
    assert '<a href="/planning/">Planning' in page
    agenda = client.get("/planning/").get_data(as_text=True)
    assert "<h1>Planning" in agenda
    assert 'href="/planning/settings"' in agenda  # the settings stay a tap away
    assert 'href="/planning/holidays"' not in agenda  # an agent does not keep the days off


def test_an_empty_week_says_what_to_do(client, auth, team, planning):
    auth.login(team["agent"])
    this_week, next_week = agenda_weeks(client)
    assert "No sessions this week — book a series from a partner's page" in this_week
    assert "No sessions next week" in next_week


def test_the_weeks_sessions_by_day_with_phone_number_and_questions(
    client, auth, team, planning, db
):
    """Fri 16 Oct 2026: session 3 of Debbie's series is today, session 4 next Friday."""
    debbie = planning["debbie"]
    debbie.phone = "+1 617 555 0142"
    sessions = add_series(db, debbie, datetime(2026, 10, 2, 13, 40))
    auth.login(team["agent"])
    this_week, next_week = agenda_weeks(client)
    assert "12 Oct 2026 – 18 Oct 2026" in this_week
    assert "Fri 16 Oct 2026 · today" in this_week
    assert "13:40" in this_week and "Session 3 of 12" in this_week
    assert f'href="/planning/sessions/{sessions[2].id}"' in this_week
    assert f'href="/partners/{debbie.id}"' in this_week
    assert 'href="tel:+16175550142"' in this_week and 'href="sms:+16175550142"' in this_week
    assert "is-today" in this_week
    assert "Fri 23 Oct 2026" in next_week and "Session 4 of 12" in next_week
    assert "Session 5 of 12" not in this_week + next_week  # 30 Oct: the week after next


def test_each_status_is_shown_and_a_partner_without_phone_says_so(client, auth, team, planning, db):
    sessions = add_series(db, planning["nomail"], datetime(2026, 10, 12, 9, 0), weeks=2)
    sessions[0].status = "held"
    sessions[1].status = "cancelled"
    db.session.commit()
    auth.login(team["agent"])
    this_week, next_week = agenda_weeks(client)
    assert "Held" in this_week and "Cancelled" in next_week
    assert "No phone number for Nora Nomail" in this_week


def test_an_agent_sees_only_their_own_calendar(client, auth, team, planning, db):
    add_series(db, planning["kims"], FIRST_WEEK_FRIDAY.replace(hour=15), weeks=1)
    add_series(db, planning["rivals"], FIRST_WEEK_FRIDAY.replace(hour=15), weeks=1)
    add_series(db, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14), weeks=1)
    auth.login(team["agent"])
    for query in ({}, {"agent": str(team["other_agent"].id)}, {"agent": "all"}):
        _, next_week = agenda_weeks(client, **query)
        assert "Debbie Stone" in next_week
        assert "Kim&#39;s Partner" not in next_week and "Rival Partner" not in next_week


def test_a_manager_sees_their_own_then_an_agents_or_everyones(client, auth, team, planning, db):
    mine = make_partner(team["manager"], "Manny Manager", phone="555 010 2000")
    add_series(db, mine, FIRST_WEEK_FRIDAY.replace(hour=13), weeks=1)
    add_series(db, planning["kims"], FIRST_WEEK_FRIDAY.replace(hour=15), weeks=1)
    add_series(db, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14), weeks=1)
    add_series(db, planning["rivals"], FIRST_WEEK_FRIDAY.replace(hour=16), weeks=1)
    auth.login(team["manager"])
    _, own = agenda_weeks(client)
    assert "Manny Manager" in own and "Debbie Stone" not in own
    _, kims = agenda_weeks(client, agent=str(team["other_agent"].id))
    assert "Kim&#39;s Partner" in kims and "Manny Manager" not in kims
    _, everyone = agenda_weeks(client, agent="all")
    for name in ("Manny Manager", "Kim&#39;s Partner", "Debbie Stone"):
        assert name in everyone
    assert "Rival Partner" not in everyone
    assert "Sam Ortiz" in everyone  # whose session it is, when everyone's are shown
    _, rival = agenda_weeks(client, agent=str(team["rival_agent"].id))  # not of the team
    assert "Manny Manager" in rival and "Rival Partner" not in rival
    page = client.get("/planning/", headers={"HX-Request": "true"}, query_string={"agent": "all"})
    assert page.get_data(as_text=True).startswith('<div id="agenda">')  # htmx: the agenda alone


def test_the_week_turns_on_monday(app, client, auth, team, planning, db):
    add_series(db, planning["debbie"], datetime(2026, 10, 19, 9, 0), weeks=1)
    app.config["PARTNERPLAN_NOW"] = "2026-10-18"  # a Sunday
    auth.login(team["agent"])
    this_week, next_week = agenda_weeks(client)
    assert "Debbie Stone" not in this_week and "Mon 19 Oct 2026" in next_week
    app.config["PARTNERPLAN_NOW"] = "2026-10-19"  # the Monday
    this_week, next_week = agenda_weeks(client)
    assert "Mon 19 Oct 2026 · today" in this_week and "Debbie Stone" not in next_week


def test_at_year_end_next_week_is_in_the_new_year(app, client, auth, team, planning, db):
    add_series(db, planning["debbie"], datetime(2026, 12, 28, 9, 0), weeks=2)
    app.config["PARTNERPLAN_NOW"] = "2026-12-31"
    auth.login(team["agent"])
    this_week, next_week = agenda_weeks(client)
    assert "28 Dec 2026 – 3 Jan 2027" in this_week and "Mon 28 Dec 2026" in this_week
    assert "4 Jan 2027 – 10 Jan 2027" in next_week and "Mon 4 Jan 2027" in next_week
    assert "Session 2 of 2" in next_week


def test_sessions_keep_their_wall_time_across_daylight_saving_changes(
    app, client, auth, team, planning, db
):
    """New York leaves DST on 1 Nov 2026 and enters it on 14 Mar 2027: 09:00 stays 09:00."""
    add_series(db, planning["debbie"], datetime(2026, 10, 26, 9, 0), weeks=2)
    add_series(db, planning["omar"], datetime(2027, 3, 8, 9, 0), weeks=2)
    for now, monday in (("2026-10-28T12:00-04:00", "Mon 2 Nov 2026"),
                        ("2027-03-10T12:00-05:00", "Mon 15 Mar 2027")):  # fmt: skip
        app.config["PARTNERPLAN_NOW"] = now
        auth.login(team["agent"])
        this_week, next_week = agenda_weeks(client)
        assert this_week.count("09:00") == 1 and next_week.count("09:00") == 1
        assert monday in next_week


def test_an_agent_in_another_zone_sees_their_own_week_and_times(
    app, client, auth, team, planning, db
):
    """Sunday 23:30 in New York (the team) is Monday 04:30 in London (the agent)."""
    team["agent"].timezone = "Europe/London"
    add_series(db, planning["debbie"], datetime(2026, 10, 19, 9, 0), weeks=1)
    app.config["PARTNERPLAN_NOW"] = "2026-10-18T23:30-04:00"
    auth.login(team["agent"])
    this_week, _ = agenda_weeks(client)
    assert "Mon 19 Oct 2026 · today" in this_week and "09:00" in this_week
    page = client.get("/planning/").get_data(as_text=True)
    assert "times in Europe/London" in page
    panel = client.get(f"/planning/partners/{planning['omar'].id}/slots").get_data(as_text=True)
    assert "Week of 26 Oct 2026" in panel and "times in Europe/London" in panel


def test_a_session_on_a_team_day_off_is_marked(app, client, auth, team, planning, db):
    add_series(db, planning["debbie"], datetime(2028, 2, 22, 10, 0), weeks=2)
    add_holiday(db, team["agent"].team_id, date(2028, 2, 29), "Leap day off")
    add_holiday(db, team["rival_agent"].team_id, date(2028, 2, 22), "Rival day off")
    app.config["PARTNERPLAN_NOW"] = "2028-02-28"
    auth.login(team["agent"])
    this_week, next_week = agenda_weeks(client)
    assert "Tue 29 Feb 2028" in this_week
    assert "Leap day off (team day off)" in this_week
    assert "Rival day off" not in this_week + next_week


# --- Today's glance -----------------------------------------------------------------------


def test_today_shows_the_next_sessions_of_the_week_after_the_call_list(
    app, client, auth, team, planning, db
):
    add_series(db, planning["debbie"], datetime(2026, 10, 13, 9, 0), weeks=2)  # Tue 13, 20
    add_series(db, planning["omar"], datetime(2026, 10, 14, 9, 0), weeks=1)  # Wed 14
    add_series(db, planning["nomail"], datetime(2026, 10, 16, 11, 0), weeks=1)  # Fri 16
    add_series(db, planning["kims"], datetime(2026, 10, 15, 9, 0), weeks=1)  # Kim's
    app.config["PARTNERPLAN_NOW"] = "2026-10-14T10:00"
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)
    glance = page.split('id="today-planning"')[1].split("</section>")[0]
    assert "Today, 09:00" in glance and "Omar Haddad" in glance and "is-today" in glance
    assert "Fri 16 Oct 2026, 11:00" in glance
    assert "Debbie Stone" not in glance  # Tuesday's has passed, the next is next week
    assert "Kim&#39;s Partner" not in glance
    assert 'href="/planning/"' in glance
    assert page.index('id="today-planning"') < page.index('id="today-tier-changes"')


def test_today_says_when_no_session_is_left_this_week(client, auth, team, planning):
    auth.login(team["agent"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))  # from next week
    page = client.get("/today").get_data(as_text=True)
    assert "No more planning sessions this week." in page


def test_everyones_agenda_names_the_zone_of_an_agent_elsewhere(
    app, client, auth, team, planning, db
):
    """The manager's view of everyone's sessions is in the team's zone; a session of an
    agent in London says its time is London's."""
    team["agent"].timezone = "Europe/London"
    add_series(db, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14), weeks=1)
    add_series(db, planning["kims"], FIRST_WEEK_FRIDAY.replace(hour=15), weeks=1)
    auth.login(team["manager"])
    _, everyone = agenda_weeks(client, agent="all")
    assert "14:00 (Europe/London)" in everyone
    assert "15:00<" in everyone  # Kim's, in the team's zone: nothing to say
