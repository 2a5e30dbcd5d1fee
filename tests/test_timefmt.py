"""Dates and times in the team's zone everywhere: the formatter, and every place a
stamp reaches a reader (pages, CSV, the audit trail, the morning email, the book).

A team in Los Angeles acts in its evening, when it is already the next day in
UTC: what it did shows on its own day, also across a daylight-saving change, on
29 February and at the year end.
"""

import csv
import io
import json
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from tests.helpers import make_partner
from webapp import clock, timefmt
from webapp.models import Lead, Partner, Recommendation, RuleSettings
from webapp.morning import compose

LA = "America/Los_Angeles"

# (the instant, the team's day then, that day as a page shows it): 20:30 in Los
# Angeles, 03:30 or 04:30 UTC the next day.
EVENINGS = [
    pytest.param("2026-11-01T20:30-08:00", date(2026, 11, 1), "1 Nov 2026", id="dst-ends"),
    pytest.param("2027-03-14T20:30-07:00", date(2027, 3, 14), "14 Mar 2027", id="dst-starts"),
    pytest.param("2028-02-29T20:30-08:00", date(2028, 2, 29), "29 Feb 2028", id="29-february"),
    pytest.param("2026-12-31T23:30-08:00", date(2026, 12, 31), "31 Dec 2026", id="year-end"),
]


# --- the formatter ----------------------------------------------------------------------


def test_a_stamp_is_shown_in_the_zone_it_is_given():
    stamp = clock.Stamp(2026, 11, 2, 4, 30)  # 20:30 the day before in Los Angeles
    assert timefmt.format_date(stamp, LA) == "1 Nov 2026"
    assert timefmt.format_datetime(stamp, LA) == "1 Nov 2026, 20:30"
    assert timefmt.format_datetime(stamp, LA, style="long") == "Sun 1 Nov 2026, 20:30"
    assert timefmt.format_time(stamp, "Europe/Paris") == "05:30"
    assert timefmt.csv_datetime(stamp, LA) == "2026-11-01 20:30"
    aware = datetime(2026, 11, 2, 4, 30, tzinfo=UTC)
    assert timefmt.format_datetime(aware, LA) == "1 Nov 2026, 20:30"


def test_a_stamp_without_a_zone_is_refused_rather_than_shown_in_utc():
    for show in (timefmt.format_date, timefmt.format_datetime, timefmt.format_time):
        with pytest.raises(TypeError, match="name the zone"):
            show(clock.Stamp(2026, 11, 2, 4, 30))


def test_a_wall_value_is_shown_as_it_was_entered():
    entered = datetime(2026, 11, 1, 20, 30)  # an interaction's time, already local
    assert timefmt.format_datetime(entered, LA) == "1 Nov 2026, 20:30"
    assert timefmt.format_datetime(entered) == "1 Nov 2026, 20:30"
    assert timefmt.format_date(date(2028, 2, 29), style="long") == "Tue 29 Feb 2028"
    assert timefmt.format_date(date(2028, 2, 29), style="day") == "Tue 29 Feb"
    assert timefmt.format_time(time(9, 5)) == "09:05"
    assert timefmt.weekday_time(datetime(2026, 11, 3, 9, 30)) == "Tuesdays at 09:30"
    assert timefmt.format_date(None) == timefmt.format_datetime(None, LA) == ""


def test_the_clock_and_the_database_hand_out_stamps(app, db, team):
    app.config["PARTNERPLAN_NOW"] = "2026-11-01T20:30-08:00"
    assert clock.utcnow() == datetime(2026, 11, 2, 4, 30)
    assert isinstance(clock.utcnow(), clock.Stamp)
    local = clock.local(clock.utcnow(), LA)
    assert local == datetime(2026, 11, 1, 20, 30) and not isinstance(local, clock.Stamp)
    partner = make_partner(team["agent"], "Stamped")
    db.session.commit()
    db.session.expire_all()
    assert isinstance(db.session.get(Partner, partner.id).created_at, clock.Stamp)


@pytest.mark.parametrize(("wall", "zone", "stamp"), [
    (datetime(2026, 11, 1, 20, 30), LA, datetime(2026, 11, 2, 4, 30)),
    (datetime(2027, 3, 14, 20, 30), LA, datetime(2027, 3, 15, 3, 30)),
    (datetime(2026, 11, 1, 1, 30), LA, datetime(2026, 11, 1, 8, 30)),  # the first of the two
])  # fmt: skip
def test_a_wall_time_back_to_its_stamp(wall, zone, stamp):
    assert clock.stamp(wall, zone) == stamp
    assert clock.local(clock.stamp(wall, zone), zone) == wall


def test_offsets_follow_daylight_saving():
    assert timefmt.utc_offset("America/New_York", datetime(2026, 7, 1)) == "UTC\u221204:00"
    assert timefmt.utc_offset("America/New_York", datetime(2026, 12, 1)) == "UTC\u221205:00"
    assert timefmt.utc_offset("Asia/Kolkata", datetime(2026, 12, 1)) == "UTC+05:30"


# --- every place a stamp reaches a reader -----------------------------------------------


@pytest.fixture
def evening(app, db, team):
    """Harbor in Los Angeles; `at(instant)` freezes the clock there."""
    team["manager"].team.timezone = LA
    db.session.commit()

    def at(instant: str) -> None:
        app.config["PARTNERPLAN_NOW"] = instant

    return at


def tier_change(db, partner) -> Recommendation:
    recommendation = Recommendation(
        team_id=partner.team_id, partner_id=partner.id, kind="tier_change", rule="promote",
        tier_from="cultivate", tier_to="maintain", reason="2 referrals in 180 days",
    )  # fmt: skip
    db.session.add(recommendation)
    db.session.commit()
    return recommendation


@pytest.mark.parametrize(("instant", "day", "shown"), EVENINGS)
def test_a_decision_shows_on_the_teams_day(client, auth, db, team, evening, instant, day, shown):
    evening(instant)
    partner = make_partner(team["agent"], "Ryan McMillan")
    recommendation = tier_change(db, partner)
    auth.login(team["manager"])
    review = client.get("/desk/reviews").get_data(as_text=True)
    assert f"{shown}</dd>" in review  # raised on the team's day, not the next
    assert client.post(f"/desk/reviews/{recommendation.id}/approve").status_code == 303

    today = client.get("/today").get_data(as_text=True)
    assert f'<span class="when">{shown}, {clock.now(LA):%H:%M}' in today
    tier = client.get(f"/desk/partners/{partner.id}/tier").get_data(as_text=True)
    assert f'<span class="when">{shown}</span>' in tier


@pytest.mark.parametrize(("instant", "day", "shown"), EVENINGS)
def test_the_audit_page_and_csv_say_the_teams_time(
    client, auth, db, team, evening, instant, day, shown
):
    evening(instant)
    partner = make_partner(team["agent"], "Ryan McMillan")
    auth.login(team["agent"])
    assert client.post(f"/partners/{partner.id}/archive").status_code == 303
    wall = clock.now(LA)
    auth.logout()
    auth.login(team["manager"])
    page = client.get("/desk/audit", query_string={"kind": "archive"}).get_data(as_text=True)
    assert f"{shown}, {wall:%H:%M}" in page
    # Filtering by the team's day finds it; by the UTC day (the next), not.
    on = {"kind": "archive", "date_from": day.isoformat(), "date_to": day.isoformat()}
    assert "Ryan McMillan" in client.get("/desk/audit", query_string=on).get_data(as_text=True)

    response = client.get("/desk/audit.csv", query_string={"kind": "archive"})
    header, row = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header[0] == "when (America/Los_Angeles)"
    assert row[0] == f"{day.isoformat()} {wall:%H:%M}:00"


@pytest.mark.parametrize(("instant", "day", "shown"), EVENINGS)
def test_leads_and_rule_versions_show_the_teams_day(
    client, auth, db, team, evening, instant, day, shown
):
    from rules.settings import DEFAULTS

    evening(instant)
    partner = make_partner(team["manager"], "Ryan McMillan")
    db.session.add(Lead(partner_id=partner.id, owner_id=team["manager"].id, name="Pat Doe"))
    db.session.commit()
    auth.login(team["manager"])
    leads = client.get("/planning/leads").get_data(as_text=True)
    assert f'<td data-label="Added">{shown}</td>' in leads
    assert client.post("/rules/", data={**DEFAULTS, "coffee_days": 14}).status_code == 303
    versions = client.get("/rules/").get_data(as_text=True)
    assert f'<span class="when">{shown}, {clock.now(LA):%H:%M}' in versions
    assert db.session.scalar(sa.select(RuleSettings.created_at)).date() > day  # stored in UTC


@pytest.mark.parametrize(("instant", "day", "shown"), EVENINGS)
def test_the_csv_exports_say_the_teams_time_and_name_its_zone(
    client, auth, db, team, evening, instant, day, shown
):
    evening(instant)
    partner = make_partner(team["agent"], "Ryan McMillan")
    auth.login(team["agent"])
    client.post(f"/partners/{partner.id}/archive")
    text = client.get("/referrals/export/partners.csv").data.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header[-1] == "archived_at (America/Los_Angeles)"
    assert row[-1] == f"{day.isoformat()} {clock.now(LA):%H:%M}"
    interactions = client.get("/referrals/export/interactions.csv").data.decode("utf-8-sig")
    assert "at (America/Los_Angeles)" in interactions.splitlines()[0]


@pytest.mark.parametrize(("instant", "day", "shown"), EVENINGS)
def test_a_referral_logged_in_the_evening_is_dated_the_teams_day(
    client, auth, db, team, evening, instant, day, shown
):
    partner = make_partner(team["agent"], "Ryan McMillan")
    evening(instant)
    auth.login(team["agent"])
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert f'name="referred_on" required type="date" value="{day.isoformat()}"' in page
    referral = {"direction": "received", "client": "J. Alvarez", "status": "new"}
    client.post(f"/logbook/partners/{partner.id}/referrals", data=referral | {"referred_on": day})
    text = client.get("/referrals/export/referrals.csv").data.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["client"], row["referred_on"]) == ("J. Alvarez", day.isoformat())


@pytest.mark.parametrize(("instant", "day", "shown"), EVENINGS)
def test_the_book_writes_a_stamp_in_the_teams_time_and_reads_it_back(
    client, auth, db, team, evening, instant, day, shown
):
    from webapp.book.exporter import export_book
    from webapp.book.importer import import_book

    evening(instant)
    make_partner(team["manager"], "Ryan McMillan", archived_at=clock.utcnow())
    db.session.commit()
    book = export_book(team["manager"].team)
    [record] = book["partners"]
    assert record["archived_at"] == clock.now(LA).isoformat()  # as BOOK_FORMAT.md says

    # Read back as a new team: the same instant.
    text = json.dumps(book).replace("harbor.example", "copy.example")
    copy = json.loads(text.replace("Harbor Realty Group", "Copy Realty"))
    summary = import_book(copy)
    archived = db.session.scalar(
        sa.select(Partner.archived_at).where(Partner.team_id == summary.team.id)
    )
    assert archived == clock.utcnow()


@pytest.mark.parametrize(("instant", "day", "shown"), EVENINGS)
def test_the_morning_email_says_the_teams_day(db, team, evening, instant, day, shown):
    evening(instant)
    agent = team["agent"]
    agent.morning_days = [day.weekday()]
    partner = make_partner(agent, "Tom Today", met_on=date(day.year - 1, 1, 5))
    db.session.add(
        Recommendation(team_id=partner.team_id, partner_id=partner.id, kind="action",
                       rule="coffee", reason="Time for coffee", due=day)
    )  # fmt: skip
    db.session.commit()
    message = compose(agent, clock.today(LA))
    text = message.get_body(("plain",)).get_content()
    assert f"Today, {timefmt.format_date(day, style='long')}" in text
    assert shown in timefmt.format_date(day) and "(due today)" in text


def test_an_agents_planning_times_are_in_the_agents_zone_and_name_it(app, client, auth, db, team):
    from tests.planning.helpers import FIRST_WEEK_FRIDAY, FROZEN_TODAY, book

    app.config["PARTNERPLAN_NOW"] = FROZEN_TODAY
    agent, kim = team["agent"], team["other_agent"]
    agent.timezone = "America/Chicago"  # the team is in New York
    partners = [make_partner(agent, "Debbie Stone"), make_partner(kim, "Omar Haddad")]
    db.session.commit()
    auth.login(agent)
    book(client, partners[0], FIRST_WEEK_FRIDAY.replace(hour=14))
    page = client.get(f"/planning/partners/{partners[0].id}").get_data(as_text=True)
    # 14:00 in Chicago (the agent's windows), not moved to New York's 15:00, and said so.
    assert "Weekly, Fridays at 14:00 (America/Chicago) from 23 Oct 2026" in page
    assert "23 Oct 2026, 14:00</a> (America/Chicago)" in page

    auth.logout()
    auth.login(kim)  # in the team's zone: nothing to name
    book(client, partners[1], FIRST_WEEK_FRIDAY.replace(hour=14))
    page = client.get(f"/planning/partners/{partners[1].id}").get_data(as_text=True)
    assert "Weekly, Fridays at 14:00 from 23 Oct 2026" in page and "(America/" not in page
