"""The Rules page: managers tune thresholds, preview on real data, save versions, revert."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from rules.settings import DEFAULTS
from tests.helpers import make_partner
from webapp.models import AuditEvent, Interaction, Recommendation, RuleSettings

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def frozen_today(app, monkeypatch):
    app.config["PARTNERPLAN_NOW"] = TODAY.isoformat()


@pytest.fixture
def book(db, team):
    """Cultivate partners last seen for coffee 10, 15 and 25 days ago."""
    for n, days in enumerate((10, 15, 25)):
        partner = make_partner(
            team["agent"], name=f"Partner {n}", met_on=date(2026, 1, 5), spouse="A"
        )
        db.session.add(
            Interaction(
                partner_id=partner.id,
                kind="coffee",
                direction="outbound",
                outcome="connected",
                at=datetime.combine(TODAY - timedelta(days=days), datetime.min.time()),
            )
        )
    db.session.commit()


def form(**changes) -> dict:
    return {**DEFAULTS, **changes}


def test_only_managers_reach_the_rules_page(client, auth, team):
    auth.login(team["agent"])
    assert client.get("/rules/").status_code == 404
    assert client.post("/rules/", data=form()).status_code == 404
    auth.logout()
    auth.login(team["manager"])
    page = client.get("/rules/").get_data(as_text=True)
    assert "coffee" in page and 'name="coffee_days"' in page and 'value="21"' in page


@pytest.mark.parametrize("value", ["", "abc", "0", "366", "2.5"])
def test_invalid_thresholds_are_refused_beside_the_field(db, client, auth, team, value):
    auth.login(team["manager"])
    response = client.post("/rules/", data=form(coffee_days=value))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="coffee_days-error"' in page
    assert "Enter a whole number from 1 to 365." in page or "Not a valid integer" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSettings)) == 0


def test_preview_counts_partners_on_real_data_and_saves_nothing(db, book, client, auth, team):
    auth.login(team["manager"])
    response = client.post(
        "/rules/preview", data=form(coffee_days=14), headers={"HX-Request": "true"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<code>coffee</code>" in page
    # now 1 partner (25 days), with 14 days: 2 (15 and 25 days)
    assert '<td data-label="Now">1</td>' in page and "2 partners" in page and "+1" in page
    assert "With these values: <code>coffee</code> 2 partners (+1)." in page
    assert "<html" not in page  # htmx gets the page block only
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSettings)) == 0


def test_save_makes_a_version_audits_it_and_re_evaluates(db, book, client, auth, team):
    auth.login(team["manager"])
    response = client.post("/rules/", data=form(coffee_days=14))
    assert response.status_code == 303
    row = db.session.scalar(sa.select(RuleSettings))
    assert (row.version, row.values["coffee_days"], row.created_by_id) == (
        1,
        14,
        team["manager"].id,
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "rule_settings"))
    assert "coffee_days 21 → 14" in event.summary
    assert event.before["coffee_days"] == 21 and event.after["coffee_days"] == 14
    coffee = db.session.scalars(
        sa.select(Recommendation).where(
            Recommendation.rule == "coffee", Recommendation.status == "open"
        )
    ).all()
    assert len(coffee) == 2
    page = client.get("/rules/").get_data(as_text=True)
    assert "Version 1" in page and "coffee_days</code> 21 → 14" in page and "Dana Reyes" in page


def test_revert_puts_an_earlier_version_back_as_a_new_one(db, book, client, auth, team):
    auth.login(team["manager"])
    client.post("/rules/", data=form(coffee_days=14))
    client.post("/rules/", data=form(coffee_days=14, keep_warm_days=45))
    assert client.post("/rules/revert", data={"version": "0"}).status_code == 303
    rows = db.session.scalars(sa.select(RuleSettings).order_by(RuleSettings.version)).all()
    assert [r.version for r in rows] == [1, 2, 3]
    assert rows[-1].values == DEFAULTS
    refused = client.post("/rules/revert", data={"version": "9"})
    assert refused.status_code == 422
    assert "There is no version 9 to go back to." in refused.get_data(as_text=True)
    assert client.post("/rules/revert", data={}).status_code == 422
    open_coffee = db.session.scalars(
        sa.select(Recommendation).where(
            Recommendation.rule == "coffee", Recommendation.status == "open"
        )
    ).all()
    assert len(open_coffee) == 1


def test_settings_belong_to_one_team(db, book, client, auth, team):
    auth.login(team["rival_manager"])
    client.post("/rules/", data=form(coffee_days=14))
    auth.logout()
    auth.login(team["manager"])
    assert 'value="21"' in client.get("/rules/").get_data(as_text=True)


def test_saving_through_htmx_shows_the_new_version_and_its_message(db, client, auth, team):
    auth.login(team["manager"])
    response = client.post(
        "/rules/",
        data=form(co_market_days=120),
        headers={"HX-Request": "true"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "<html" not in page and "version 1" in page
    assert "Rule settings saved as version 1." in page


def test_a_version_saved_in_the_evening_shows_the_teams_day_and_time(app, db, client, auth, team):
    """22:30 in New York is 03:30 the next day in UTC: the page says the team's time."""
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T22:30-05:00"
    auth.login(team["manager"])
    client.post("/rules/", data=form(coffee_days=14))
    page = client.get("/rules/").get_data(as_text=True)
    assert "20 Nov 2026, 22:30" in page
    assert "21 Nov 2026" not in page and "UTC" not in page
