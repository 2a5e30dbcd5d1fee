"""Choosing a time zone: by region and city, the current zone chosen, a bad one refused
beside the field with nothing stored (team settings, planning settings, the CLI)."""

import re

import pytest
import sqlalchemy as sa

from tests.helpers import audited_changes, flat
from webapp.models import Team
from webapp.validation import TIMEZONE_MESSAGE, timezone_problem

SETTINGS = {"commission_per_side": "12000", "planning_hours": "fri 13:00-16:00"}


def groups(page: str) -> list[str]:
    return re.findall(r'<optgroup label="([^"]+)">', page)


def selected(page: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', page)


@pytest.fixture
def admin(client, auth, team, app):
    app.config["PARTNERPLAN_NOW"] = "2026-12-02T09:00-05:00"  # winter: New York is UTC−5
    auth.login(team["admin"])
    return team["admin"]


def test_the_team_settings_offer_zones_by_region_and_city(client, admin):
    page = flat(client.get("/admin/settings"))
    assert groups(page)[:4] == ["Common", "America", "Europe", "Asia"]
    assert {"Australia", "Pacific", "Africa", "Other"} <= set(groups(page))
    common = page.split('<optgroup label="Common">')[1].split("</optgroup>")[0]
    assert '<option value="America/New_York" selected>New York — Eastern (UTC−05:00)' in common
    assert '<option value="America/Los_Angeles">Los Angeles — Pacific (UTC−08:00)' in common
    assert '<option value="America/Indiana/Indianapolis">Indiana / Indianapolis (UTC−05:00)' in page
    assert '<option value="Asia/Kolkata">Kolkata (UTC+05:30)' in page
    assert "US/Eastern" not in page and "Asia/Calcutta" not in page  # old aliases
    assert selected(page) == ["America/New_York"]  # once, though listed twice


def test_the_offset_shown_is_todays(client, admin, app):
    app.config["PARTNERPLAN_NOW"] = "2026-07-01T09:00-04:00"
    page = flat(client.get("/admin/settings"))
    assert "New York — Eastern (UTC−04:00)" in page and "London (UTC+01:00)" in page


def test_choosing_a_zone_saves_its_name(client, admin, db):
    response = client.post("/admin/settings", data={**SETTINGS, "timezone": "Europe/Paris"})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Team.timezone).where(Team.id == admin.team_id)) == (
        "Europe/Paris"
    )
    page = flat(client.get("/admin/settings"))
    assert selected(page) == ["Europe/Paris"]


def test_a_zone_the_list_does_not_hold_stays_chosen(client, admin, db):
    admin.team.timezone = "US/Eastern"  # an alias, from an older book
    db.session.commit()
    page = flat(client.get("/admin/settings"))
    other = page.split('<optgroup label="Other">')[1].split("</optgroup>")[0]
    assert '<option value="US/Eastern" selected>US/Eastern (UTC−05:00)' in other
    assert selected(page) == ["US/Eastern"]


@pytest.mark.parametrize(
    "value", ["Mars/Olympus", "localtime", "<script>alert(1)</script>", "A" * 300, ""]
)
def test_a_bad_zone_is_refused_beside_the_field_and_nothing_stored(client, admin, db, value):
    response = client.post("/admin/settings", data={**SETTINGS, "timezone": value})
    assert response.status_code == 422
    page = flat(response)
    message = "Choose the team&#39;s time zone." if not value else TIMEZONE_MESSAGE
    assert f'<p class="error-text" id="timezone-error">{message}</p>' in page
    assert 'aria-describedby="timezone-error"' in page
    assert "<script>alert" not in page and "Mars/Olympus" not in page
    db.session.expire_all()
    assert db.session.get(Team, admin.team_id).timezone == "America/New_York"
    assert audited_changes(db) == 0


def test_an_agent_chooses_a_zone_of_their_own_or_the_teams(client, auth, team, db):
    agent = team["agent"]
    auth.login(agent)
    page = flat(client.get("/planning/settings"))
    assert '<option value="" selected>The team&#39;s time zone</option>' in page
    assert "Common" in groups(page)
    data = {"windows-0-weekday": "4", "windows-0-starts": "13:00", "windows-0-ends": "16:00",
            "session_minutes": "20"}  # fmt: skip
    response = client.post("/planning/settings", data={**data, "timezone": "America/Chicago"})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert agent.timezone == "America/Chicago"
    assert selected(flat(client.get("/planning/settings"))) == ["America/Chicago"]

    response = client.post("/planning/settings", data={**data, "timezone": "Mars/Olympus"})
    assert response.status_code == 422 and TIMEZONE_MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert agent.timezone == "America/Chicago"
    client.post("/planning/settings", data={**data, "timezone": ""})
    db.session.expire_all()
    assert agent.timezone is None  # the team's again


def test_the_team_command_refuses_a_bad_zone(runner, db):
    result = runner.invoke(
        args=["teams", "create", "Far Realty", "--admin", "a@far.example", "--timezone", "Mars/X"]
    )
    assert result.exit_code != 0 and "'Mars/X' is not a time zone" in result.output
    assert db.session.scalar(sa.select(Team).where(Team.name == "Far Realty")) is None


def test_one_rule_for_a_zone():
    assert timezone_problem("America/New_York") is None
    assert timezone_problem("US/Eastern") is None  # an alias zoneinfo reads
    assert timezone_problem(None) is None  # missing: the form says whether it is required
    for bad in ("Mars/Olympus", "localtime", "Factory", "../etc/passwd", "A" * 300):
        assert timezone_problem(bad) == TIMEZONE_MESSAGE
